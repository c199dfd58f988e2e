"""What the records app keeps: the Common Transfer Files read in, and which register history they brought."""

from __future__ import annotations

from typing import Any

import pghistory
from django.core.files.storage import storages
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

    register_change = models.ForeignKey(RegisterChange, on_delete=models.CASCADE, related_name="imported_from")
    ctf_import = models.ForeignKey(CtfImport, on_delete=models.CASCADE, related_name="entries")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trust", "register_change"], name="imported_sen_entry_once")]

    def __str__(self) -> str:
        return f"{self.register_change} (imported)"


class Destination(models.TextChoices):
    SCHOOL = "school", "A school in England (URN known)"
    INDEPENDENT = "independent", "An independent school"
    ABROAD = "abroad", "Abroad"
    UNKNOWN = "unknown", "Not known"


class SentHow(models.TextChoices):
    S2S = "s2s", "School to School (S2S)"
    SECURE_EMAIL = "secure_email", "Secure e-mail"
    RECORDED_POST = "post", "Recorded post"
    BY_HAND = "by_hand", "By hand"
    WITHIN_TRUST = "within_trust", "Moved with the pupil, inside the trust"


@pghistory.track()
class Transfer(TenantModel, PublicIdModel):
    """A pupil leaving one of our schools: where to, the 15-school-day deadline for their record, and how and when
    the record was sent (by whom). Inside the trust the record moves at once; outside it, the pupil is archived."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="transfers")
    from_school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    to_school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    left_on = models.DateField()
    destination = models.CharField(max_length=12, choices=Destination.choices)
    destination_urn = models.CharField("Destination URN", max_length=6, blank=True)
    destination_name = models.CharField(max_length=200, blank=True)
    due_on = models.DateField(help_text="The record is sent by this day (15 school days after leaving)")
    due_rule = models.CharField(max_length=300)
    recorded_by = models.ForeignKey("schools.User", null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    sent_on = models.DateField(null=True, blank=True)
    sent_how = models.CharField(max_length=12, choices=SentHow.choices, blank=True)
    sent_note = models.CharField(max_length=300, blank=True)
    sent_by = models.ForeignKey("schools.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_recorded_at = models.DateTimeField(null=True, blank=True)
    la_told_on = models.DateField("LA told of the move on", null=True, blank=True)
    la_told_by = models.ForeignKey("schools.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-left_on", "-recorded_at"]
        indexes = [models.Index(fields=["trust", "from_school", "left_on"])]

    def __str__(self) -> str:
        return f"{self.pupil} left {self.left_on}"

    @property
    def within_trust(self) -> bool:
        return self.to_school_id is not None

    @property
    def destination_label(self) -> str:
        if self.to_school_id is not None and self.to_school is not None:
            return f"{self.to_school.name} (in this trust)"
        if self.destination == Destination.SCHOOL:
            return f"{self.destination_name or 'School'} (URN {self.destination_urn})"
        return self.get_destination_display()


class AccessRequestKind(models.TextChoices):
    SUBJECT_ACCESS = "subject_access", "Subject access request (UK GDPR): one month"
    EDUCATIONAL_RECORD = "educational_record", "A parent's request to see the educational record: 15 school days"


def _private_storage() -> Any:
    return storages["private"]


def _export_path(instance: AccessRequest, filename: str) -> str:
    return f"trust-{instance.trust_id}/subject-access/{instance.uuid}.zip"


@pghistory.track(exclude=["progress"])
class AccessRequest(TenantModel, PublicIdModel):
    """A request for everything the trust holds on a pupil, with its deadline; the worker prepares a zip (a readable
    PDF, the JSON of every row that holds the pupil, and their files); the SENCO reviews what may hold other
    people's information, then releases it."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="access_requests")
    kind = models.CharField(max_length=20, choices=AccessRequestKind.choices)
    requester = models.CharField("Who asked", max_length=200, help_text="For example: the pupil's mother")
    received_on = models.DateField()
    due_on = models.DateField()
    due_rule = models.CharField(max_length=300)
    recorded_by = models.ForeignKey("schools.User", null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent prepared by the worker")
    export = models.FileField(storage=_private_storage, upload_to=_export_path, blank=True, max_length=200)
    prepared_at = models.DateTimeField(null=True, blank=True)
    third_party = models.JSONField(default=list, blank=True, help_text="Items to review before release")
    released_on = models.DateField(null=True, blank=True)
    released_by = models.ForeignKey("schools.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} received {self.received_on}"


class RetentionRule(models.Model):
    """The retention schedule as data, for every trust: how long a kind of record is kept (IRMS toolkit)."""

    kind = models.CharField(max_length=30, unique=True)
    label = models.CharField(max_length=100)
    years_after_birth = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.label}: date of birth + {self.years_after_birth} years"


@pghistory.track()
class LegalHold(TenantModel, PublicIdModel):
    """A claim, complaint or inquiry that needs the record kept: destruction is refused while a hold is open."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="legal_holds")
    reason = models.CharField(max_length=300)
    placed_by = models.ForeignKey("schools.User", null=True, on_delete=models.SET_NULL, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Legal hold: {self.reason}"


class DestructionState(models.TextChoices):
    DUE = "due", "Due for destruction: awaiting approval"
    DESTROYED = "destroyed", "Destroyed"


class DestructionReview(TenantModel, PublicIdModel):
    """A record the monthly scan found past its retention date, for the SENCO (or DPO) to approve. Not tracked by
    the audit history, which would keep the pupil's id; once destroyed, the pupil key is empty."""

    pupil = models.ForeignKey(Pupil, null=True, on_delete=models.SET_NULL, related_name="+")
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    listed_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=DestructionState.choices, default=DestructionState.DUE)

    class Meta:
        ordering = ["due_on"]

    def __str__(self) -> str:
        return f"{self.rule.label} due for destruction on {self.due_on}"


class DestructionLog(TenantModel):
    """What was destroyed, on whose approval, when: no name, no id of the pupil (IRMS: keep the log, not the data).
    Append-only for the app's role."""

    audit_append_only = True

    record_kind = models.CharField(max_length=100)
    school = models.ForeignKey(School, null=True, on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey("schools.User", null=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField()
    destroyed_at = models.DateTimeField(auto_now_add=True)
    rows_removed = models.JSONField(default=dict, help_text="How many rows of each table, by table")
    files_removed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-destroyed_at"]

    def __str__(self) -> str:
        return f"{self.record_kind} destroyed {self.destroyed_at:%Y-%m-%d}"
