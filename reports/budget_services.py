"""Writes of the notional SEN budget."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from reports.models import NotionalSenBudget
from schools.models import School, SchoolYear


@transaction.atomic
def set_notional_budget(school: School, school_year: SchoolYear, amount: Decimal, *, by: Any) -> NotionalSenBudget:
    """The school's notional SEN budget for a school year (entered again, it replaces the last)."""
    if amount is None or amount < 0:
        raise ValidationError({"amount": ["Enter the budget in pounds: zero or more."]})
    budget, _ = NotionalSenBudget.objects.update_or_create(
        school=school,
        school_year=school_year,
        defaults={"amount": amount, "updated_by": by, "trust_id": school.trust_id},
    )
    return budget
