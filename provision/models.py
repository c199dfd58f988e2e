"""The provision map: an intervention catalogue, groups that deliver interventions to pupils, their sessions,
staff rates that cost them, and entry and exit measures that show their impact."""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from pupils.models import Pupil
from schools.models import School, SchoolYear, User
from send.models import PublicIdModel, TenantModel


class NeedArea(models.TextChoices):
    """The four broad areas of need of the SEND Code of Practice (6.28)."""

    COMMUNICATION = "ci", "Communication and interaction"
    COGNITION = "cl", "Cognition and learning"
    SEMH = "semh", "Social, emotional and mental health"
    SENSORY_PHYSICAL = "sp", "Sensory and/or physical"


NEED_AREA_LABELS: dict[str, str] = dict(NeedArea.choices)  # a lookup: `NeedArea.values` builds a list each time


class Wave(models.TextChoices):
    UNIVERSAL = "universal", "Universal (wave 1)"
    TARGETED = "targeted", "Targeted (wave 2)"
    SPECIALIST = "specialist", "Specialist (wave 3)"


class Measure(models.TextChoices):
    STANDARDISED = "standardised", "Standardised score"
    READING_AGE = "reading_age", "Reading age (months)"
    BOXALL = "boxall", "Boxall profile"
    SDQ = "sdq", "SDQ total difficulties"
    SCALE = "scale", "A scale of the school's"
    NONE = "none", "No measure"


# For these measures a lower score is better (SDQ counts difficulties).
LOWER_IS_BETTER = frozenset({Measure.SDQ})


class FundingSource(models.TextChoices):
    NOTIONAL = "notional", "Notional SEN budget"
    TOP_UP = "top_up", "Top-up (high-needs) funding"
    PUPIL_PREMIUM = "pp", "Pupil premium"
    PUPIL_PREMIUM_PLUS = "pp_plus", "Pupil Premium Plus"
    OTHER = "other", "Other"


@pghistory.track()
class Intervention(TenantModel, PublicIdModel):
    """A catalogue entry: the school's own, or the trust's (no school), published to all its schools."""

    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE, related_name="interventions")
    name = models.CharField(max_length=200)
    need_areas = ArrayField(models.CharField(max_length=10, choices=NeedArea.choices), default=list, blank=True)
    wave = models.CharField(max_length=20, choices=Wave.choices, default=Wave.TARGETED)
    description = models.TextField(blank=True)
    evidence_base = models.TextField(blank=True, help_text="The research or evaluation behind it")
    sessions_per_week = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    session_minutes = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(5)])
    weeks = models.PositiveSmallIntegerField("Typical duration (weeks)", default=10, validators=[MinValueValidator(1)])
    group_size = models.PositiveSmallIntegerField("Typical group size", default=4, validators=[MinValueValidator(1)])
    staffing = models.CharField("Delivered by", max_length=100, default="Teaching assistant")
    resources = models.CharField(max_length=300, blank=True, help_text="Books, kits, licences")
    resources_cost_per_pupil = models.DecimalField(
        "Resources cost per pupil (£)",
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        max_digits=9,
        decimal_places=2,
    )
    measure = models.CharField("Entry and exit measure", max_length=20, choices=Measure.choices, default=Measure.NONE)
    measure_label = models.CharField(
        "Name of the measure", max_length=100, blank=True, help_text="For a scale of the school's, e.g. 'Talk Boost'"
    )
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resources_cost_per_pupil__gte=0), name="intervention_resources_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_trust_wide(self) -> bool:
        return self.school_id is None

    @property
    def need_area_labels(self) -> list[str]:
        return [NEED_AREA_LABELS[area] for area in self.need_areas if area in NEED_AREA_LABELS]

    @property
    def measure_name(self) -> str:
        return self.measure_label or self.get_measure_display()

    @property
    def higher_is_better(self) -> bool:
        return self.measure not in LOWER_IS_BETTER


@pghistory.track()
class StaffRate(TenantModel, PublicIdModel):
    """What an hour of a staff role costs a school in a school year (salary and on-costs)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="staff_rates")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="staff_rates")
    role_name = models.CharField("Staff role", max_length=100, help_text="For example Teaching assistant (level 3)")
    hourly_rate = models.DecimalField(
        "Hourly rate (£)",
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("500"))],
        max_digits=9,
        decimal_places=2,
    )

    class Meta:
        ordering = ["school", "-school_year__starts_on", "role_name"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "school", "school_year", "role_name"], name="staff_rate_once"),
            models.CheckConstraint(condition=Q(hourly_rate__gt=0, hourly_rate__lte=500), name="staff_rate_sane"),
        ]

    def __str__(self) -> str:
        return f"{self.role_name} £{self.hourly_rate}/h ({self.school_year})"


@pghistory.track()
class InterventionGroup(TenantModel, PublicIdModel):
    """One intervention delivered to a group of pupils of one school, by named staff, on a timetable."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="intervention_groups")
    intervention = models.ForeignKey(Intervention, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=200)
    staff_role = models.CharField(
        "Staff role", max_length=100, help_text="Costed at this role's hourly rate for each school year"
    )
    staff: models.ManyToManyField[User, GroupStaff] = models.ManyToManyField(
        User, through="GroupStaff", related_name="intervention_groups"
    )
    sessions_per_week = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(25)])
    session_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(5), MaxValueValidator(480)])
    timetable = models.CharField(max_length=200, blank=True, help_text="For example Mon and Thu 9:10–9:40")
    starts_on = models.DateField()
    ends_on = models.DateField()
    funding_source = models.CharField(max_length=20, choices=FundingSource.choices, default=FundingSource.NOTIONAL)
    resources_cost_per_pupil = models.DecimalField(
        "Resources cost per pupil (£)",
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        max_digits=9,
        decimal_places=2,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="group_dates_in_order"),
            models.CheckConstraint(condition=Q(resources_cost_per_pupil__gte=0), name="group_resources_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def hours_per_week(self) -> Decimal:
        return Decimal(self.sessions_per_week * self.session_minutes) / Decimal(60)


@pghistory.track()
class GroupStaff(TenantModel):
    """A named member of staff who leads the group and records its sessions."""

    group = models.ForeignKey(InterventionGroup, on_delete=models.CASCADE, related_name="group_staff")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trust", "group", "user"], name="group_staff_once")]


@pghistory.track()
class GroupMember(TenantModel, PublicIdModel):
    """A pupil in a group, from a date (to a date when they left early), with entry and exit measures."""

    group = models.ForeignKey(InterventionGroup, on_delete=models.CASCADE, related_name="members")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="group_memberships")
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    entry_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    entry_on = models.DateField(null=True, blank=True)
    exit_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    exit_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["pupil__legal_last_name", "pupil__legal_first_name"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "group", "pupil"], name="group_member_once"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")), name="member_dates_in_order"
            ),
            models.CheckConstraint(
                condition=Q(exit_on__isnull=True) | Q(entry_on__isnull=True) | Q(exit_on__gte=F("entry_on")),
                name="member_exit_after_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} in {self.group}"

    def ends_on(self) -> object:
        return self.left_on or self.group.ends_on

    @property
    def progress(self) -> Decimal | None:
        if self.entry_score is None or self.exit_score is None:
            return None
        change = self.exit_score - self.entry_score
        return change if self.group.intervention.higher_is_better else -change


@pghistory.track()
class Session(TenantModel, PublicIdModel):
    """One session of a group as it happened: the date, who came, and a note."""

    group = models.ForeignKey(InterventionGroup, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField()
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["trust", "group", "date"], name="session_once_a_day")]

    def __str__(self) -> str:
        return f"{self.group} on {self.date}"


@pghistory.track()
class Attendance(TenantModel):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(GroupMember, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trust", "session", "member"], name="attendance_once")]
