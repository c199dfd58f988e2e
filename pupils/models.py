"""Pupils and their place on the SEND register."""

from __future__ import annotations

from typing import Any

import pghistory
from django.db import models
from django.db.models import Q
from django.utils import timezone

from schools.models import School, SchoolClass, YearGroup
from send.models import PublicIdModel, TenantModel, tombstone_trigger


class SenStatus(models.TextChoices):
    """DfE census 'SEN provision' statuses that can be assigned now."""

    NO_SEN = "N", "No SEN"
    SEN_SUPPORT = "K", "SEN support"
    EHC_PLAN = "E", "EHC plan"


class HistoricSenStatus(models.TextChoices):
    """Every status a history row may carry: the current ones and the pre-2014 ones, imported, never assigned."""

    NO_SEN = "N", "No SEN"
    SEN_SUPPORT = "K", "SEN support"
    EHC_PLAN = "E", "EHC plan"
    SCHOOL_ACTION = "A", "School Action (before 2014)"
    SCHOOL_ACTION_PLUS = "P", "School Action Plus (before 2014)"
    STATEMENT = "S", "Statement (before 2014)"


CURRENT_SEN_STATUSES = (SenStatus.NO_SEN, SenStatus.SEN_SUPPORT, SenStatus.EHC_PLAN)


class NeedType(models.Model):
    """Census need types as reference data (the DfE changes them), valid between two dates."""

    code = models.CharField(max_length=10, unique=True)
    label = models.CharField(max_length=120)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.label}"


YEAR_GROUP_LABELS: dict[str, str] = dict(YearGroup.choices)


def has_left_q() -> Q:
    """Pupils who have left (their leaving date has come): archived, out of every list of current pupils."""
    return Q(leaving_date__isnull=False, leaving_date__lte=timezone.localdate())


def has_left(pupil: Any) -> bool:
    return pupil.leaving_date is not None and pupil.leaving_date <= timezone.localdate()


class Gender(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "X", "Other or not stated"


@pghistory.track()
class Pupil(TenantModel, PublicIdModel):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    school_class = models.ForeignKey(
        SchoolClass, null=True, blank=True, on_delete=models.SET_NULL, related_name="pupils"
    )
    legal_first_name = models.CharField(max_length=100)
    legal_last_name = models.CharField(max_length=100)
    preferred_first_name = models.CharField(max_length=100, blank=True)
    preferred_last_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=1, choices=Gender.choices)
    upn = models.CharField("UPN", max_length=13)
    year_group = models.CharField(max_length=2, choices=YearGroup.choices)
    admission_date = models.DateField(null=True, blank=True)
    leaving_date = models.DateField(null=True, blank=True)
    mis_id = models.CharField("MIS id", max_length=100, blank=True)
    sen_status = models.CharField("SEN status", max_length=1, choices=SenStatus.choices, default=SenStatus.NO_SEN)
    sen_status_since = models.DateField(null=True, blank=True)
    on_monitoring_list = models.BooleanField(
        default=False, help_text="Not on the register, but needs are being watched"
    )
    is_looked_after = models.BooleanField("Looked after (LAC)", default=False)
    is_previously_looked_after = models.BooleanField("Previously looked after (PLAC)", default=False)
    is_eal = models.BooleanField("English as an additional language", default=False)
    is_pupil_premium = models.BooleanField(default=False)
    photo = models.ForeignKey(
        "send.StoredFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    has_medical_needs = models.BooleanField("Medical needs", default=False)
    has_early_help_plan = models.BooleanField("Early Help plan", default=False)
    is_young_carer = models.BooleanField("Young carer", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_last_name", "legal_first_name"]
        triggers = [tombstone_trigger("pupil")]
        constraints = [
            models.UniqueConstraint(fields=["trust", "upn"], name="pupil_upn_per_trust"),
            models.UniqueConstraint(fields=["trust", "mis_id"], name="pupil_mis_id_per_trust", condition=~Q(mis_id="")),
        ]
        indexes = [
            models.Index(fields=["trust", "school", "sen_status"]),
            models.Index(fields=["trust", "updated_at", "uuid"], name="pupil_sync_order"),
            # The register's default order: its first page is read from the index, with no sort.
            models.Index(fields=["trust", "legal_last_name", "legal_first_name", "id"], name="pupil_register_name"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def may_serve_file(self, stored: Any) -> bool:
        """A photo is served only while the school shows photos; documents whenever the record may be opened."""
        return stored.purpose != "photo" or self.school.pupil_photos

    @property
    def display_name(self) -> str:
        first = self.preferred_first_name or self.legal_first_name
        last = self.preferred_last_name or self.legal_last_name
        return f"{first} {last}"

    @property
    def year_label(self) -> str:
        """The year group's label by a lookup (`get_year_group_display` flattens the choices on every call)."""
        return YEAR_GROUP_LABELS.get(self.year_group, self.year_group)


@pghistory.track()
class PupilNeed(TenantModel):
    """A ranked need type: 1 primary, 2 secondary (rules in pupils.services)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="needs")
    need_type = models.ForeignKey(NeedType, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(choices=[(1, "Primary"), (2, "Secondary")])

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "pupil", "rank"], name="pupil_need_rank_once"),
            models.UniqueConstraint(fields=["trust", "pupil", "need_type"], name="pupil_need_type_once"),
        ]

    def __str__(self) -> str:
        return f"{self.need_type.code} ({self.get_rank_display()})"


@pghistory.track()
class RegisterChange(TenantModel, PublicIdModel):
    """One change to a pupil's place on the SEND register: status and needs from a date, by whom, and why.

    The census and governors ask "how many, since when, how many moved": this is the history they read.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="register_changes")
    status = models.CharField(max_length=1, choices=HistoricSenStatus.choices)
    primary_need = models.ForeignKey(NeedType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    secondary_need = models.ForeignKey(NeedType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    on_monitoring_list = models.BooleanField(default=False)
    starts_on = models.DateField()
    reason = models.TextField()
    recorded_by = models.ForeignKey("schools.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-recorded_at"]
        indexes = [
            models.Index(fields=["trust", "pupil", "starts_on"]),
            models.Index(fields=["trust", "recorded_at"], name="register_change_feed"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} {self.status} from {self.starts_on}"


class PassportStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting", "Awaiting the SENCO's approval"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned with comments"


@pghistory.track()
class PassportVersion(TenantModel, PublicIdModel):
    """One version of a pupil passport (one-page profile). Saving never overwrites: it adds a version."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="passport_versions")
    number = models.PositiveIntegerField()
    about_me = models.TextField("About me", blank=True)
    important_to_me = models.TextField("What is important to me", blank=True)
    how_to_support = models.TextField("How best to support me", blank=True)
    what_helps = models.TextField("What helps", blank=True)
    what_does_not_help = models.TextField("What does not help", blank=True)
    pupil_voice = models.TextField("In my own words", blank=True)
    key_strategies = models.TextField(
        "Key strategies", help_text="One per line: shown to everyone who teaches the pupil, on the class view"
    )
    written_by = models.ForeignKey("schools.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=PassportStatus.choices, default=PassportStatus.AWAITING_APPROVAL)
    senco_comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey("schools.User", null=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "pupil", "number"], name="passport_version_number_once")
        ]

    def __str__(self) -> str:
        return f"Passport v{self.number} of {self.pupil}"

    @property
    def strategies(self) -> list[str]:
        return [line.strip(" -•\t") for line in self.key_strategies.splitlines() if line.strip(" -•\t")]


class ContactKind(models.TextChoices):
    PARENT = "parent", "Parent or carer"
    PROFESSIONAL = "professional", "External professional"


class Relationship(models.TextChoices):
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    CARER = "carer", "Carer"
    GUARDIAN = "guardian", "Special guardian"
    FOSTER = "foster", "Foster carer"
    OTHER_FAMILY = "family", "Other family member"
    EP = "ep", "Educational psychologist"
    SALT = "salt", "Speech and language therapist"
    OT = "ot", "Occupational therapist"
    CAMHS = "camhs", "CAMHS"
    SOCIAL_WORKER = "social_worker", "Social worker"
    VIRTUAL_SCHOOL = "virtual_school", "Virtual School"
    HEALTH = "health", "Health professional"
    OTHER = "other", "Other"


@pghistory.track()
class Contact(TenantModel, PublicIdModel):
    """A parent or carer (with or without parental responsibility) or an external professional."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(max_length=20, choices=ContactKind.choices)
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    parental_responsibility = models.BooleanField(default=False)
    organisation = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    mis_id = models.CharField("MIS id", max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["kind", "name"]
        triggers = [tombstone_trigger("contact", school="(SELECT school_id FROM pupils_pupil WHERE id = OLD.pupil_id)")]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "mis_id"], name="contact_mis_id_per_trust", condition=~Q(mis_id="")
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relationship_display()})"


class ContactMethod(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video call"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    MEETING = "meeting", "Meeting"


@pghistory.track()
class ContactLogEntry(TenantModel, PublicIdModel):
    """A conversation or meeting about the pupil: when, with whom, how, what was said, and any follow-up."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="contact_log")
    happened_on = models.DateField("Date")
    with_whom = models.CharField("With whom", max_length=200)
    method = models.CharField("How", max_length=20, choices=ContactMethod.choices)
    summary = models.TextField()
    follow_up_on = models.DateField("Follow up by", null=True, blank=True)
    recorded_by = models.ForeignKey("schools.User", null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.happened_on} {self.with_whom}"


@pghistory.track()
class PupilNote(TenantModel, PublicIdModel):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField("Note")
    written_by = models.ForeignKey("schools.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:50]


class Arrangement(models.TextChoices):
    EXTRA_TIME = "extra_time", "Extra time (25%)"
    READER = "reader", "Reader"
    SCRIBE = "scribe", "Scribe"
    REST_BREAKS = "rest_breaks", "Supervised rest breaks"
    SEPARATE_ROOM = "separate_room", "Separate room"
    WORD_PROCESSOR = "word_processor", "Word processor"
    PROMPTER = "prompter", "Prompter"
    MODIFIED_PAPER = "modified_paper", "Modified paper (enlarged or coloured)"
    OTHER = "other", "Other"


@pghistory.track()
class AccessArrangement(TenantModel, PublicIdModel):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="access_arrangements")
    arrangement = models.CharField(max_length=20, choices=Arrangement.choices)
    evidence = models.TextField(help_text="What shows the need, for example a specialist assessment and its date")
    assessments = models.CharField(max_length=200, help_text="Which assessments, for example KS2 SATs May 2027")
    recorded_by = models.ForeignKey("schools.User", null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["arrangement"]

    def __str__(self) -> str:
        return self.get_arrangement_display()


class Flag(models.TextChoices):
    """Flags kept with history; each maps to the pupil's current boolean of the same meaning."""

    EAL = "eal", "English as an additional language"
    LAC = "lac", "Looked after (LAC)"
    PLAC = "plac", "Previously looked after (PLAC)"
    PUPIL_PREMIUM = "pp", "Pupil premium"
    MEDICAL = "medical", "Medical needs"
    EARLY_HELP = "early_help", "Early Help plan"
    YOUNG_CARER = "young_carer", "Young carer"


FLAG_FIELDS = {
    Flag.EAL: "is_eal",
    Flag.LAC: "is_looked_after",
    Flag.PLAC: "is_previously_looked_after",
    Flag.PUPIL_PREMIUM: "is_pupil_premium",
    Flag.MEDICAL: "has_medical_needs",
    Flag.EARLY_HELP: "has_early_help_plan",
    Flag.YOUNG_CARER: "is_young_carer",
}


@pghistory.track()
class FlagPeriod(TenantModel):
    """A flag held from one date to another (open while it still holds): LAC and PLAC are census flags with history."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="flag_periods")
    flag = models.CharField(max_length=20, choices=Flag.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    recorded_by = models.ForeignKey("schools.User", null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["flag", "-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "pupil", "flag"], condition=Q(ends_on__isnull=True), name="one_open_period_per_flag"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_flag_display()} from {self.starts_on}"
