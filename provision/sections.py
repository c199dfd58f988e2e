"""The pupil's provision map on their record and in their passport PDF (registered with pupils.extensions)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from provision import selectors
from pupils import extensions


def pupil_provision_section(user: Any, pupil: Any) -> dict[str, Any] | None:
    return _section(pupil, selectors.pupil_provision(user, pupil))


def pupils_provision_sections(user: Any, pupils: list[Any]) -> dict[Any, dict[str, Any] | None]:
    """The same for many pupils (a class's passports), in a fixed number of queries."""
    lines = selectors.pupils_provision(user, pupils)
    return {pupil.pk: _section(pupil, lines.get(pupil.pk, [])) for pupil in pupils}


def _section(pupil: Any, lines: list[selectors.Line]) -> dict[str, Any]:
    today = timezone.localdate()
    current = [line for line in lines if (line.member.left_on or line.group.ends_on) >= today]
    past = [line for line in lines if (line.member.left_on or line.group.ends_on) < today]
    return {"current": current, "past": past, "pupil": pupil}


extensions.register_record_section("provision/_pupil_section.html", pupil_provision_section)
extensions.register_passport_section(
    "provision/pdf/_pupil_section.html", pupil_provision_section, batch=pupils_provision_sections
)
