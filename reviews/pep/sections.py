"""The looked-after pupil's PEPs on their record (registered with pupils.extensions)."""

from __future__ import annotations

from typing import Any

from pupils import extensions
from reviews.pep.models import Pep
from send import policy


def pupil_pep_section(user: Any, pupil: Any) -> dict[str, Any] | None:
    """Shown for a looked-after or previously looked-after pupil, to whoever may see their PEPs."""
    if not (pupil.is_looked_after or pupil.is_previously_looked_after):
        return None
    if not policy.can(user, "view", Pep(pupil=pupil, trust_id=pupil.trust_id)):
        return None
    return {"pupil": pupil, "latest": Pep.objects.filter(pupil=pupil).order_by("-due_on", "-pk").first()}


extensions.register_record_section("reviews/pep/_pupil_section.html", pupil_pep_section)
