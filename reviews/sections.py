"""The pupil's plans on their record (registered with pupils.extensions)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from pupils import extensions
from reviews.apdr import selectors
from reviews.apdr.models import Plan
from reviews.ehc import selectors as ehc_selectors
from reviews.ehc.models import EhcPlan
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


def pupil_ehc_section(user: Any, pupil: Any) -> dict[str, Any] | None:
    found = ehc_selectors.ehc_of_pupil(user, pupil)
    return {
        **found,
        "pupil": pupil,
        "today": timezone.localdate(),
        "open_request": next((r for r in found["ehc_requests"] if r.outcome == "open"), None),
        "can_write": policy.can(user, "write", EhcPlan(pupil=pupil, trust_id=pupil.trust_id)),
    }


extensions.register_record_section("reviews/ehc/_pupil_section.html", pupil_ehc_section)
