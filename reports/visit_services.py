"""Writes of the SEN governor's monitoring visits."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reports.models import GovernorVisit
from schools.models import School

VISIT_FIELDS = ("visited_on", "focus", "what_they_saw", "questions", "actions")


@transaction.atomic
def record_governor_visit(school: School, *, by: Any, **fields: Any) -> GovernorVisit:
    """A visit that has happened (not one in the future), with its focus and what was seen."""
    errors: dict[str, list[str]] = {}
    visited_on = fields.get("visited_on")
    if visited_on is None:
        errors["visited_on"] = ["Enter the date of the visit."]
    elif visited_on > timezone.localdate():
        errors["visited_on"] = ["Record a visit once it has happened: the date is in the future."]
    for name, message in (("focus", "Say what the visit looked at."), ("what_they_saw", "Say what you saw.")):
        if not (fields.get(name) or "").strip():
            errors[name] = [message]
    if errors:
        raise ValidationError(errors)
    visit = GovernorVisit(trust_id=school.trust_id, school=school, recorded_by=by)
    visit.visited_on = fields["visited_on"]
    for name in VISIT_FIELDS[1:]:
        setattr(visit, name, (fields.get(name) or "").strip())
    visit.save()
    return visit
