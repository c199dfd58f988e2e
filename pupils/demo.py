"""The pupils' part of the demo: each demo school's roll with a realistic SEND register (statuses, needs and their
history), and passports, parent contacts and a logged conversation for the main school's SEND pupils.

Registered with the demo registry (run by `seed_demo` after the schools, staff and classes exist); idempotent and
deterministic: seeded per school exactly as before, so the same people appear on every run.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Collection
from typing import Any

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from faker import Faker

from pupils.models import NeedType, Pupil, PupilNeed, RegisterChange, SenStatus
from pupils.upn import make_upn
from schools.demo import TRUSTS, YEAR_START, SchoolSpec
from schools.models import ClassStaff, Role, School, SchoolClass, User

PUPILS_PER_SCHOOL = 150
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
DEMO_REASONS: dict[str, list[str]] = {
    SenStatus.SEN_SUPPORT: [
        "Identified at the pupil progress meeting; parents agreed",
        "Speech and language therapy assessment",
        "Class teacher concerns confirmed by the SENCO's observation",
        "Educational psychologist's report",
    ],
    SenStatus.EHC_PLAN: ["EHC plan issued by the local authority", "Arrived with an EHC plan from the previous school"],
}


def _weighted(rng: random.Random, weights: dict[str, int], exclude: Collection[str] = frozenset()) -> str:
    codes = [c for c in weights if c not in exclude]
    return rng.choices(codes, weights=[weights[c] for c in codes])[0]


def _birth_date(rng: random.Random, year_group: str) -> dt.date:
    """Pupils in Year 1 in 2026-27 were born 1 Sep 2020 to 31 Aug 2021; each year group is one year apart."""
    offset = {"N": -1, "R": 0}.get(year_group)
    years_above_reception = offset if offset is not None else int(year_group)
    start = dt.date(2021 - years_above_reception, 9, 1)
    return start + dt.timedelta(days=rng.randrange(365))


def _ensure_need_types() -> dict[str, NeedType]:
    found = {}
    for code, label in NEED_TYPES.items():
        defaults: dict[str, Any] = {"label": label}
        if code == "DS":
            defaults["valid_from"] = dt.date(2025, 1, 1)
        found[code], _ = NeedType.objects.get_or_create(code=code, defaults=defaults)
    return found


def _seed_pupils(
    school: School,
    spec: SchoolSpec,
    classes: list[SchoolClass],
    rng: random.Random,
    fake: Faker,
    needs: dict[str, NeedType],
) -> None:
    if Pupil.objects.filter(school=school).exists():
        return
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


def seed_pupils(trust: Any, main: School, users: dict[Any, User], stdout: Any) -> None:
    """Every demo school's pupils (seeded per school), then the main school's SEND records."""
    spec = next((s for s in TRUSTS if s.slug == trust.slug), None)
    if spec is None:
        return
    needs = _ensure_need_types()
    for index, school_spec in enumerate(spec.schools):
        school = School.objects.get(urn=school_spec.urn)
        classes = list(SchoolClass.objects.filter(school=school).order_by("pk"))
        rng = random.Random(f"{spec.slug}-{index}")  # noqa: S311  # nosec B311 - demo data, not security
        school_fake = Faker("en_GB")
        school_fake.seed_instance(f"{spec.slug}-{index}")
        _seed_pupils(school, school_spec, classes, rng, school_fake, needs)
    teacher_class = SchoolClass.objects.get(
        pk=ClassStaff.objects.filter(user=users[Role.CLASS_TEACHER], role="teacher").values("school_class")[:1]
    )
    _ensure_teacher_class_has_send_pupils(teacher_class)
    send_pupils = list(
        Pupil.objects.filter(school=main)
        .exclude(sen_status=SenStatus.NO_SEN)
        .prefetch_related("needs__need_type")
        .order_by("upn")
    )
    fake = Faker("en_GB")
    fake.seed_instance(f"{spec.slug}-records")
    records_rng = random.Random(f"{spec.slug}-records")  # noqa: S311  # nosec B311 - demo data
    _seed_records(send_pupils, users[Role.SENCO], users[Role.CLASS_TEACHER], records_rng, fake)
    # As if the school's MIS had pushed them: MIS ids on pupils.
    Pupil.objects.filter(mis_id="").update(mis_id=Concat(Value("MIS-P"), Cast("id", CharField())))
    if stdout is not None:
        on_roll = Pupil.objects.count()
        on_register = Pupil.objects.exclude(sen_status=SenStatus.NO_SEN).count()
        stdout.write(
            f"{trust.name}: {len(spec.schools)} schools, {on_roll} pupils, {on_register} on the SEND register\n"
        )
