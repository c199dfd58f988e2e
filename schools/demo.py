"""Demo data: two trusts, so that isolation can be seen, with a realistic SEND register.

Idempotent and deterministic: natural keys (trust slug, URN, email, class name, UPN) decide what
exists, and seeded random generators produce the same people on every run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from schools.api_client_services import create_api_client
from schools.models import (
    ApiClient,
    ClassStaff,
    Federation,
    InsetDay,
    Membership,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    Term,
    Trust,
    User,
)
from send.demo import demo_seeders
from send.tenancy import tenant_context

YEAR_NAME = "2026-27"
YEAR_START = dt.date(2026, 9, 1)
YEAR_END = dt.date(2027, 8, 31)
HALF_TERMS = [
    ("Autumn 1", dt.date(2026, 9, 2), dt.date(2026, 10, 23)),
    ("Autumn 2", dt.date(2026, 11, 2), dt.date(2026, 12, 18)),
    ("Spring 1", dt.date(2027, 1, 4), dt.date(2027, 2, 12)),
    ("Spring 2", dt.date(2027, 2, 22), dt.date(2027, 3, 26)),
    ("Summer 1", dt.date(2027, 4, 12), dt.date(2027, 5, 28)),
    ("Summer 2", dt.date(2027, 6, 7), dt.date(2027, 7, 21)),
]
INSET_DAYS = [(dt.date(2026, 9, 2), "INSET: safeguarding training"), (dt.date(2027, 1, 4), "INSET")]
YEAR_GROUPS = {
    "infant": ["N", "R", "1", "2"],
    "junior": ["3", "4", "5", "6"],
    "primary": ["R", "1", "2", "3", "4", "5", "6"],
    "secondary": ["7", "8", "9", "10", "11"],
}
YEAR_LABELS = {"N": "Nursery", "R": "Reception"}
CLASS_NAMES = ["Rowan", "Willow", "Hazel", "Birch", "Cedar", "Maple", "Holly", "Aspen", "Elm", "Alder", "Juniper"]


class Writer(Protocol):
    def write(self, text: str) -> Any: ...


@dataclass(frozen=True)
class SchoolSpec:
    name: str
    urn: str
    la_code: str
    establishment: str
    phase: str
    federated: bool


@dataclass(frozen=True)
class TrustSpec:
    slug: str
    name: str
    federation: str | None
    schools: tuple[SchoolSpec, ...]
    senco_schools: tuple[int, ...]  # indexes into schools: the SENCO and assistant work at these
    main_school: int  # the school of the dt, head, governor, teacher and ta


TRUSTS = (
    TrustSpec(
        slug="oakfield",
        name="Oakfield Learning Trust",
        federation="Oakfield Federation",
        schools=(
            SchoolSpec("Oakfield Primary School", "141203", "926", "2301", "primary", True),
            SchoolSpec("Oakfield Infant and Nursery School", "141204", "926", "2302", "infant", True),
            SchoolSpec("Brookside Junior School", "141377", "926", "2315", "junior", False),
        ),
        senco_schools=(0, 1),
        main_school=0,
    ),
    TrustSpec(
        slug="riverside",
        name="Riverside Academy Trust",
        federation=None,
        schools=(
            SchoolSpec("Riverside Primary Academy", "145880", "935", "2104", "primary", False),
            SchoolSpec("Riverside Secondary Academy", "145881", "935", "4012", "secondary", False),
        ),
        senco_schools=(0,),
        main_school=0,
    ),
)


def _ensure_user(email: str, full_name: str, password: str | None) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
    elif password is not None and not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    if password is not None:
        # Demo sign-ins share a documented TOTP secret (README), so two-step sign-in works in the demo.
        TOTPDevice.objects.update_or_create(
            user=user, name="Demo authenticator", defaults={"key": settings.DEMO_TOTP_KEY_HEX, "confirmed": True}
        )
    return user


def _seed_school(school: School, spec: SchoolSpec, year: SchoolYear) -> list[SchoolClass]:
    for name, starts, ends in HALF_TERMS:
        Term.objects.get_or_create(
            school=school, starts_on=starts, defaults={"school_year": year, "name": name, "ends_on": ends}
        )
    for date, reason in INSET_DAYS:
        InsetDay.objects.get_or_create(school=school, date=date, defaults={"reason": reason})
    classes = []
    trees = iter(CLASS_NAMES * 3)
    for year_group in YEAR_GROUPS[spec.phase]:
        count = 2 if spec.phase in {"primary", "secondary"} and year_group not in {"N", "R"} else 1
        for i in range(count):
            if spec.phase == "secondary":
                label = f"{year_group}{'AB'[i]}"
            else:
                label = f"{next(trees)} ({YEAR_LABELS.get(year_group, 'Year ' + year_group)})"
            klass, _ = SchoolClass.objects.get_or_create(
                school=school, school_year=year, name=label, defaults={"year_group": year_group}
            )
            classes.append(klass)
    return classes


DEMO_API_CLIENT = "Demo MIS"


def seed_trust(spec: TrustSpec, stdout: Writer | None = None) -> Trust:
    trust, _ = Trust.objects.get_or_create(slug=spec.slug, defaults={"name": spec.name})
    fake = Faker("en_GB")
    fake.seed_instance(sum(map(ord, spec.slug)))
    password = settings.DEMO_PASSWORD
    users = {role: _ensure_user(f"{role.value}@{spec.slug}.example", fake.name(), password) for role in Role}
    with tenant_context(trust.pk), transaction.atomic():
        federation = None
        if spec.federation:
            federation, _ = Federation.objects.get_or_create(name=spec.federation)
        year, _ = SchoolYear.objects.get_or_create(
            name=YEAR_NAME, defaults={"starts_on": YEAR_START, "ends_on": YEAR_END}
        )
        schools: list[School] = []
        class_lists: list[list[SchoolClass]] = []
        for school_spec in spec.schools:
            school, _ = School.objects.get_or_create(
                urn=school_spec.urn,
                defaults={
                    "name": school_spec.name,
                    "la_code": school_spec.la_code,
                    "establishment_number": school_spec.establishment,
                    "phase": school_spec.phase,
                    "federation": federation if school_spec.federated else None,
                },
            )
            class_lists.append(_seed_school(school, school_spec, year))
            schools.append(school)
        main = schools[spec.main_school]
        for role, user in users.items():
            if role in (Role.TRUST_SEND_LEAD, Role.TRUST_ADMIN):
                Membership.objects.get_or_create(user=user, role=role, school=None)
            elif role in (Role.SENCO, Role.ASSISTANT_SENCO):
                for index in spec.senco_schools:
                    Membership.objects.get_or_create(user=user, role=role, school=schools[index])
            else:
                Membership.objects.get_or_create(user=user, role=role, school=main)
        main_classes = class_lists[spec.main_school]
        teacher_class = next(c for c in main_classes if c.year_group == "4")
        other_class = next(c for c in main_classes if c.year_group == "3")
        ClassStaff.objects.get_or_create(school_class=teacher_class, user=users[Role.CLASS_TEACHER], role="teacher")
        ClassStaff.objects.get_or_create(school_class=teacher_class, user=users[Role.TEACHING_ASSISTANT], role="ta")
        ClassStaff.objects.get_or_create(school_class=other_class, user=users[Role.TEACHING_ASSISTANT], role="ta")
        # Other class teachers (not demo sign-ins) so that every class has a teacher.
        for school, classes in zip(schools, class_lists, strict=True):
            for klass in classes:
                if klass == teacher_class:
                    continue
                first, last = fake.first_name(), fake.last_name()
                email = f"{first}.{last}.{klass.pk}@{spec.slug}.example".lower().replace(" ", "").replace("'", "")
                if ClassStaff.objects.filter(school_class=klass, role="teacher").exists():
                    continue
                colleague = _ensure_user(email, f"{first} {last}", None)
                Membership.objects.get_or_create(user=colleague, role=Role.CLASS_TEACHER, school=school)
                ClassStaff.objects.create(school_class=klass, user=colleague, role="teacher")
        # As if the school's MIS had pushed them: MIS ids on pupils and classes, and an API client to try.
        SchoolClass.objects.filter(mis_id="").update(mis_id=Concat(Value("MIS-C"), Cast("id", CharField())))
        if not ApiClient.objects.filter(name=DEMO_API_CLIENT).exists():
            _, token = create_api_client(name=DEMO_API_CLIENT, can_write=True)
            if stdout is not None:
                stdout.write(f"{trust.name}: API client {DEMO_API_CLIENT!r} (read, write), token: {token}\n")
    return trust


def seed_demo(stdout: Writer | None = None) -> list[Trust]:
    trusts = [seed_trust(spec, stdout) for spec in TRUSTS]
    for spec, trust in zip(TRUSTS, trusts, strict=True):
        users = {role: User.objects.get(email=f"{role.value}@{spec.slug}.example") for role in Role}
        with tenant_context(trust.pk), transaction.atomic():
            main = School.objects.get(urn=spec.schools[spec.main_school].urn)
            for seeder in demo_seeders():
                seeder(trust, main, users, stdout)
    if stdout is not None:
        stdout.write("Sign in as senco@oakfield.example with the DEMO_PASSWORD\n")
    return trusts
