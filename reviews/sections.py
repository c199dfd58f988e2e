"""The pupil's plans on their record (registered with pupils.extensions)."""

from __future__ import annotations

from typing import Any

from pupils import extensions
from reviews import selectors
from reviews.models import Plan
from send import policy


def pupil_plans_section(user: Any, pupil: Any) -> dict[str, Any] | None:
    plans = selectors.plans_of(user, pupil)
    return {
        "plans": plans,
        "pupil": pupil,
        "label": pupil.school.plan_label,
        "can_start": not any(p.is_open for p in plans)
        and policy.can(user, "write", Plan(pupil=pupil, trust_id=pupil.trust_id)),
    }


extensions.register_record_section("reviews/_pupil_section.html", pupil_plans_section)
