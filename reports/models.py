"""The documents reports/ keeps of its own: it reads every app below it and writes only these."""

from __future__ import annotations

import pghistory
from django.db import models

from schools.models import School
from send.models import PublicIdModel, TenantModel


@pghistory.track()
class GovernorVisit(TenantModel, PublicIdModel):
    """The SEN governor's monitoring visit (at least once a half term): kept with the governors' report, and
    naming no pupil (the form says so; governors see aggregates only)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField("Date of the visit")
    focus = models.CharField("Focus", max_length=200, help_text="For example: how APDR reviews involve parents")
    what_they_saw = models.TextField("What they saw", help_text="Do not name or describe any pupil")
    questions = models.TextField("Questions asked", blank=True)
    actions = models.TextField("Actions agreed", blank=True, help_text="Who does what, by when")
    recorded_by = models.ForeignKey("schools.User", null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"Visit of {self.visited_on:%d %b %Y}: {self.focus}"


@pghistory.track()
class NotionalSenBudget(TenantModel, PublicIdModel):
    """The notional SEN budget a school enters for a school year: what the headteacher's report sets provision
    spend against."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    school_year = models.ForeignKey("schools.SchoolYear", on_delete=models.CASCADE, related_name="+")
    amount = models.DecimalField("Notional SEN budget (£)", max_digits=10, decimal_places=2)
    updated_by = models.ForeignKey("schools.User", null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trust", "school", "school_year"], name="notional_budget_once_a_year"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="notional_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"£{self.amount} for {self.school_year}"
