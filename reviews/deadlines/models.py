"""Every open statutory deadline in one table, the reminders it gives each person once per warning window, the
daily e-mail digests that carry them (the outbox), each person's preferences, and their private calendar feed."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from pupils.models import Pupil
from schools.models import School, User
from send.models import PublicIdModel, TenantModel


class DeadlineKind(models.TextChoices):
    DECIDE_TO_ASSESS = "decide_to_assess", "LA decides whether to assess"
    NOTIFY_NO_PLAN = "notify_no_plan", "LA says if it will not issue a plan"
    FINAL_PLAN = "final_plan", "Final EHC plan issued"
    REVIEW_BY = "review_by", "Annual review complete (the LA's decision)"
    MEETING_BY = "meeting_by", "Annual review meeting (planning date)"
    INVITATIONS_BY = "invitations_by", "Everyone required invited to the review"
    ADVICE_REQUESTS_BY = "advice_requests_by", "Advice requested for the review (planning date)"
    ADVICE_CIRCULATED_BY = "advice_circulated_by", "Advice circulated to everyone invited"
    ADVICE_DUE = "advice_due", "Advice for the review received"
    REPORT_BY = "report_by", "Review report sent to the LA"
    LA_DECISION_BY = "la_decision_by", "LA decides after the review"
    AMENDED_PLAN_BY = "amended_plan_by", "Amended plan issued"
    TRANSFER_MEETING_BY = "transfer_meeting_by", "Phase transfer review meeting (planning date)"
    TRANSFER_PLAN_BY = "transfer_plan_by", "Amended plan naming the new school"
    PLAN_REVIEW = "plan_review", "SEN support plan (APDR) reviewed"
    PEP_STARTED = "pep_started", "PEP started (new to care)"
    PEP_READY = "pep_ready", "PEP ready for the first care-plan review"
    PEP_AFTER_CHANGE = "pep_after_change", "New PEP after a change of placement or school"
    PEP_TERMLY = "pep_termly", "Termly PEP to the Virtual School"
    # Records law (records app): the pupil's record sent on; a parent's request to see it; a subject access request.
    RECORD_TRANSFER = "record_transfer", "Pupil's record sent to the new school"
    EDUCATIONAL_RECORD = "educational_record", "Educational record shown to the parent"
    SUBJECT_ACCESS = "subject_access", "Subject access request answered"


class DeadlineState(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    CANCELLED = "cancelled", "No longer needed"
    EXEMPT = "exempt", "Exemption claimed"


class ExemptionGround(models.TextChoices):
    """The three grounds on which the 6, 16 and 20 weeks need not be met (regs 5(4), 10(4), 13(3))."""

    CLOSURE = "closure", "The LA asked the school for advice in the week before a closure of at least 4 weeks"
    CIRCUMSTANCES = "circumstances", "Exceptional personal circumstances of the child or the parent"
    ABSENCE = "absence", "The child or the parent away from the LA's area for at least 4 weeks"


# The deadlines an exemption can be claimed on, and the regulation that gives it.
EXEMPTION_REGULATIONS = {
    DeadlineKind.DECIDE_TO_ASSESS: "reg. 5(4)",
    DeadlineKind.NOTIFY_NO_PLAN: "reg. 10(4)",
    DeadlineKind.FINAL_PLAN: "reg. 13(3)",
}


# The LA's own steps: the day recorded as meeting them is the day the school *received* the LA's decision or plan.
RECEIVED_KINDS = frozenset(
    {
        DeadlineKind.DECIDE_TO_ASSESS,
        DeadlineKind.NOTIFY_NO_PLAN,
        DeadlineKind.FINAL_PLAN,
        DeadlineKind.REVIEW_BY,
        DeadlineKind.LA_DECISION_BY,
        DeadlineKind.AMENDED_PLAN_BY,
    }
)

# Deadlines the pupil's class teacher is reminded of too (they prepare the pupil's part of the review).
CLASS_TEACHER_KINDS = (DeadlineKind.REVIEW_BY, DeadlineKind.ADVICE_DUE, DeadlineKind.TRANSFER_MEETING_BY)
# Not statutory: the review dates of SEN support plans, reminded to the class teacher (the SENCO when there is
# none), on their own windows (PLAN_REVIEW_REMINDER_DAYS), and kept off the statutory calendar.
SCHOOL_KINDS = (DeadlineKind.PLAN_REVIEW,)
# Personal education plans of looked-after pupils: the designated teacher is reminded too (beside the SENCO).
PEP_KINDS = (DeadlineKind.PEP_STARTED, DeadlineKind.PEP_READY, DeadlineKind.PEP_AFTER_CHANGE, DeadlineKind.PEP_TERMLY)


class Deadline(TenantModel, PublicIdModel):
    """One statutory date for one pupil, kept in step with its request, plan or review by the services.

    `key` names the step and its subject (`review:12:report_by`), so recomputing a subject's deadlines updates
    the same rows; a date that moves keeps its row, and its reminders are keyed by the date too.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="deadlines")
    key = models.CharField(max_length=80)
    kind = models.CharField(max_length=24, choices=DeadlineKind.choices)
    due_on = models.DateField()
    rule = models.CharField(max_length=300)
    detail = models.CharField(max_length=200, blank=True, help_text="Whose advice, which meeting")
    state = models.CharField(max_length=10, choices=DeadlineState.choices, default=DeadlineState.OPEN)
    met_on = models.DateField(null=True, blank=True)
    request = models.ForeignKey(
        "reviews.EhcAssessmentRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    ehc_plan = models.ForeignKey(
        "reviews.EhcPlan", null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    review = models.ForeignKey(
        "reviews.AnnualReview", null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    plan = models.ForeignKey("reviews.Plan", null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines")
    # An exemption claimed (a deadline still open shows "exemption claimed", never "overdue"): kept by the engine.
    # Database defaults, so the raw INSERTs of the APDR sync and the benchmark stay valid.
    exemption_ground = models.CharField(max_length=16, choices=ExemptionGround.choices, blank=True, db_default="")
    exemption_reason = models.TextField(blank=True, db_default="")
    exemption_claimed_by = models.CharField("Who claimed it", max_length=200, blank=True, db_default="")
    exemption_claimed_on = models.DateField("Claimed on", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["trust", "key"], name="deadline_key_once")]
        indexes = [models.Index(fields=["trust", "due_on"], condition=Q(state="open"), name="deadline_open_by_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.due_on:%d %b %Y}"

    @property
    def met_on_is_received(self) -> bool:
        """The LA's step: the date is when the school received it, not when the LA decided or sent it."""
        return self.kind in RECEIVED_KINDS

    @property
    def exemption_regulation(self) -> str:
        return EXEMPTION_REGULATIONS.get(DeadlineKind(self.kind), "") if self.kind in DeadlineKind.values else ""

    @property
    def subject_url(self) -> str:
        from django.urls import reverse

        if self.review is not None:
            return reverse("reviews:annual_review", args=[self.review.uuid])
        if self.ehc_plan is not None:
            return reverse("reviews:ehc_plan", args=[self.ehc_plan.uuid])
        if self.request is not None:
            return reverse("reviews:ehc_request", args=[self.request.uuid])
        if self.plan is not None:
            return reverse("reviews:plan", args=[self.plan.uuid])
        if self.kind in PEP_KINDS:
            return reverse("reviews:pep_pupil", args=[self.pupil.uuid])
        return reverse("pupils:record", args=[self.pupil.uuid])


class Digest(TenantModel, PublicIdModel):
    """The outbox: one e-mail per person per day carrying their new reminders. `sent_at` is set in the same
    transaction as the e-mail is handed over, under a row lock, so two workers never send the same digest."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A relay that refuses it: tried again later (retry_after), given up after a permanent refusal or a few tries.
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_after = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trust", "recipient", "day"], name="digest_once_a_day")]
        indexes = [models.Index(fields=["trust"], condition=Q(sent_at__isnull=True), name="digest_unsent")]


class Reminder(TenantModel):
    """A deadline entering a warning window, for one person: in-app at once, by e-mail in their next digest.

    Unique per deadline, due date, window and person: the morning scan may run twice and adds nothing."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="reminders")
    due_on = models.DateField()
    window_days = models.SmallIntegerField(help_text="Days before the due date; -1 when overdue")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey(Digest, null=True, blank=True, on_delete=models.SET_NULL, related_name="reminders")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "deadline", "due_on", "window_days", "recipient"], name="reminder_once"
            )
        ]
        indexes = [models.Index(fields=["trust", "recipient", "read_at"], name="reminder_inbox")]

    @property
    def window_label(self) -> str:
        days = self.window_days
        if days < 0:
            return "Overdue"
        if days == 0:
            return "Due today"
        if days % 7 == 0:
            return f"Due within {days // 7} week{'s' if days > 7 else ''}"
        return f"Due within {days} day{'s' if days > 1 else ''}"


class NotificationPreference(TenantModel):
    """How one person wants their reminders: always in the app; by e-mail in a daily digest unless they opt out."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    email_digest = models.BooleanField("Send me a daily e-mail digest of new reminders", default=True)
    feed_token_hash = models.CharField(max_length=64, blank=True)

    rls_lookup = ("feed_token_hash", "app.feed_token_hash")
    # The person finds their own preferences outside a trust, so that signing out everywhere stops every feed.
    rls_own_rows_column = "user_id"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trust", "user"], name="notification_preference_once"),
            models.UniqueConstraint(
                fields=["feed_token_hash"],
                condition=~Q(("feed_token_hash", "")),  # "" is "no address yet" (a tuple: not a password to bandit)
                name="feed_token_unique",
            ),
        ]
