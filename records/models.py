"""What the records app keeps: the Common Transfer Files read in, and which register history they brought."""

from __future__ import annotations

import pghistory
from django.db import models

from pupils.models import Pupil, RegisterChange
from schools.models import School
from send.models import PublicIdModel, TenantModel


class CtfOutcome(models.TextChoices):
    CREATED = "created", "Created a new pupil"
    UPDATED = "updated", "Added history to a pupil we hold"
    UNCHANGED = "unchanged", "Nothing to add"


@pghistory.track()
class CtfImport(TenantModel, PublicIdModel):
    """One pupil read from one CTF: from which school, what it did, and the conflicts left for the SENCO.

    Conflicts are where the file and our record disagree; ours is always kept and the SENCO decides.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, null=True, on_delete=models.SET_NULL, related_name="ctf_imports")
    file_name = models.CharField(max_length=255)
    source_school = models.CharField(max_length=200, blank=True)
    source_laestab = models.CharField("Source LAESTAB", max_length=7, blank=True)
    outcome = models.CharField(max_length=10, choices=CtfOutcome.choices)
    conflicts = models.JSONField(default=list, blank=True)
    imported_by = models.ForeignKey("schools.User", null=True, on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)
    conflicts_resolved_by = models.ForeignKey(
        "schools.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    conflicts_resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-imported_at"]
        indexes = [models.Index(fields=["trust", "imported_at"])]

    def __str__(self) -> str:
        return f"CTF from {self.source_school or 'an unknown school'} ({self.get_outcome_display()})"

    @property
    def has_open_conflicts(self) -> bool:
        return bool(self.conflicts) and self.conflicts_resolved_at is None


@pghistory.track()
class ImportedSenEntry(TenantModel):
    """Marks one register history row as brought by a CTF from the previous school: history, never our own."""

    register_change = models.OneToOneField(RegisterChange, on_delete=models.CASCADE, related_name="imported_from")
    ctf_import = models.ForeignKey(CtfImport, on_delete=models.CASCADE, related_name="entries")

    def __str__(self) -> str:
        return f"{self.register_change} (imported)"
