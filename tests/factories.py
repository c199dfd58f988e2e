"""Test data built the way the app builds it: inside the tenant context, through the ORM."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from pupils.models import NeedType, Pupil, PupilNeed, SenStatus
from pupils.upn import make_upn
from schools.api_client_services import create_api_client
from schools.models import (
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
from send.pdf import PdfJob
from send.tenancy import tenant_context
from send.uploads import StoredFile, store_upload

# A valid 2x2 PNG (made with Pillow; checksums correct).
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73"
    "0000001649444154789c633c2127c7c0c0c0c4c0c0c0c0c000000d0401087d71ca660000000049454e44ae426082"
)

PASSWORD = "correct-horse-battery-staple"
_serial = itertools.count(1)


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trust
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Trust {n}")
    slug = factory.Sequence(lambda n: f"trust-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


@dataclass
class TrustWorld:
    """One trust's fixtures: schools, a class, pupils and a user per role (`users[role]`)."""

    trust: Trust
    schools: list[School]
    school_class: SchoolClass
    other_class: SchoolClass
    year: SchoolYear
    term: Term
    inset_day: InsetDay
    pupils: list[Pupil]
    looked_after: Pupil
    file: StoredFile | None = None
    pdf_job: PdfJob | None = None
    api_client: Any = None
    # Provision: a trust catalogue entry, a rate, and a group led by the TA with pupils 0 and 1 (see add_provision).
    intervention: Any = None
    staff_rate: Any = None
    group: Any = None
    members: list[Any] = field(default_factory=list)
    # APDR: a draft plan of pupil 0 (in the teacher's class) with one target (see add_plan).
    plan: Any = None
    target: Any = None
    # EHC: see add_ehc.
    ehc_request: Any = None
    ehc_plan: Any = None
    ehc_outcome: Any = None
    ehc_provision: Any = None
    annual_review: Any = None
    invitation: Any = None
    feed_token: str = ""
    users: dict[str, User] = field(default_factory=dict)
    memberships: dict[str, Membership] = field(default_factory=dict)

    @property
    def school(self) -> School:
        return self.schools[0]


@dataclass
class World:
    a: TrustWorld
    b: TrustWorld


def make_trust_world(slug: str, name: str) -> TrustWorld:
    trust = TrustFactory(slug=slug, name=name)
    with tenant_context(trust.pk):
        federation = Federation.objects.create(name=f"{name} Federation")
        n = next(_serial)
        schools = [
            School.objects.create(
                name=f"{name} Primary",
                urn=f"{100000 + n * 10 + i}",
                la_code="926",
                establishment_number=f"{2000 + (n * 10 + i) % 8000}",  # four digits, however many worlds
                phase="primary",
                federation=federation,
            )
            for i in range(2)
        ]
        year = SchoolYear.objects.create(name="2026-27", starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 8, 31))
        term = Term.objects.create(
            school=schools[0],
            school_year=year,
            name="Autumn 1",
            starts_on=dt.date(2026, 9, 2),
            ends_on=dt.date(2026, 10, 23),
        )
        inset_day = InsetDay.objects.create(school=schools[0], date=dt.date(2026, 9, 2), reason="INSET")
        school_class = SchoolClass.objects.create(school=schools[0], school_year=year, name="Rowan", year_group="4")
        other_class = SchoolClass.objects.create(school=schools[0], school_year=year, name="Oak", year_group="5")
        need = NeedType.objects.get(code="SLCN")
        pupils = []
        for i, (klass, status) in enumerate(
            [(school_class, SenStatus.SEN_SUPPORT), (school_class, SenStatus.NO_SEN), (other_class, SenStatus.EHC_PLAN)]
        ):
            pupil = Pupil.objects.create(
                school=schools[0],
                school_class=klass,
                legal_first_name=f"Pupil{i}",
                legal_last_name=f"{name[:5]}",
                date_of_birth=dt.date(2017, 3, 1),
                gender="F",
                year_group=klass.year_group,
                upn=make_upn("926", schools[0].establishment_number, 17, n * 10 + i),
                sen_status=status,
            )
            if status != SenStatus.NO_SEN:
                PupilNeed.objects.create(pupil=pupil, need_type=need, rank=1)
            pupils.append(pupil)
        looked_after = Pupil.objects.create(
            school=schools[0],
            school_class=other_class,
            legal_first_name="Looked",
            legal_last_name=f"After{name}",
            date_of_birth=dt.date(2016, 5, 1),
            gender="M",
            year_group="5",
            upn=make_upn("926", schools[0].establishment_number, 16, n * 10 + 9),
            is_looked_after=True,
        )
        pupils.append(looked_after)
        world = TrustWorld(trust, schools, school_class, other_class, year, term, inset_day, pupils, looked_after)
        for role in Role:
            user = UserFactory(email=f"{role.value}@{slug}.example")
            school = None if role in (Role.TRUST_SEND_LEAD, Role.TRUST_ADMIN) else schools[0]
            world.memberships[role.value] = Membership.objects.create(user=user, role=role, school=school)
            world.users[role.value] = user
        world.file = store_upload(
            SimpleUploadedFile(f"report-{slug}.png", PNG_BYTES, content_type="image/png"), pupils[0], None
        )
        ClassStaff.objects.create(school_class=school_class, user=world.users["teacher"], role="teacher")
        world.pdf_job = PdfJob.objects.create(
            kind="passport", title="Passport", subject_id=str(pupils[0].uuid), requested_by=world.users["senco"]
        )
        ClassStaff.objects.create(school_class=school_class, user=world.users["ta"], role="ta")
        world.api_client, _ = create_api_client(name=f"{name} MIS", can_write=True)
        add_provision(world)
        add_plan(world)
        add_ehc(world)
    return world


def add_ehc(world: TrustWorld) -> None:
    """An open EHC needs assessment request for pupil 0; a current EHC plan for pupil 2 (issued 1 Dec 2025) with
    an outcome and a provision item, its annual review scheduled for 25 Nov 2026 with one invitation (advice due
    16 Nov); and a calendar feed address for the SENCO."""
    from reviews.deadlines import services as deadline_services
    from reviews.ehc import review_services
    from reviews.ehc import services as ehc_services

    senco = world.users["senco"]
    world.ehc_request = ehc_services.save_request(
        world.pupils[0],
        None,
        by=senco,
        requested_by="school",
        local_authority="Norfolk",
        received_on=dt.date(2026, 9, 14),
    )
    world.ehc_plan = ehc_services.save_plan(
        world.pupils[2], None, by=senco, local_authority="Norfolk", issued_on=dt.date(2025, 12, 1)
    )
    world.ehc_outcome = ehc_services.save_outcome(
        world.ehc_plan, None, text="Joins in conversations with friends at playtimes", timeframe="1y"
    )
    world.ehc_provision = ehc_services.save_provision(
        world.ehc_plan,
        None,
        description="Small-group language sessions",
        frequency="3 × 30 minutes a week",
        delivered_by="Teaching assistant",
        outcome=world.ehc_outcome,
        group=world.group,
    )
    world.annual_review = review_services.schedule_annual_review(
        world.pupils[2], meeting_on=dt.date(2026, 11, 25), is_phase_transfer=False, by=senco
    )
    world.invitation = review_services.save_invitation(
        world.annual_review,
        None,
        party="parent",
        name="Parent of Pupil2",
        email="parent@example.com",
        invited_on=dt.date(2026, 11, 2),
        advice_due_on=dt.date(2026, 11, 16),
    )
    world.feed_token = deadline_services.new_feed_token(senco)


def add_plan(world: TrustWorld) -> None:
    from reviews.apdr import services as review_services

    world.plan = review_services.start_plan(
        world.pupils[0],
        by=world.users["teacher"],
        starts_on=dt.date(2026, 9, 7),
        review_on=dt.date(2026, 12, 11),
        concerns="Finds it hard to follow spoken instructions",
        strengths="Loves drawing and building",
        strategies="Visual timetable\nInstructions one at a time",
    )
    world.target = review_services.save_target(
        world.plan,
        None,
        outcome="Understands and follows classroom routines",
        wording="Follow a two-step instruction without a reminder",
        success_criteria="4 out of 5 times in a week, observed by the TA",
        provision=world.group,
        who="Class TA",
    )


def add_provision(world: TrustWorld) -> None:
    """Talk Boost, Mon and Thu 30 minutes (an hour a week), 7 Sep – 16 Oct 2026 (six school weeks of the term),
    a TA at £15 an hour, £12 of resources a pupil, pupils 0 and 1: £90 ÷ 2 + £12 = £57 each."""
    from provision import services as provision_services

    world.intervention = provision_services.save_intervention(
        None,
        school=None,
        name="Talk Boost",
        need_areas=["ci"],
        wave="targeted",
        description="Language intervention for children with delayed language",
        evidence_base="I CAN evaluation",
        sessions_per_week=2,
        session_minutes=30,
        weeks=10,
        group_size=4,
        staffing="Teaching assistant",
        resources="",
        resources_cost_per_pupil=Decimal("12.00"),
        measure="standardised",
        measure_label="",
    )
    world.staff_rate = provision_services.save_staff_rate(
        None, school=world.school, school_year=world.year, role_name="Teaching assistant", hourly_rate=Decimal("15.00")
    )
    world.group = provision_services.save_group(
        None,
        school=world.school,
        intervention=world.intervention,
        staff=[world.users["ta"]],
        name="Year 4 Talk Boost",
        staff_role="Teaching assistant",
        sessions_per_week=2,
        session_minutes=30,
        timetable="Mon and Thu 9:10",
        starts_on=dt.date(2026, 9, 7),
        ends_on=dt.date(2026, 10, 16),
        funding_source="notional",
        resources_cost_per_pupil=Decimal("12.00"),
    )
    world.members = [
        provision_services.add_member(
            world.group,
            pupil=pupil,
            joined_on=dt.date(2026, 9, 7),
            entry_score=Decimal(score),
            entry_on=dt.date(2026, 9, 7),
        )
        for pupil, score in ((world.pupils[0], "82"), (world.pupils[1], "88"))
    ]


def build_world() -> World:
    return World(a=make_trust_world("alpha", "Alpha"), b=make_trust_world("beta", "Beta"))
