"""Assess – Plan – Do – Review cycles: a SEN support plan (or IEP) per pupil per cycle, its targets, the evidence
gathered while it runs, the parent's and pupil's views, the review, every state change, and reminders."""

from __future__ import annotations

import pghistory
from django.db import models
from django.db.models import Q

from provision.models import InterventionGroup
from pupils.models import ContactLogEntry, Pupil
from schools.models import User
from send.models import PublicIdModel, TenantModel


class PlanState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Awaiting the SENCO's sign-off"
    ACTIVE = "active", "Active"
    DUE = "due", "Due for review"
    REVIEWED = "reviewed", "Reviewed"


class Progress(models.TextChoices):
    NOT_MET = "not_met", "Not met"
    PARTLY = "partly", "Partly met"
    MET = "met", "Met"
    EXCEEDED = "exceeded", "Exceeded"


UNMET = (Progress.NOT_MET, Progress.PARTLY)


class Gathered(models.TextChoices):
    MEETING = "meeting", "At a meeting"
    PHONE = "phone", "By phone"
    WRITTEN = "written", "In writing (form or letter)"
    EMAIL = "email", "By email"
    CONVERSATION = "conversation", "In conversation with staff"
    PUPIL_VOICE = "pupil_voice", "Pupil voice activity"


@pghistory.track()
class Plan(TenantModel, PublicIdModel):
    """One cycle of the graduated approach for one pupil."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="plans")
    cycle = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=12, choices=PlanState.choices, default=PlanState.DRAFT)
    starts_on = models.DateField()
    review_on = models.DateField("Review date")
    # Assess
    concerns = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    data = models.TextField("Assessment data", blank=True, help_text="Scores, reading ages, observations, attendance")
    specialist_advice = models.TextField(blank=True, help_text="EP, SALT, OT, CAMHS... and the date of their advice")
    # Plan
    strategies = models.TextField(blank=True, help_text="How staff will teach and support, one per line")
    who_does_what = models.TextField("Who does what", blank=True)
    # Review
    what_worked = models.TextField(blank=True)
    next_steps = models.TextField(blank=True)
    reviewed_on = models.DateField(null=True, blank=True)
    senco_comment = models.TextField(blank=True)
    written_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-cycle"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "pupil", "cycle"], name="plan_cycle_once"),
            models.CheckConstraint(condition=Q(review_on__gte=models.F("starts_on")), name="plan_review_after_start"),
            # one open cycle per pupil: a new one starts when the last is reviewed
            models.UniqueConstraint(
                fields=["trust", "pupil"], condition=~Q(state="reviewed"), name="plan_one_open_cycle"
            ),
        ]

    def __str__(self) -> str:
        return f"Plan {self.cycle} of {self.pupil}"

    @property
    def is_open(self) -> bool:
        return self.state != PlanState.REVIEWED


@pghistory.track()
class Target(TenantModel, PublicIdModel):
    """A SMART target towards an outcome, with the provision that delivers it and, at review, its progress."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    outcome = models.CharField("Longer-term outcome", max_length=300, blank=True)
    wording = models.TextField("Target")
    success_criteria = models.TextField(
        "How we will know", blank=True, help_text="What the pupil will do, how often, measured how: makes it measurable"
    )
    provision = models.ForeignKey(
        InterventionGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="targets"
    )
    who = models.CharField("Who", max_length=200, blank=True)
    ehc_outcome = models.ForeignKey(
        "reviews.EhcOutcome",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="targets",
        verbose_name="EHC plan outcome (section E) it works towards",
    )
    progress = models.CharField(max_length=10, choices=Progress.choices, blank=True)
    progress_note = models.TextField(blank=True)
    carried_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.wording[:60]

    @property
    def is_measurable(self) -> bool:
        return bool(self.success_criteria.strip())


class EvidenceKind(models.TextChoices):
    OBSERVATION = "observation", "Observation"
    NOTE = "note", "Note"
    WORK = "work", "Work sample"
    ASSESSMENT = "assessment", "Assessment"


@pghistory.track()
class Evidence(TenantModel, PublicIdModel):
    """The Do stage: what happened while the plan ran (sessions of its provision are shown beside these)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices, default=EvidenceKind.OBSERVATION)
    happened_on = models.DateField("Date")
    text = models.TextField()
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_on", "-recorded_at"]


class Voice(models.TextChoices):
    PARENT = "parent", "Parent or carer"
    PUPIL = "pupil", "Pupil"


@pghistory.track()
class Contribution(TenantModel, PublicIdModel):
    """A parent's or the pupil's view, with the date and how it was gathered."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="contributions")
    voice = models.CharField(max_length=10, choices=Voice.choices)
    stage = models.CharField(max_length=10, choices=[("plan", "When planning"), ("review", "At the review")])
    given_on = models.DateField("Date")
    gathered = models.CharField("How it was gathered", max_length=20, choices=Gathered.choices)
    text = models.TextField("Their view")
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["given_on", "pk"]


@pghistory.track()
class PlanSource(TenantModel):
    """A document or a contact-log conversation that the Assess stage drew on (one of the two per row)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sources")
    contact_log_entry = models.ForeignKey(
        ContactLogEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    document = models.ForeignKey("send.StoredFile", null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_log_entry__isnull=True, document__isnull=False)
                | Q(contact_log_entry__isnull=False, document__isnull=True),
                name="plan_source_one_kind",
            )
        ]


class PlanTransition(TenantModel):
    """Every change of a plan's state: who, when, from what to what, and any comment. Append-only."""

    audit_append_only = True

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
