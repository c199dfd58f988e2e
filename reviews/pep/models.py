"""Looked-after children's education: the Virtual Schools a trust works with (each with its own termly PEP dates
and extra form sections, as data), a looked-after pupil's care record and its events (placements, school moves),
personal education plans (PEPs) with their targets and every change of state."""

from __future__ import annotations

import pghistory
from django.db import models
from django.db.models import Q
from django.utils import timezone

from provision.models import InterventionGroup
from pupils.models import Pupil
from reviews.apdr.models import Progress
from schools.models import SchoolYear, User
from send.models import PublicIdModel, TenantModel


@pghistory.track()
class VirtualSchool(TenantModel, PublicIdModel):
    """A local authority's Virtual School: who to talk to, and how it wants its PEPs."""

    name = models.CharField(max_length=150, help_text="For example Norfolk Virtual School")
    local_authority = models.CharField(max_length=100)
    head_name = models.CharField("Virtual School head", max_length=150, blank=True)
    contact_email = models.EmailField("Contact e-mail", blank=True)
    contact_phone = models.CharField("Contact phone", max_length=40, blank=True)
    epep_system = models.CharField(
        "Their PEP system", max_length=100, blank=True, help_text="Where they want the PEP, e.g. Welfare Call's ePEP"
    )
    extra_sections = models.TextField(
        "Their own form sections",
        blank=True,
        help_text="One heading per line: each becomes a section of this Virtual School's PEPs",
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["trust", "name"], name="virtual_school_name_per_trust")]

    def __str__(self) -> str:
        return self.name

    @property
    def section_headings(self) -> list[str]:
        return [line.strip() for line in self.extra_sections.splitlines() if line.strip()]


@pghistory.track()
class VirtualSchoolTerm(TenantModel, PublicIdModel):
    """A Virtual School's term in a school year, with its final date for the term's PEPs."""

    virtual_school = models.ForeignKey(VirtualSchool, on_delete=models.CASCADE, related_name="terms")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=40, help_text="For example Autumn")
    final_date = models.DateField("PEP final date", help_text="The date the Virtual School wants the term's PEP by")

    class Meta:
        ordering = ["final_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "virtual_school", "school_year", "name"], name="virtual_school_term_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.school_year}"


class CareEventKind(models.TextChoices):
    BECAME_LOOKED_AFTER = "looked_after", "Became looked after"
    EMERGENCY_PLACEMENT = "emergency", "Emergency placement"
    PLACEMENT_CHANGE = "placement", "Change of placement"
    SCHOOL_CHANGE = "school", "Change of school"


# Each of these asks for a new PEP within 10 working days (the first one is the initial PEP).
NEW_PEP_EVENTS = (CareEventKind.EMERGENCY_PLACEMENT, CareEventKind.PLACEMENT_CHANGE, CareEventKind.SCHOOL_CHANGE)


@pghistory.track()
class CareRecord(TenantModel, PublicIdModel):
    """A looked-after (or previously looked-after) pupil's care details: who is responsible, who to talk to."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="care_records")
    virtual_school = models.ForeignKey(VirtualSchool, on_delete=models.PROTECT, related_name="care_records")
    looked_after_on = models.DateField("Became looked after on")
    social_worker = models.CharField(max_length=150, blank=True)
    social_worker_contact = models.CharField("Social worker's e-mail or phone", max_length=150, blank=True)
    carer = models.CharField("Carer", max_length=150, blank=True)
    placement = models.CharField("Placement", max_length=150, blank=True, help_text="For example foster care")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # one per pupil, unique within the trust (a global key would tell one trust another holds the pupil)
        constraints = [models.UniqueConstraint(fields=["trust", "pupil"], name="care_record_once_per_pupil")]

    def __str__(self) -> str:
        return f"Care record of {self.pupil}"


@pghistory.track()
class CareEvent(TenantModel, PublicIdModel):
    """Something that asks for a new PEP: becoming looked after, an emergency placement, a change of placement or
    school. Placement history is these rows."""

    care_record = models.ForeignKey(CareRecord, on_delete=models.CASCADE, related_name="care_events")
    kind = models.CharField(max_length=12, choices=CareEventKind.choices)
    happened_on = models.DateField("Date")
    detail = models.CharField(max_length=300, blank=True, help_text="The new carer, placement or school")
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["happened_on", "pk"]


class PepState(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    READY = "ready", "Ready to submit"
    SUBMITTED = "submitted", "Submitted to the Virtual School"
    RETURNED = "returned", "Returned for amendment"
    COMPLETE = "complete", "Complete"


# The school writes a PEP in these states; once submitted it is the Virtual School's until returned.
EDITABLE_STATES = (PepState.NOT_STARTED, PepState.IN_PROGRESS, PepState.RETURNED)


class Rating(models.TextChoices):
    GOLD = "gold", "Gold"
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


@pghistory.track()
class Pep(TenantModel, PublicIdModel):
    """One personal education plan: a term's (or a change's) PEP for one looked-after pupil."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="peps")
    virtual_school = models.ForeignKey(VirtualSchool, on_delete=models.PROTECT, related_name="peps")
    term = models.ForeignKey(
        VirtualSchoolTerm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="peps",
        help_text="The Virtual School's term this PEP is for (none for an initial or a change's PEP)",
    )
    state = models.CharField(max_length=12, choices=PepState.choices, default=PepState.NOT_STARTED)
    due_on = models.DateField("Due to the Virtual School by")
    started_on = models.DateField("Started on", default=timezone.localdate)
    meeting_on = models.DateField("PEP meeting", null=True, blank=True)
    # The sections every Virtual School asks for
    child_voice = models.TextField("My views (the child's voice)", blank=True)
    carer_views = models.TextField("Carer's views", blank=True)
    social_worker_views = models.TextField("Social worker's views", blank=True)
    attendance_percent = models.DecimalField(
        "Attendance this term (%)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    exclusions = models.TextField("Suspensions and exclusions", blank=True)
    attainment = models.TextField("Attainment and progress against expected", blank=True)
    sdq_score = models.PositiveSmallIntegerField("SDQ total score (0–40)", null=True, blank=True)
    previous_targets = models.TextField("Previous targets evaluated", blank=True)
    upcoming_transitions = models.TextField("Transitions coming up", blank=True)
    attendees = models.TextField("Who attended the meeting", blank=True)
    next_meeting_on = models.DateField("Next PEP meeting", null=True, blank=True)
    extra = models.JSONField("The Virtual School's own sections", default=dict, blank=True)
    # The Virtual School's quality assurance
    rating = models.CharField("Virtual School rating", max_length=6, choices=Rating.choices, blank=True)
    rating_comment = models.TextField("Virtual School comments", blank=True)
    returned_reason = models.TextField(blank=True)
    ready_on = models.DateField(null=True, blank=True)
    submitted_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-due_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "pupil", "term"], condition=Q(term__isnull=False), name="pep_once_per_term"
            ),
            models.CheckConstraint(
                condition=Q(sdq_score__isnull=True) | Q(sdq_score__lte=40), name="pep_sdq_score_range"
            ),
            models.CheckConstraint(
                condition=Q(attendance_percent__isnull=True)
                | Q(attendance_percent__gte=0, attendance_percent__lte=100),
                name="pep_attendance_range",
            ),
        ]

    def __str__(self) -> str:
        return f"PEP of {self.pupil} due {self.due_on:%d %b %Y}"

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class TargetArea(models.TextChoices):
    ACADEMIC = "academic", "Academic"
    WELLBEING = "wellbeing", "Wellbeing"
    OUT_OF_SCHOOL = "out_of_school", "Out of school"


@pghistory.track()
class PepTarget(TenantModel, PublicIdModel):
    """A SMART target of a PEP, with its owner, review date, linked provision and the PP+ asked for it."""

    pep = models.ForeignKey(Pep, on_delete=models.CASCADE, related_name="targets")
    area = models.CharField(max_length=14, choices=TargetArea.choices, default=TargetArea.ACADEMIC)
    wording = models.TextField("Target")
    success_criteria = models.TextField("How we will know", blank=True)
    owner = models.CharField("Who is responsible", max_length=150, blank=True)
    review_on = models.DateField("Review date")
    provision = models.ForeignKey(
        InterventionGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="pep_targets"
    )
    ppp_requested = models.DecimalField(
        "Pupil Premium Plus requested (£)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    progress = models.CharField(max_length=10, choices=Progress.choices, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.wording[:60]


class PepTransition(TenantModel):
    """Every change of a PEP's state: who, when, from what to what, and why. Append-only."""

    audit_append_only = True

    pep = models.ForeignKey(Pep, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
