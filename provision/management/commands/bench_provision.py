"""Benchmark: the school provision map for 400 pupils in 60 groups in a term (the issue's measure).

Builds (once) a separate trust `bench-provision` in the development database, then times the provision map,
the graduated map, the impact page and the CSV through Django's test client as a verified SENCO.
Run it with `make bench` (or `python manage.py bench_provision --pupils 400 --groups 60 --repeat 5`).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from provision import services
from provision.models import Intervention, InterventionGroup, StaffRate
from pupils.models import Pupil, SenStatus
from pupils.upn import make_upn
from schools.models import Membership, Role, School, SchoolYear, Term, Trust, User
from send.tenancy import tenant_context

TERM = (dt.date(2026, 9, 2), dt.date(2026, 10, 23))


class Command(BaseCommand):
    help = "Time the school provision map at N pupils in M groups in a term."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", type=int, default=400)
        parser.add_argument("--groups", type=int, default=60)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off")

    def handle(self, *args: Any, pupils: int, groups: int, repeat: int, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("This builds a benchmark trust: run it on a development database (DEBUG=1).")
        senco = self.build(pupils, groups)
        client = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["127.0.0.1"])[0])
        client.force_login(senco)
        device, _ = TOTPDevice.objects.get_or_create(user=senco, name="bench", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session["reauthenticated_at"] = time.time()
        session.save()
        period = {"starts_on": TERM[0].isoformat(), "ends_on": TERM[1].isoformat()}
        for label, url in (
            ("provision map", reverse("provision:map")),
            ("graduated map", reverse("provision:graduated")),
            ("impact", reverse("provision:impact")),
            ("CSV export", reverse("provision:csv")),
        ):
            timings, queries = [], 0
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(url, period)
                    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
                    timings.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
                queries = len(captured)
            self.stdout.write(
                f"{label:14} {pupils} pupils, {groups} groups, one term: "
                f"median {statistics.median(timings) * 1000:.0f} ms, slowest {max(timings) * 1000:.0f} ms, "
                f"{queries} queries, {len(body) / 1024:.0f} KiB"
            )

    def build(self, pupils: int, groups: int) -> User:
        trust, _ = Trust.objects.get_or_create(slug="bench-provision", defaults={"name": "Provision Benchmark Trust"})
        senco, _ = User.objects.get_or_create(
            email="senco@bench-provision.example", defaults={"full_name": "Bench SENCO"}
        )
        ta, _ = User.objects.get_or_create(email="ta@bench-provision.example", defaults={"full_name": "Bench TA"})
        with tenant_context(trust.pk), transaction.atomic():
            school, _ = School.objects.get_or_create(
                urn="199997",
                defaults={
                    "name": "Provision Bench Primary",
                    "la_code": "926",
                    "establishment_number": "4997",
                    "phase": "primary",
                },
            )
            Membership.objects.get_or_create(user=senco, role=Role.SENCO, school=school)
            Membership.objects.get_or_create(user=ta, role=Role.TEACHING_ASSISTANT, school=school)
            if (
                InterventionGroup.objects.filter(school=school).count() == groups
                and Pupil.objects.filter(school=school).count() == pupils
            ):
                return senco
            InterventionGroup.objects.filter(school=school).delete()
            Pupil.objects.filter(school=school).delete()
            year, _ = SchoolYear.objects.get_or_create(
                name="2026-27", defaults={"starts_on": "2026-09-01", "ends_on": "2027-08-31"}
            )
            Term.objects.get_or_create(
                school=school, school_year=year, starts_on=TERM[0], defaults={"name": "Autumn 1", "ends_on": TERM[1]}
            )
            if not StaffRate.objects.filter(school=school).exists():
                services.save_staff_rate(
                    None, school=school, school_year=year, role_name="Teaching assistant", hourly_rate=Decimal("15.20")
                )
            intervention = Intervention.objects.filter(school=school).first() or (
                services.save_intervention(
                    None,
                    school=school,
                    name=f"Bench intervention {school.pk}",
                    need_areas=["cl", "ci"],
                    wave="targeted",
                    description="",
                    evidence_base="",
                    sessions_per_week=3,
                    session_minutes=30,
                    weeks=6,
                    group_size=6,
                    staffing="Teaching assistant",
                    resources="",
                    resources_cost_per_pupil=Decimal("8.50"),
                    measure="standardised",
                    measure_label="",
                )
            )
            created = Pupil.objects.bulk_create(
                [
                    Pupil(
                        trust_id=trust.pk,
                        school=school,
                        legal_first_name=f"Pupil{i}",
                        legal_last_name="Bench",
                        date_of_birth=dt.date(2017, 1, 1),
                        gender="FMX"[i % 3],
                        year_group=str(1 + i % 6),
                        upn=make_upn("926", "4997", 10 + i // 1000, i % 1000),
                        sen_status=SenStatus.SEN_SUPPORT,
                    )
                    for i in range(pupils)
                ]
            )
            per_group = max(1, len(created) // groups)
            for index in range(groups):
                group = services.save_group(
                    None,
                    school=school,
                    intervention=intervention,
                    staff=[ta],
                    name=f"Group {index}",
                    staff_role="Teaching assistant",
                    sessions_per_week=3,
                    session_minutes=30,
                    timetable="",
                    starts_on=dt.date(2026, 9, 7),
                    ends_on=dt.date(2026, 10, 16),
                    funding_source="notional",
                    resources_cost_per_pupil=Decimal("8.50"),
                )
                for pupil in created[
                    index * per_group : (index + 1) * per_group + (1 if index < pupils % groups else 0)
                ]:
                    services.add_member(
                        group,
                        pupil=pupil,
                        joined_on=dt.date(2026, 9, 7),
                        entry_score=Decimal(85),
                        entry_on=dt.date(2026, 9, 7),
                    )
        return senco
