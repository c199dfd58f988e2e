"""Pupil Premium Plus: the national rate per financial year (reference data), each looked-after or previously
looked-after pupil's allocation for a financial year, and what was requested, released and spent against it, per
term and per PEP target, with the provision it bought."""

from __future__ import annotations

import pghistory
from django.db import models
from django.db.models import Q

from provision.models import InterventionGroup
from pupils.models import Pupil
from schools.models import User
from send.models import PublicIdModel, TenantModel


class PppRate(models.Model):
    """The national PP+ rate per pupil for a financial year (April–March), named by the year it starts."""

    financial_year = models.PositiveSmallIntegerField(unique=True, help_text="2025 for 2025–26")
    amount = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["-financial_year"]

    def __str__(self) -> str:
        return f"{self.financial_year}–{(self.financial_year + 1) % 100:02d}: £{self.amount}"


class PppRoute(models.TextChoices):
    LAC = "lac", "Looked after: managed by the Virtual School, released against the PEP"
    PLAC = "plac", "Previously looked after: paid to the school from the census declaration"


@pghistory.track()
class PppAllocation(TenantModel, PublicIdModel):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="ppp_allocations")
    financial_year = models.PositiveSmallIntegerField(help_text="The year it starts: 2025 for 2025–26")
    route = models.CharField(max_length=4, choices=PppRoute.choices)
    virtual_school = models.ForeignKey(
        "reviews.VirtualSchool", null=True, blank=True, on_delete=models.PROTECT, related_name="ppp_allocations"
    )
    amount = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["-financial_year"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "pupil", "financial_year"], name="ppp_allocation_once_a_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="ppp_allocation_not_negative"),
        ]

    def __str__(self) -> str:
        return f"PP+ {self.financial_year}–{(self.financial_year + 1) % 100:02d} of {self.pupil}"


class PppMovement(models.TextChoices):
    REQUESTED = "requested", "Requested from the Virtual School"
    RELEASED = "released", "Released to the school"
    SPENT = "spent", "Spent"


@pghistory.track()
class PppEntry(TenantModel, PublicIdModel):
    """An amount requested, released or spent on a day (so in a term and a financial year), for a PEP target."""

    allocation = models.ForeignKey(PppAllocation, on_delete=models.CASCADE, related_name="entries")
    movement = models.CharField(max_length=10, choices=PppMovement.choices)
    on = models.DateField("Date")
    amount = models.DecimalField("Amount (£)", max_digits=8, decimal_places=2)
    target = models.ForeignKey(
        "reviews.PepTarget", null=True, blank=True, on_delete=models.SET_NULL, related_name="ppp_entries"
    )
    provision = models.ForeignKey(
        InterventionGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="ppp_entries"
    )
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="ppp_entry_positive")]
