"""EHC needs assessment requests, EHC plans (sections A–K, with E outcomes and F provision as lists that the
provision map and APDR plans link to), their amendments, and annual reviews with their invitations, advice and
meeting record. Every step's date is checked against the ones before it by a constraint as well as by the
services, so a date out of order can never be saved."""

from __future__ import annotations

import datetime as dt

import pghistory
from django.db import models
from django.db.models import F, Q

from provision.models import InterventionGroup
from pupils.models import Pupil
from reviews import statutory
from reviews.apdr.models import Progress
from schools.models import User
from send.models import PublicIdModel, TenantModel


class RequestedBy(models.TextChoices):
    SCHOOL = "school", "The school"
    PARENT = "parent", "A parent or carer"
    YOUNG_PERSON = "young_person", "The young person"
    OTHER = "other", "Someone else (health, social care, early years)"


class AssessDecision(models.TextChoices):
    PENDING = "pending", "Not decided yet"
    ASSESS = "assess", "Agreed to assess"
    REFUSED = "refused", "Refused to assess"


class RequestOutcome(models.TextChoices):
    OPEN = "open", "In progress"
    PLAN_ISSUED = "plan_issued", "EHC plan issued"
    NO_PLAN = "no_plan", "Assessed: no plan to be issued"
    REFUSED = "refused", "Refused to assess"
    WITHDRAWN = "withdrawn", "Withdrawn"


@pghistory.track()
class EhcAssessmentRequest(TenantModel, PublicIdModel):
    """A request to the local authority for an EHC needs assessment, and what the LA decided when."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="ehc_requests")
    requested_by = models.CharField("Who made the request", max_length=20, choices=RequestedBy.choices)
    requester_name = models.CharField("Their name", max_length=200, blank=True)
    local_authority = models.CharField("Local authority", max_length=100)
    case_officer = models.CharField("LA case officer", max_length=200, blank=True)
    sent_on = models.DateField("Sent to the LA on", null=True, blank=True)
    received_on = models.DateField("Received by the LA on", help_text="The statutory clock starts on this day")
    la_responsible_on = models.DateField(
        "The LA became responsible for the child on",
        null=True,
        blank=True,
        help_text="When the child moved into this LA's area during the assessment: the clock starts on this day",
    )
    evidence_summary = models.TextField(
        "What the school sends",
        blank=True,
        help_text="Anything beyond the evidence pack: reports from outside agencies, letters, a covering note",
    )
    decision = models.CharField(max_length=10, choices=AssessDecision.choices, default=AssessDecision.PENDING)
    decided_on = models.DateField(
        "Decision received on", null=True, blank=True, help_text="The day the school received the LA's decision"
    )
    outcome = models.CharField(max_length=12, choices=RequestOutcome.choices, default=RequestOutcome.OPEN)
    outcome_on = models.DateField(
        "Outcome received on",
        null=True,
        blank=True,
        help_text="The day the school received the LA's notice or plan (post can be late)",
    )
    draft_sent_on = models.DateField(
        "Draft plan sent to the parent or young person on",
        null=True,
        blank=True,
        help_text="They then have 15 days to comment and ask for a school",
    )
    school_consulted_on = models.DateField(
        "The LA consulted the school asked for on",
        null=True,
        blank=True,
        help_text="The school has 15 days to reply",
    )
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_on__isnull=True) | Q(sent_on__lte=F("received_on")), name="ehc_request_sent_first"
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("received_on")),
                name="ehc_request_decided_after_received",
            ),
            models.CheckConstraint(
                condition=Q(outcome_on__isnull=True) | Q(outcome_on__gte=F("received_on")),
                name="ehc_request_outcome_after_received",
            ),
            models.UniqueConstraint(
                fields=["trust", "pupil"], condition=Q(outcome="open"), name="ehc_request_one_open"
            ),
            models.CheckConstraint(
                condition=Q(draft_sent_on__isnull=True) | Q(draft_sent_on__gte=F("received_on")),
                name="ehc_request_draft_after_received",
            ),
            models.CheckConstraint(
                condition=Q(school_consulted_on__isnull=True)
                | (Q(draft_sent_on__isnull=False) & Q(school_consulted_on__gte=F("draft_sent_on"))),
                name="ehc_request_consulted_after_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"EHC needs assessment request for {self.pupil} ({self.received_on:%d %b %Y})"


class Timeframe(models.TextChoices):
    """When outcomes are to be achieved, as plans usually put it."""

    ONE_YEAR = "1y", "Within a year"
    KEY_STAGE = "ks", "By the end of the key stage"
    PHASE = "phase", "By the end of the phase"
    ADULTHOOD = "adult", "Preparing for adulthood"


@pghistory.track()
class EhcPlan(TenantModel, PublicIdModel):
    """An issued EHC plan, as the local authority set it out. One current (not ceased) plan per pupil."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="ehc_plans")
    request = models.ForeignKey(
        EhcAssessmentRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans"
    )
    local_authority = models.CharField("Local authority", max_length=100)
    case_officer = models.CharField("LA case officer", max_length=200, blank=True)
    case_officer_email = models.EmailField("Case officer's email", blank=True)
    issued_on = models.DateField("Final plan issued on")
    last_reviewed_on = models.DateField("Last annual review held on", null=True, blank=True)
    review_every_months = models.PositiveSmallIntegerField(
        "Review every (months)",
        default=12,
        help_text="12 by law; 3 to 6 for a child under 5 (Code of Practice), set per child",
    )
    phase_transfer_year = models.PositiveSmallIntegerField(
        "Phase transfer in September of",
        null=True,
        blank=True,
        help_text="The year the pupil moves phase (e.g. Year 6 to Year 7), if it is coming",
    )
    post16_transfer = models.BooleanField("The transfer is into post-16 education", default=False)
    section_a = models.TextField("A: the views, interests and aspirations of the child and parents", blank=True)
    section_b = models.TextField("B: special educational needs", blank=True)
    section_c = models.TextField("C: health needs related to the SEN", blank=True)
    section_d = models.TextField("D: social care needs related to the SEN", blank=True)
    section_g = models.TextField("G: health provision", blank=True)
    section_h1 = models.TextField("H1: social care provision under the CSDPA 1970", blank=True)
    section_h2 = models.TextField("H2: other social care provision", blank=True)
    section_i = models.TextField("I: placement (the school or type of school)", blank=True)
    section_j = models.TextField("J: personal budget", blank=True)
    section_k = models.TextField("K: advice and information gathered", blank=True)
    document = models.ForeignKey(
        "send.StoredFile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The plan as the LA issued it, from the pupil's documents",
    )
    ceased_on = models.DateField("Ceased on", null=True, blank=True)
    cease_reason = models.TextField("Why the plan ceased", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "pupil"], condition=Q(ceased_on__isnull=True), name="ehc_plan_one_current"
            ),
            models.CheckConstraint(
                condition=Q(ceased_on__isnull=True) | Q(ceased_on__gte=F("issued_on")),
                name="ehc_plan_ceased_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__gte=F("issued_on")),
                name="ehc_plan_reviewed_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(review_every_months__gte=3, review_every_months__lte=12),
                name="ehc_plan_review_interval",
            ),
            models.CheckConstraint(
                condition=Q(phase_transfer_year__isnull=True)
                | Q(phase_transfer_year__gte=2000, phase_transfer_year__lte=2100),
                name="ehc_plan_transfer_year",
            ),
        ]

    def __str__(self) -> str:
        return f"EHC plan of {self.pupil} ({self.local_authority}, {self.issued_on:%d %b %Y})"

    @property
    def is_current(self) -> bool:
        return self.ceased_on is None


SECTION_FIELDS = (
    "section_a",
    "section_b",
    "section_c",
    "section_d",
    "section_g",
    "section_h1",
    "section_h2",
    "section_i",
    "section_j",
    "section_k",
)


@pghistory.track()
class EhcOutcome(TenantModel, PublicIdModel):
    """Section E: an outcome the plan sets. APDR targets work towards one (`Target.ehc_outcome`)."""

    ehc_plan = models.ForeignKey(EhcPlan, on_delete=models.CASCADE, related_name="outcomes")
    text = models.TextField("Outcome")
    timeframe = models.CharField(max_length=5, choices=Timeframe.choices, default=Timeframe.ONE_YEAR)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


@pghistory.track()
class EhcProvision(TenantModel, PublicIdModel):
    """Section F: special educational provision, specified and quantified, linked to the outcome it serves and to
    the intervention group on the provision map that delivers it."""

    ehc_plan = models.ForeignKey(EhcPlan, on_delete=models.CASCADE, related_name="provision")
    outcome = models.ForeignKey(EhcOutcome, null=True, blank=True, on_delete=models.SET_NULL, related_name="provision")
    description = models.TextField("Provision")
    frequency = models.CharField("How often and how long", max_length=200, blank=True)
    delivered_by = models.CharField("Delivered by", max_length=200, blank=True)
    group = models.ForeignKey(
        InterventionGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ehc_provision",
        verbose_name="Intervention group on the provision map",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.description[:80]


class ReviewState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Meeting held"
    REPORT_SENT = "report_sent", "Report sent to the LA"
    DECIDED = "decided", "LA decided"
    CLOSED = "closed", "Closed"


class LaDecision(models.TextChoices):
    KEEP = "keep", "Keep the plan as it is"
    AMEND = "amend", "Amend the plan"
    CEASE = "cease", "Cease the plan"


@pghistory.track()
class AnnualReview(TenantModel, PublicIdModel):
    """One annual review of an EHC plan: the meeting, its record, the school's report, the LA's decision."""

    ehc_plan = models.ForeignKey(EhcPlan, on_delete=models.CASCADE, related_name="reviews")
    due_by = models.DateField("Review complete by", help_text="The last day of the 12-month period (s. 44(1))")
    meeting_on = models.DateField("Meeting on")
    is_phase_transfer = models.BooleanField("This review is for a phase transfer", default=False)
    state = models.CharField(max_length=12, choices=ReviewState.choices, default=ReviewState.SCHEDULED)
    held_on = models.DateField("Meeting held on", null=True, blank=True)
    advice_circulated_on = models.DateField(
        "Advice circulated on",
        null=True,
        blank=True,
        help_text="The day the advice and information was sent to everyone invited (reg. 20(4))",
    )
    attendees = models.TextField(blank=True, help_text="Who came, one per line, with their role")
    pupil_views = models.TextField("The pupil's views", blank=True)
    parent_views = models.TextField("The parents' views", blank=True)
    other_views = models.TextField("Other views and advice", blank=True)
    preparing_for_adulthood = models.TextField(
        "Preparing for adulthood",
        blank=True,
        help_text="From Year 9: employment, independent living, friends and community, good health (reg. 20(6))",
    )
    proposed_amendments = models.TextField(blank=True)
    recommendation = models.CharField("The school recommends", max_length=6, choices=LaDecision.choices, blank=True)
    report_sent_on = models.DateField("Report sent on", null=True, blank=True)
    la_decision = models.CharField("LA decision", max_length=6, choices=LaDecision.choices, blank=True)
    la_decision_on = models.DateField("LA decision received on", null=True, blank=True)
    amendments_proposed_on = models.DateField(
        "Proposed amendments sent by the LA on",
        null=True,
        blank=True,
        help_text="The final amended plan is due 8 weeks from this day (reg. 22)",
    )
    amended_plan_on = models.DateField("Amended plan issued on", null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-meeting_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "ehc_plan"], condition=~Q(state="closed"), name="annual_review_one_open"
            ),
            models.CheckConstraint(
                condition=Q(held_on__isnull=True)
                | Q(report_sent_on__isnull=True)
                | Q(report_sent_on__gte=F("held_on")),
                name="annual_review_report_after_meeting",
            ),
            models.CheckConstraint(
                condition=Q(held_on__isnull=True)
                | Q(la_decision_on__isnull=True)
                | Q(la_decision_on__gte=F("held_on")),
                name="annual_review_decision_after_meeting",
            ),
            models.CheckConstraint(
                condition=Q(la_decision_on__isnull=True)
                | Q(amended_plan_on__isnull=True)
                | Q(amended_plan_on__gte=F("la_decision_on")),
                name="annual_review_amendment_after_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"Annual review of {self.ehc_plan.pupil} ({self.meeting_on:%d %b %Y})"

    @property
    def is_open(self) -> bool:
        return self.state != ReviewState.CLOSED

    @property
    def meeting_by(self) -> dt.date:
        """The planning date for the meeting: the LA needs 4 weeks after it to decide."""
        return statutory.meeting_by(self.due_by)


class Party(models.TextChoices):
    PARENT = "parent", "Parent or carer"
    PUPIL = "pupil", "Pupil or young person"
    HEAD = "head", "Headteacher or principal"
    LA = "la", "Local authority SEN officer"
    HEALTH = "health", "Health"
    SOCIAL_CARE = "social_care", "Social care"
    EP = "ep", "Educational psychologist"
    SCHOOL = "school", "School staff"
    OTHER = "other", "Other"


@pghistory.track()
class ReviewInvitation(TenantModel, PublicIdModel):
    """An invitation to the review meeting, with a request for advice when one is asked for, and the reply."""

    review = models.ForeignKey(AnnualReview, on_delete=models.CASCADE, related_name="invitations")
    party = models.CharField(max_length=12, choices=Party.choices)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    invited_on = models.DateField("Invitation sent on")
    advice_due_on = models.DateField(
        "Advice due by", null=True, blank=True, help_text="Leave empty when no written advice is asked for"
    )
    response_on = models.DateField(
        "Reply or advice received on", null=True, blank=True, help_text="For advice: the day it was received"
    )
    response = models.TextField("Their reply or advice", blank=True)

    class Meta:
        ordering = ["party", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(advice_due_on__isnull=True) | Q(advice_due_on__gte=F("invited_on")),
                name="invitation_advice_after_invite",
            ),
            models.CheckConstraint(
                condition=Q(response_on__isnull=True) | Q(response_on__gte=F("invited_on")),
                name="invitation_reply_after_invite",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_party_display()})"


@pghistory.track()
class OutcomeProgress(TenantModel):
    """At the meeting: progress towards one of the plan's outcomes."""

    review = models.ForeignKey(AnnualReview, on_delete=models.CASCADE, related_name="progress")
    outcome = models.ForeignKey(EhcOutcome, on_delete=models.CASCADE, related_name="+")
    progress = models.CharField(max_length=10, choices=Progress.choices)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trust", "review", "outcome"], name="outcome_progress_once")]


@pghistory.track()
class EhcAmendment(TenantModel, PublicIdModel):
    """An amended plan the LA issued: when, what changed, and the review that led to it."""

    ehc_plan = models.ForeignKey(EhcPlan, on_delete=models.CASCADE, related_name="amendments")
    review = models.ForeignKey(AnnualReview, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    issued_on = models.DateField("Amended plan issued on")
    summary = models.TextField("What changed")
    names_new_school = models.BooleanField("It names the school for the phase transfer", default=False)
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
