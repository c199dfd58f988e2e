"""A national-scale dataset in a database of its own, loaded with COPY: 1,000 schools in 100 trusts, 600,000
pupils, 15 % of them on the SEND register with their needs, SEN support plans, EHC plans and the statutory
deadlines of their annual reviews, and provision (groups and members); then, with --measure, the register, the API
list, the home page and the morning scan timed at that size.

Load it as the owner of a database made for it (never the development one), then measure as the app role:

    DATABASE_NAME=send_national python scripts/dbsetup.py
    DATABASE_URL=postgresql://send_owner:…/send_national python manage.py migrate
    DATABASE_URL=postgresql://send_owner:…/send_national python manage.py generate_national
    DATABASE_URL=postgresql://send_app:…/send_national python manage.py generate_national --measure

Rows are written through COPY with Django's own conversion of each field (defaults, UUIDs, timestamps), with the
tables' user triggers (the audit history, tombstones) off while loading: generated rows have no history. Row-level
security is not forced on the owner while loading, and forced again after; then every table is ANALYZEd.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from provision.models import GroupMember, Intervention, InterventionGroup, StaffRate
from pupils.models import NeedType, Pupil, PupilNeed
from pupils.upn import make_upn
from reviews.models import Deadline, EhcPlan, Plan
from schools.models import Membership, Role, School, SchoolClass, SchoolYear, Term, Trust, User
from send import bench
from send.copy_load import Ids, continue_sequences, copy, switch_triggers_and_forced_rls
from send.dbsecurity import secure_database
from send.tenancy import tenant_context

NEEDS = ("SEMH", "SLCN", "SPLD", "MLD", "ASD", "OTH", "PD", "HI")
CLASSES_PER_SCHOOL = 21  # three forms of entry, reception to year 6
YEARS = ("R", "1", "2", "3", "4", "5", "6")
GROUPS_PER_SCHOOL = 8
MEMBERS_PER_GROUP = 6


class Command(BaseCommand):
    help = "Load a national-scale dataset with COPY into a database of its own, and time pages at that size."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--trusts", type=int, default=100)
        parser.add_argument("--schools-per-trust", type=int, default=10)
        parser.add_argument("--pupils-per-school", type=int, default=600)
        parser.add_argument("--on-register", type=float, default=0.15)
        parser.add_argument("--measure", action="store_true", help="Then time the pages at this size")
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        name = str(settings.DATABASES["default"]["NAME"])
        if name in {"send", "test_send"} or not settings.DEBUG:
            raise CommandError("Run this in a database made for it (DEBUG=1), never the development one.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            as_app = cursor.fetchone()[0] == settings.DATABASE_APP_ROLE
        if not Trust.objects.filter(slug__startswith="national-").exists():
            if as_app:
                raise CommandError("Load as the owner role (DATABASE_URL=$OWNER_DATABASE_URL), like migrate.")
            started = time.perf_counter()
            self.load(options)
            self.say(f"Loaded in {time.perf_counter() - started:.0f} s.")
        if options["measure"]:
            if not as_app:
                raise CommandError("Measure as the app role (DATABASE_URL=$APP_DATABASE_URL), as the pages run.")
            self.measure(options["repeat"])

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    # --- Loading --------------------------------------------------------------------------------------------

    def load(self, options: dict[str, Any]) -> None:
        rng = random.Random(2026)  # noqa: S311  # nosec B311 - made-up data, reproducible
        ids = Ids()
        now = timezone.now()
        today = timezone.localdate()
        start_year = today.year if today.month >= 9 else today.year - 1
        needs = {n.code: n.pk for n in NeedType.objects.filter(code__in=NEEDS)}
        password = User(email="x@invalid")
        password.set_password(settings.DEMO_PASSWORD)
        switch_triggers_and_forced_rls(on=False)
        try:
            trusts, schools, years, users, memberships = [], [], [], [], []
            terms, classes, interventions, rates = [], [], [], []
            for t in range(options["trusts"]):
                trust = Trust(pk=ids(Trust), name=f"National Trust {t + 1}", slug=f"national-{t + 1}", created_at=now)
                trusts.append(trust)
                year = SchoolYear(
                    pk=ids(SchoolYear),
                    trust_id=trust.pk,
                    name=f"{start_year}-{(start_year + 1) % 100:02d}",
                    starts_on=dt.date(start_year, 9, 1),
                    ends_on=dt.date(start_year + 1, 8, 31),
                )
                years.append(year)
                lead = User(
                    pk=ids(User),
                    email=f"lead@national-{t + 1}.example",
                    full_name=f"Lead {t + 1}",
                    password=password.password,
                    date_joined=now,
                )
                users.append(lead)
                memberships.append(
                    Membership(
                        pk=ids(Membership),
                        trust_id=trust.pk,
                        user_id=lead.pk,
                        role=Role.TRUST_SEND_LEAD,
                        uuid=uuid.uuid4(),
                    )
                )
                interventions.append(
                    Intervention(
                        pk=ids(Intervention),
                        trust_id=trust.pk,
                        name="Precision teaching",
                        need_areas=["cl"],
                        sessions_per_week=3,
                        session_minutes=20,
                        resources_cost_per_pupil=Decimal("5"),
                    )
                )
                for s in range(options["schools_per_trust"]):
                    n = t * options["schools_per_trust"] + s
                    school = School(
                        pk=ids(School),
                        trust_id=trust.pk,
                        name=f"National School {n + 1}",
                        urn=f"{300000 + n}",
                        la_code=f"{801 + n % 150}",
                        establishment_number=f"{2000 + n % 8000:04d}",
                        phase="primary",
                    )
                    schools.append(school)
                    senco = User(
                        pk=ids(User),
                        email=f"senco@school-{n + 1}.national.example",
                        full_name=f"SENCO {n + 1}",
                        password=password.password,
                        date_joined=now,
                    )
                    users.append(senco)
                    memberships.append(
                        Membership(
                            pk=ids(Membership),
                            trust_id=trust.pk,
                            user_id=senco.pk,
                            school_id=school.pk,
                            role=Role.SENCO,
                            uuid=uuid.uuid4(),
                        )
                    )
                    rates.append(
                        StaffRate(
                            pk=ids(StaffRate),
                            trust_id=trust.pk,
                            school_id=school.pk,
                            school_year_id=year.pk,
                            role_name="Teaching assistant",
                            hourly_rate=Decimal("15.20"),
                        )
                    )
                    for name, first, last in (
                        ("Autumn 1", (9, 3), (10, 23)),
                        ("Autumn 2", (11, 2), (12, 18)),
                        ("Spring 1", (1, 5), (2, 13)),
                        ("Spring 2", (2, 23), (3, 27)),
                        ("Summer 1", (4, 13), (5, 22)),
                        ("Summer 2", (6, 1), (7, 21)),
                    ):
                        y0 = start_year if first[0] >= 9 else start_year + 1
                        terms.append(
                            Term(
                                pk=ids(Term),
                                trust_id=trust.pk,
                                school_id=school.pk,
                                school_year_id=year.pk,
                                name=name,
                                starts_on=dt.date(y0, *first),
                                ends_on=dt.date(y0, *last),
                            )
                        )
                    for c in range(CLASSES_PER_SCHOOL):
                        group = YEARS[c // 3]
                        classes.append(
                            SchoolClass(
                                pk=ids(SchoolClass),
                                trust_id=trust.pk,
                                school_id=school.pk,
                                school_year_id=year.pk,
                                name=f"{group}{'ABC'[c % 3]}",
                                year_group=group,
                            )
                        )
            for model, rows in (
                (Trust, trusts),
                (User, users),
                (SchoolYear, years),
                (School, schools),
                (Membership, memberships),
                (Term, terms),
                (SchoolClass, classes),
                (Intervention, interventions),
                (StaffRate, rates),
            ):
                self.say(f"{model.__name__}: {copy(model, rows):,} rows")
            self.load_pupils(options, rng, ids, schools, classes, needs, today, now)
            continue_sequences()
        finally:
            switch_triggers_and_forced_rls(on=True)
        secure_database()  # forced row-level security again, grants
        self.say("Analysing every table...")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def load_pupils(
        self,
        options: dict[str, Any],
        rng: random.Random,
        ids: Ids,
        schools: list[School],
        classes: list[SchoolClass],
        needs: dict[str, int],
        today: dt.date,
        now: dt.datetime,
    ) -> None:
        by_school: dict[int, list[SchoolClass]] = {}
        for school_class in classes:
            by_school.setdefault(school_class.school_id, []).append(school_class)
        pupils: list[Pupil] = []
        register: list[Pupil] = []
        for n, school in enumerate(schools):
            for i in range(options["pupils_per_school"]):
                school_class = by_school[school.pk][i % CLASSES_PER_SCHOOL]
                draw = rng.random()
                status = "E" if draw < options["on_register"] * 0.15 else "K" if draw < options["on_register"] else "N"
                pupil = Pupil(
                    pk=ids(Pupil),
                    trust_id=school.trust_id,
                    school_id=school.pk,
                    school_class_id=school_class.pk,
                    legal_first_name=f"Pupil{i}",
                    legal_last_name=f"Family{rng.randrange(5000):04d}",
                    date_of_birth=dt.date(2015, 9, 1) + dt.timedelta(days=rng.randrange(2555)),
                    gender="FMX"[i % 3],
                    year_group=school_class.year_group,
                    upn=make_upn(school.la_code, school.establishment_number, 10 + i // 1000, i % 1000),
                    mis_id=f"MIS-{n}-{i}",
                    sen_status=status,
                    sen_status_since=today if status != "N" else None,
                    is_eal=draw > 0.8,
                    is_pupil_premium=draw > 0.75,
                    updated_at=now,
                    uuid=uuid.uuid4(),
                )
                pupils.append(pupil)
                if status != "N":
                    register.append(pupil)
        self.say(f"Pupil: {copy(Pupil, pupils):,} rows ({len(register):,} on the register)")
        codes = list(needs.values())
        pupil_needs = (
            PupilNeed(
                pk=ids(PupilNeed), trust_id=p.trust_id, pupil_id=p.pk, need_type_id=codes[p.pk % len(codes)], rank=1
            )
            for p in register
        )
        self.say(f"PupilNeed: {copy(PupilNeed, pupil_needs):,} rows")
        plans = [
            Plan(
                pk=ids(Plan),
                trust_id=p.trust_id,
                pupil_id=p.pk,
                cycle=1,
                state="active",
                starts_on=today - dt.timedelta(days=70),
                review_on=today + dt.timedelta(days=p.pk % 90 - 14),
                strategies="Now-and-next board",
                uuid=uuid.uuid4(),
            )
            for p in register
            if p.sen_status == "K"
        ]
        self.say(f"Plan: {copy(Plan, plans):,} rows")
        ehc = [
            EhcPlan(
                pk=ids(EhcPlan),
                trust_id=p.trust_id,
                pupil_id=p.pk,
                local_authority="National County Council",
                issued_on=today - dt.timedelta(days=p.pk % 365),
                uuid=uuid.uuid4(),
            )
            for p in register
            if p.sen_status == "E"
        ]
        self.say(f"EhcPlan: {copy(EhcPlan, ehc):,} rows")
        pupil_school = {p.pk: p.school_id for p in register}

        def deadlines() -> Iterator[Deadline]:
            for plan in plans:
                yield Deadline(
                    pk=ids(Deadline),
                    trust_id=plan.trust_id,
                    school_id=pupil_school[plan.pupil_id],
                    pupil_id=plan.pupil_id,
                    plan_id=plan.pk,
                    key=f"plan:{plan.pk}:review",
                    kind="plan_review",
                    due_on=plan.review_on,
                    rule="The review date agreed for the plan",
                    detail="Cycle 1",
                    uuid=uuid.uuid4(),
                )
            for ehcp in ehc:
                due = ehcp.issued_on.replace(year=ehcp.issued_on.year + 1) - dt.timedelta(days=1)
                yield Deadline(
                    pk=ids(Deadline),
                    trust_id=ehcp.trust_id,
                    school_id=pupil_school[ehcp.pupil_id],
                    pupil_id=ehcp.pupil_id,
                    ehc_plan_id=ehcp.pk,
                    key=f"ehcp:{ehcp.pk}:review_by:{ehcp.issued_on.isoformat()}",
                    kind="review_by",
                    due_on=due,
                    rule="Children and Families Act 2014, s. 44(1)",
                    uuid=uuid.uuid4(),
                )

        self.say(f"Deadline: {copy(Deadline, deadlines()):,} rows")
        intervention_of = {i.trust_id: i.pk for i in Intervention.objects.filter(trust__slug__startswith="national-")}
        groups, members = [], []
        register_by_school: dict[int, list[Pupil]] = {}
        for pupil in register:
            register_by_school.setdefault(pupil.school_id, []).append(pupil)
        for school in schools:
            on_register = register_by_school.get(school.pk, [])
            for g in range(GROUPS_PER_SCHOOL):
                group = InterventionGroup(
                    pk=ids(InterventionGroup),
                    trust_id=school.trust_id,
                    school_id=school.pk,
                    intervention_id=intervention_of[school.trust_id],
                    name=f"Group {g + 1}",
                    staff_role="Teaching assistant",
                    sessions_per_week=3,
                    session_minutes=20,
                    starts_on=today - dt.timedelta(days=30),
                    ends_on=today + dt.timedelta(days=60),
                    resources_cost_per_pupil=Decimal("5"),
                    uuid=uuid.uuid4(),
                )
                groups.append(group)
                for pupil in on_register[g * MEMBERS_PER_GROUP : (g + 1) * MEMBERS_PER_GROUP]:
                    members.append(
                        GroupMember(
                            pk=ids(GroupMember),
                            trust_id=school.trust_id,
                            group_id=group.pk,
                            pupil_id=pupil.pk,
                            joined_on=group.starts_on,
                            uuid=uuid.uuid4(),
                        )
                    )
        self.say(f"InterventionGroup: {copy(InterventionGroup, groups):,} rows")
        self.say(f"GroupMember: {copy(GroupMember, members):,} rows")

    # --- Measuring ------------------------------------------------------------------------------------------

    def measure(self, repeat: int) -> None:
        """The pages of one trust of the national dataset (10 schools, 6,000 pupils), at national scale."""
        from rest_framework.test import APIClient

        from reviews.tasks import scan_statutory_trust, scan_trust
        from schools.api_client_services import create_api_client

        trust = Trust.objects.get(slug="national-50")
        with tenant_context(trust.pk):
            school = School.objects.order_by("pk").first()
            senco = Membership.objects.select_related("user").get(school=school, role=Role.SENCO).user
            lead = Membership.objects.select_related("user").get(school__isnull=True, role=Role.TRUST_SEND_LEAD).user
            _, token = create_api_client(
                name=f"National MIS {uuid.uuid4().hex[:6]}", can_write=False, rate_limit_per_minute=1_000_000
            )
        rows = []
        for label, user, url in (
            ("home, SENCO of one school", senco, "/"),
            ("register, SENCO of one school (600 pupils)", senco, "/pupils/"),
            ("register, trust lead (6,000 pupils)", lead, "/pupils/"),
            ("provision map, SENCO of one school", senco, "/provision/"),
        ):
            client = bench.verified_client(user)
            with tenant_context(trust.pk):
                rows.append(
                    bench.measure(label, partial(bench.request_once, client, "get", url, follow=True), None, repeat)
                )
        api = APIClient(HTTP_HOST="127.0.0.1")
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        rows.append(
            bench.measure(
                "API: first page of 100 (6,000 pupils)",
                partial(bench.request_once, api, "get", "/api/v1/pupils/"),
                None,
                repeat,
            )
        )
        for line in bench.table("National scale: one trust of 100 (600,000 pupils in all)", rows):
            self.say(line)
        scans = []
        for _ in range(repeat):
            with bench.counting_queries() as counter:
                began = time.perf_counter()
                reminders = scan_statutory_trust(trust.pk, timezone.localdate().isoformat())
                marked = scan_trust(trust.pk)
                scans.append(time.perf_counter() - began)
        self.say(
            f"morning scan of that trust: first run {scans[0]:.2f} s ({reminders} reminders, {marked} plans due), "
            f"later runs median {statistics.median(scans[1:] or scans):.2f} s, {counter.count} queries"
        )
