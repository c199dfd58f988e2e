"""Trusts, federations, schools, staff, memberships and roles, classes, school years and term dates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pghistory
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from schools.mis_models import ApiClient, MisIdChange, MisResource, MisSwitch, MisSwitchMatch  # noqa: F401  (the app's models)
from send.models import PublicIdModel, TenantModel, tombstone_trigger


class Trust(models.Model):
    """A multi-academy trust, federation owner, or a standalone school's own trust of one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=40, unique=True, help_text="Short name used in the API and commands")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("Users need an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


@pghistory.track(exclude=["password", "last_login"])
class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in, by email. Global: one person may work for two trusts."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May open the Django admin (superusers only)")
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised to end every session of the person at once (see `_get_session_auth_hash`): signing out everywhere,
    # a reset second factor, a changed role and deactivation do it, however the session keys have moved since.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()
    # Set on each request's user by django-otp's OTPMiddleware: whether this session passed the second factor.
    is_verified: Callable[[], bool]

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django signs every session with this hash and ends the session when it no longer matches: the
        password alone, as Django does, until the person's sessions are ended once; the epoch after that."""
        from django.utils.crypto import salted_hmac

        signed = self.password if not self.session_epoch else f"{self.password}:{self.session_epoch}"
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(key_salt, signed, secret=secret, algorithm="sha256").hexdigest()


class Role(models.TextChoices):
    """Roles from most to least access (ARCHITECTURE.md). Values are stable: demo users are named by them."""

    TRUST_SEND_LEAD = "lead", "Trust SEND lead"
    SENCO = "senco", "SENCO"
    ASSISTANT_SENCO = "assistant", "Assistant SENCO"
    DESIGNATED_TEACHER = "dt", "Designated teacher"
    CLASS_TEACHER = "teacher", "Class teacher"
    TEACHING_ASSISTANT = "ta", "Teaching assistant"
    HEADTEACHER = "head", "Headteacher"
    GOVERNOR = "governor", "Governor"
    TRUST_ADMIN = "admin", "Trust administrator"


TRUST_WIDE_ROLES = frozenset({Role.TRUST_SEND_LEAD, Role.TRUST_ADMIN})


@pghistory.track()
class Federation(TenantModel, PublicIdModel):
    """Schools of one trust that share leadership, typically one SENCO."""

    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["trust", "name"], name="federation_name_per_trust")]

    def __str__(self) -> str:
        return self.name


class Phase(models.TextChoices):
    NURSERY = "nursery", "Nursery"
    INFANT = "infant", "Infant"
    JUNIOR = "junior", "Junior"
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"
    ALL_THROUGH = "all_through", "All-through"
    SPECIAL = "special", "Special"
    ALTERNATIVE = "alternative", "Alternative provision"


@pghistory.track()
class School(TenantModel, PublicIdModel):
    name = models.CharField(max_length=200)
    urn = models.CharField(
        "URN",
        max_length=6,
        validators=[RegexValidator(r"^\d{6}$", "A URN is six digits.")],
        help_text="The school's unique reference number: six digits.",
    )
    la_code = models.CharField(
        "LA number",
        max_length=3,
        validators=[RegexValidator(r"^\d{3}$", "An LA number is three digits.")],
    )
    establishment_number = models.CharField(
        "DfE establishment number",
        max_length=4,
        validators=[RegexValidator(r"^\d{4}$", "An establishment number is four digits.")],
    )
    phase = models.CharField(max_length=20, choices=Phase.choices)
    federation = models.ForeignKey(Federation, null=True, blank=True, on_delete=models.SET_NULL, related_name="schools")
    pupil_photos = models.BooleanField(
        "Show pupil photos", default=False, help_text="Photos on pupil records, passports and their PDFs"
    )
    passport_max_age_terms = models.PositiveSmallIntegerField(
        "Passports need updating after (terms)",
        default=1,
        help_text="A passport not updated since the start of this many terms ago is flagged as needing updating",
    )
    plan_label = models.CharField(
        "Name for SEN support plans",
        max_length=20,
        choices=[("SEN support plan", "SEN support plan"), ("IEP", "IEP (individual education plan)")],
        default="SEN support plan",
    )
    plan_review_days_before_term_end = models.PositiveSmallIntegerField(
        "Review plans this many days before the end of term",
        default=7,
        help_text="A new plan's review date: the end of its term less these days",
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["trust", "urn"], name="school_urn_per_trust")]

    def __str__(self) -> str:
        return self.name

    @property
    def laestab(self) -> str:
        return f"{self.la_code}{self.establishment_number}"


@pghistory.track()
class Membership(TenantModel, PublicIdModel):
    """A user's role at one school, or across the whole trust when `school` is empty."""

    rls_own_rows_column = "user_id"  # a user may list their own memberships to choose a trust

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    mis_id = models.CharField("MIS id", max_length=100, blank=True, help_text="The staff member's id in the MIS")

    class Meta:
        ordering = ["user__full_name", "role"]
        triggers = [tombstone_trigger("staff")]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "mis_id"], name="membership_mis_id_per_trust", condition=~Q(mis_id="")
            ),
            models.UniqueConstraint(
                fields=["trust", "user", "school", "role"],
                name="membership_unique_at_school",
                condition=Q(school__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["trust", "user", "role"],
                name="membership_unique_trust_wide",
                condition=Q(school__isnull=True),
            ),
            models.CheckConstraint(
                condition=Q(school__isnull=True, role__in=sorted(r.value for r in TRUST_WIDE_ROLES))
                | Q(school__isnull=False),
                name="membership_trust_wide_roles",
            ),
        ]

    def __str__(self) -> str:
        where = self.school.name if self.school is not None else "whole trust"
        return f"{self.user} – {self.get_role_display()} ({where})"


@pghistory.track()
class SchoolYear(TenantModel):
    """An academic year of the trust, e.g. 2025–26."""

    name = models.CharField(max_length=20, help_text="For example 2025-26")
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "name"], name="school_year_name_per_trust"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="school_year_order"),
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Term(TenantModel, PublicIdModel):
    """A term (or half term) of one school; school days are the weekdays inside terms less INSET days."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="terms")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=60, help_text="For example Autumn 1")
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["school", "starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="term_order"),
            models.UniqueConstraint(fields=["trust", "school", "starts_on"], name="term_start_per_school"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.school_year}"


@pghistory.track()
class InsetDay(TenantModel, PublicIdModel):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="inset_days")
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True, default="INSET")

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["trust", "school", "date"], name="inset_day_once")]

    def __str__(self) -> str:
        return f"{self.date} {self.reason}"


class YearGroup(models.TextChoices):
    NURSERY = "N", "Nursery"
    RECEPTION = "R", "Reception"
    Y1 = "1", "Year 1"
    Y2 = "2", "Year 2"
    Y3 = "3", "Year 3"
    Y4 = "4", "Year 4"
    Y5 = "5", "Year 5"
    Y6 = "6", "Year 6"
    Y7 = "7", "Year 7"
    Y8 = "8", "Year 8"
    Y9 = "9", "Year 9"
    Y10 = "10", "Year 10"
    Y11 = "11", "Year 11"
    Y12 = "12", "Year 12"
    Y13 = "13", "Year 13"


@pghistory.track()
class SchoolClass(TenantModel, PublicIdModel):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="classes")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="classes")
    name = models.CharField(max_length=60)
    year_group = models.CharField(max_length=2, choices=YearGroup.choices)
    mis_id = models.CharField("MIS id", max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["school", "year_group", "name"]
        verbose_name_plural = "classes"
        triggers = [tombstone_trigger("class")]
        constraints = [
            models.UniqueConstraint(fields=["trust", "mis_id"], name="class_mis_id_per_trust", condition=~Q(mis_id="")),
            models.UniqueConstraint(
                fields=["trust", "school", "school_year", "name"], name="class_name_per_school_year"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClassStaffRole(models.TextChoices):
    TEACHER = "teacher", "Teacher"
    SUPPORT = "ta", "Teaching assistant"


@pghistory.track()
class ClassStaff(TenantModel):
    """Who teaches or supports a class: the policy gives teachers and TAs their pupils through it."""

    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="class_assignments")
    role = models.CharField(max_length=10, choices=ClassStaffRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trust", "school_class", "user", "role"], name="class_staff_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} {self.school_class}"


class SignIn(models.Model):
    """One sign-in: shown to the user as their history, and how 'sign out everywhere' finds their sessions."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_ins")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def device(self) -> str:
        """A short, human description of the browser and system from the user agent."""
        agent = self.user_agent
        browser = next(
            (name for key, name in _BROWSERS if key in agent), "Unknown browser" if agent else "Unknown device"
        )
        system = next((name for key, name in _SYSTEMS if key in agent), "")
        return f"{browser} on {system}" if system else browser


class Invitation(TenantModel, PublicIdModel):
    """A role offered to a person who already has an account in another trust: nothing about their account
    changes until they sign in and accept it (an administrator of one trust never attaches another's person)."""

    rls_own_rows_column = "user_id"  # the invited person finds their invitations before choosing a trust

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=20, choices=Role.choices)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)

    # Not a column: the school's name, read inside the inviting trust by open_invitations (the invited person
    # cannot otherwise see another trust's school row).
    school_name: str = ""

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "user", "school", "role"],
                name="invitation_open_once",
                condition=Q(accepted_at__isnull=True, declined_at__isnull=True),
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} invited as {self.get_role_display()}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.declined_at is None


_BROWSERS = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
_SYSTEMS = [
    ("Windows", "Windows"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]
