"""Demo data: two trusts, so that isolation can be seen, with a realistic SEND register.

Idempotent and deterministic: natural keys (trust slug, URN, email, class name, UPN) decide what
exists, and seeded random generators produce the same people on every run.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from pupils.models import NeedType, Pupil, PupilNeed, RegisterChange, SenStatus
from pupils.upn import make_upn
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
from schools.services import create_api_client
from send.tenancy import tenant_context

PUPILS_PER_SCHOOL = 150
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
NEED_TYPES = {
    "SPLD": "Specific learning difficulty",
    "MLD": "Moderate learning difficulty",
    "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty",
    "SEMH": "Social, emotional and mental health",
    "SLCN": "Speech, language and communication needs",
    "HI": "Hearing impairment",
    "VI": "Visual impairment",
    "MSI": "Multi-sensory impairment",
    "PD": "Physical disability",
    "ASD": "Autistic spectrum disorder",
    "OTH": "Other difficulty or disability",
    "NSA": "SEN support but no specialist assessment of type of need",
    "DS": "Down syndrome",
}
# Roughly the national picture: SLCN and SEMH lead at SEN support, ASD leads for EHC plans.
SUPPORT_NEEDS = {
    "SLCN": 26,
    "SEMH": 20,
    "MLD": 14,
    "SPLD": 12,
    "ASD": 12,
    "NSA": 5,
    "OTH": 3,
    "PD": 2,
    "HI": 2,
    "VI": 1,
}
PLAN_NEEDS = {"ASD": 38, "SLCN": 18, "SEMH": 16, "SLD": 8, "MLD": 6, "PD": 5, "PMLD": 3, "HI": 2, "DS": 2, "VI": 2}
YEAR_GROUPS = {
    "infant": ["N", "R", "1", "2"],
    "junior": ["3", "4", "5", "6"],
    "primary": ["R", "1", "2", "3", "4", "5", "6"],
    "secondary": ["7", "8", "9", "10", "11"],
}
DEMO_REASONS: dict[str, list[str]] = {
    SenStatus.SEN_SUPPORT: [
        "Identified at the pupil progress meeting; parents agreed",
        "Speech and language therapy assessment",
        "Class teacher concerns confirmed by the SENCO's observation",
        "Educational psychologist's report",
    ],
    SenStatus.EHC_PLAN: ["EHC plan issued by the local authority", "Arrived with an EHC plan from the previous school"],
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


def _weighted(rng: random.Random, weights: dict[str, int], exclude: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    codes = [c for c in weights if c not in exclude]
    return rng.choices(codes, weights=[weights[c] for c in codes])[0]


def _birth_date(rng: random.Random, year_group: str) -> dt.date:
    """Pupils in Year 1 in 2026-27 were born 1 Sep 2020 to 31 Aug 2021; each year group is one year apart."""
    offset = {"N": -1, "R": 0}.get(year_group)
    years_above_reception = offset if offset is not None else int(year_group)
    start = dt.date(2021 - years_above_reception, 9, 1)
    return start + dt.timedelta(days=rng.randrange(365))


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


def _ensure_need_types() -> dict[str, NeedType]:
    found = {}
    for code, label in NEED_TYPES.items():
        defaults: dict[str, Any] = {"label": label}
        if code == "DS":
            defaults["valid_from"] = dt.date(2025, 1, 1)
        found[code], _ = NeedType.objects.get_or_create(code=code, defaults=defaults)
    return found


def _seed_school(
    school: School, spec: SchoolSpec, year: SchoolYear, rng: random.Random, fake: Faker, needs: dict[str, NeedType]
) -> list[SchoolClass]:
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
    if Pupil.objects.filter(school=school).exists():
        return classes
    pupils = []
    need_rows: list[tuple[int, str, int]] = []
    for serial in range(PUPILS_PER_SCHOOL):
        klass = classes[serial % len(classes)]
        gender = rng.choice(["F", "M"])
        first = fake.first_name_female() if gender == "F" else fake.first_name_male()
        roll = rng.random()
        status = SenStatus.EHC_PLAN if roll < 0.035 else SenStatus.SEN_SUPPORT if roll < 0.175 else SenStatus.NO_SEN
        entry_year = 2026 - (int(klass.year_group) if klass.year_group.isdigit() else 0)
        pupils.append(
            Pupil(
                trust_id=school.trust_id,
                school=school,
                school_class=klass,
                legal_first_name=first,
                legal_last_name=fake.last_name(),
                preferred_first_name=(fake.first_name() if rng.random() < 0.1 else ""),
                date_of_birth=_birth_date(rng, klass.year_group),
                gender=gender,
                upn=make_upn(spec.la_code, spec.establishment, entry_year, serial),
                year_group=klass.year_group,
                admission_date=dt.date(entry_year, 9, 3),
                mis_id=f"ARB-{spec.urn}-{serial:04d}",
                sen_status=status,
                sen_status_since=(
                    dt.date(entry_year, 9, 3) + dt.timedelta(days=rng.randrange(60, 900))
                    if status != SenStatus.NO_SEN
                    else None
                ),
                on_monitoring_list=status == SenStatus.NO_SEN and rng.random() < 0.035,
                is_looked_after=rng.random() < 0.012,
                is_previously_looked_after=rng.random() < 0.018,
                is_eal=rng.random() < 0.15,
                is_pupil_premium=rng.random() < 0.22,
            )
        )
        if status != SenStatus.NO_SEN:
            weights = PLAN_NEEDS if status == SenStatus.EHC_PLAN else SUPPORT_NEEDS
            primary = _weighted(rng, weights)
            need_rows.append((serial, primary, 1))
            if primary != "NSA" and rng.random() < 0.4:
                need_rows.append((serial, _weighted(rng, weights, exclude={primary, "NSA"}), 2))
    created = Pupil.objects.bulk_create(pupils)
    PupilNeed.objects.bulk_create(
        PupilNeed(trust_id=school.trust_id, pupil=created[serial], need_type=needs[code], rank=rank)
        for serial, code, rank in need_rows
    )
    ranked = {(serial, rank): needs[code] for serial, code, rank in need_rows}
    RegisterChange.objects.bulk_create(
        RegisterChange(
            trust_id=school.trust_id,
            pupil=pupil,
            status=pupil.sen_status,
            primary_need=ranked.get((serial, 1)),
            secondary_need=ranked.get((serial, 2)),
            starts_on=pupil.sen_status_since or pupil.admission_date or YEAR_START,
            reason=rng.choice(DEMO_REASONS[pupil.sen_status]),
        )
        for serial, pupil in enumerate(created)
        if pupil.sen_status != SenStatus.NO_SEN
    )
    return classes


STRATEGIES = {
    "SLCN": ["Give instructions one step at a time", "Check understanding: ask me to say it back", "Use visuals"],
    "SEMH": ["Greet me at the door", "Let me use my time-out card", "Praise privately, not in front of others"],
    "ASD": [
        "Warn me before changes to the routine",
        "Let me wear ear defenders in the hall",
        "Use my visual timetable",
    ],
    "MLD": ["Break tasks into small steps", "Pre-teach key words", "Give me extra time to answer"],
    "SPLD": ["Give me a coloured overlay", "Do not ask me to read aloud without warning", "Let me record ideas orally"],
}
DEFAULT_STRATEGIES = ["Seat me near the front", "Check in with me at the start of each lesson"]


def _seed_records(pupils: list[Pupil], senco: User, teacher: User, rng: random.Random, fake: Faker) -> None:
    """Passports, a parent contact and a contact-log entry for the demo's SEND pupils, so records are not empty."""
    from pupils.models import Contact, ContactLogEntry, PassportStatus, PassportVersion

    for pupil in pupils:
        if PassportVersion.objects.filter(pupil=pupil).exists():
            continue
        primary = next((n.need_type.code for n in pupil.needs.all() if n.rank == 1), "")
        strategies = STRATEGIES.get(primary, DEFAULT_STRATEGIES)
        first = pupil.preferred_first_name or pupil.legal_first_name
        PassportVersion.objects.create(
            pupil=pupil,
            number=1,
            about_me=f"I am {first}. I like {rng.choice(['football', 'drawing', 'dinosaurs', 'Lego', 'music'])}.",
            important_to_me=rng.choice(["My family and my dog", "Seeing my friends at lunch", "Knowing what is next"]),
            how_to_support="Speak calmly and give me time to think before I answer.",
            what_helps=rng.choice(["A quiet corner", "Movement breaks", "Working with a partner"]),
            what_does_not_help=rng.choice(["Sudden noise", "Being rushed", "Long lists of instructions"]),
            pupil_voice=rng.choice(["I work best when it is calm.", "I like it when people explain things twice."]),
            key_strategies="\n".join(strategies),
            written_by=teacher,
            status=PassportStatus.APPROVED,
            reviewed_by=senco,
            reviewed_at=timezone.now(),
        )
        parent = fake.name_female() if rng.random() < 0.6 else fake.name_male()
        Contact.objects.create(
            pupil=pupil,
            kind="parent",
            name=parent,
            relationship=rng.choice(["mother", "father", "carer"]),
            parental_responsibility=True,
            phone=f"07700 900{rng.randrange(100, 999)}",
        )
        ContactLogEntry.objects.create(
            pupil=pupil,
            happened_on=dt.date(2026, 10, rng.randrange(1, 20)),
            with_whom=parent,
            method=rng.choice(["phone", "in_person", "meeting"]),
            summary="Talked through the passport and this term's targets; agreed to review at parents' evening.",
            recorded_by=senco,
        )


def _ensure_teacher_class_has_send_pupils(klass: SchoolClass) -> None:
    """The demo teacher must see SEND pupils and the designated teacher a looked-after child."""
    pupils = list(Pupil.objects.filter(school_class=klass).order_by("upn"))
    if not any(p.sen_status == SenStatus.SEN_SUPPORT for p in pupils) and pupils:
        pupils[0].sen_status = SenStatus.SEN_SUPPORT
        pupils[0].save(update_fields=["sen_status"])
        PupilNeed.objects.get_or_create(
            pupil=pupils[0], rank=1, defaults={"need_type": NeedType.objects.get(code="SLCN")}
        )
    if not Pupil.objects.filter(school=klass.school, is_looked_after=True).exists() and len(pupils) > 1:
        pupils[1].is_looked_after = True
        pupils[1].save(update_fields=["is_looked_after"])


DEMO_API_CLIENT = "Demo MIS"


def seed_trust(spec: TrustSpec, stdout: Writer | None = None) -> Trust:
    trust, _ = Trust.objects.get_or_create(slug=spec.slug, defaults={"name": spec.name})
    fake = Faker("en_GB")
    fake.seed_instance(sum(map(ord, spec.slug)))
    password = settings.DEMO_PASSWORD
    users = {role: _ensure_user(f"{role.value}@{spec.slug}.example", fake.name(), password) for role in Role}
    with tenant_context(trust.pk), transaction.atomic():
        needs = _ensure_need_types()
        federation = None
        if spec.federation:
            federation, _ = Federation.objects.get_or_create(name=spec.federation)
        year, _ = SchoolYear.objects.get_or_create(
            name=YEAR_NAME, defaults={"starts_on": YEAR_START, "ends_on": YEAR_END}
        )
        schools: list[School] = []
        class_lists: list[list[SchoolClass]] = []
        for index, school_spec in enumerate(spec.schools):
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
            rng = random.Random(f"{spec.slug}-{index}")  # noqa: S311  # nosec B311 - demo data, not security
            school_fake = Faker("en_GB")
            school_fake.seed_instance(f"{spec.slug}-{index}")
            class_lists.append(_seed_school(school, school_spec, year, rng, school_fake, needs))
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
        _ensure_teacher_class_has_send_pupils(teacher_class)
        send_pupils = list(
            Pupil.objects.filter(school=main)
            .exclude(sen_status=SenStatus.NO_SEN)
            .prefetch_related("needs__need_type")
            .order_by("upn")
        )
        records_rng = random.Random(f"{spec.slug}-records")  # noqa: S311  # nosec B311 - demo data
        _seed_records(send_pupils, users[Role.SENCO], users[Role.CLASS_TEACHER], records_rng, fake)
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
        Pupil.objects.filter(mis_id="").update(mis_id=Concat(Value("MIS-P"), Cast("id", CharField())))
        SchoolClass.objects.filter(mis_id="").update(mis_id=Concat(Value("MIS-C"), Cast("id", CharField())))
        if not ApiClient.objects.filter(name=DEMO_API_CLIENT).exists():
            _, token = create_api_client(name=DEMO_API_CLIENT, can_write=True)
            if stdout is not None:
                stdout.write(f"{trust.name}: API client {DEMO_API_CLIENT!r} (read, write), token: {token}\n")
        if stdout is not None:
            on_roll = Pupil.objects.count()
            on_register = Pupil.objects.exclude(sen_status=SenStatus.NO_SEN).count()
            stdout.write(
                f"{trust.name}: {len(schools)} schools, {on_roll} pupils, {on_register} on the SEND register\n"
            )
    return trust


# Later apps add their demo data (schools cannot import them): a seeder takes the trust, its main school, the
# demo users by role and stdout, and runs inside the trust's context. Registered in the apps' ready().
_seeders: list[Any] = []


def register_demo_seeder(seeder: Any) -> None:
    if seeder not in _seeders:
        _seeders.append(seeder)


def seed_demo(stdout: Writer | None = None) -> list[Trust]:
    trusts = [seed_trust(spec, stdout) for spec in TRUSTS]
    for spec, trust in zip(TRUSTS, trusts, strict=True):
        users = {role: User.objects.get(email=f"{role.value}@{spec.slug}.example") for role in Role}
        with tenant_context(trust.pk), transaction.atomic():
            main = School.objects.get(urn=spec.schools[spec.main_school].urn)
            for seeder in _seeders:
                seeder(trust, main, users, stdout)
    if stdout is not None:
        stdout.write("Sign in as senco@oakfield.example with the DEMO_PASSWORD\n")
    return trusts
