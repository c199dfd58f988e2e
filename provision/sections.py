"""The pupil's provision map on their record and in their passport PDF (registered with pupils.extensions)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from provision import selectors
from pupils import extensions


def pupil_provision_section(user: Any, pupil: Any) -> dict[str, Any] | None:
    lines = selectors.pupil_provision(user, pupil)
    today = timezone.localdate()
    current = [line for line in lines if (line.member.left_on or line.group.ends_on) >= today]
    past = [line for line in lines if (line.member.left_on or line.group.ends_on) < today]
    return {"current": current, "past": past, "pupil": pupil}


extensions.register_record_section("provision/_pupil_section.html", pupil_provision_section)
extensions.register_passport_section("provision/pdf/_pupil_section.html", pupil_provision_section)
