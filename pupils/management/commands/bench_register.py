"""Benchmark: the register page and the CSV export with N pupils on the register (default 2,000).

Builds a separate trust `bench` with exactly that many pupils at K or E in ten classes, ANALYZEs it, then times
each request through Django's test client as a verified SENCO beside the bare SQL that fetches the same rows,
and prints the medians, their ratio and the query counts (see `send.bench`).
Run it with `make bench` (or `python manage.py bench_register --pupils 2000 --repeat 5`).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from pupils.models import NeedType, Pupil, PupilNeed
from pupils.upn import make_upn
from schools.models import Membership, School, SchoolClass, SchoolYear, Trust, User
from send import bench
from send.tenancy import tenant_context

CLASSES = 10
PAGE = 50  # the register's page size

# The bare SQL of the register's first page: what a hand-written page would fetch (schools, classes and need
# types for the filters, the counts, and the first 50 pupils by name with their needs).
REGISTER_SQL = (
    "SELECT id, uuid, name FROM schools_school WHERE id = ANY(%(schools)s) ORDER BY name",
    "SELECT c.id, c.uuid, c.name, s.name FROM schools_schoolclass c JOIN schools_school s ON s.id = c.school_id "
    "WHERE c.school_id = ANY(%(schools)s) ORDER BY s.name, c.name",
    "SELECT code, label FROM pupils_needtype ORDER BY code",
    "SELECT count(*), count(*) FILTER (WHERE sen_status = 'K'), count(*) FILTER (WHERE sen_status = 'E'), "
    "count(*) FILTER (WHERE on_monitoring_list) FROM pupils_pupil WHERE school_id = ANY(%(schools)s)",
    "SELECT p.uuid, p.legal_first_name, p.legal_last_name, p.preferred_first_name, p.preferred_last_name, "
    "p.year_group, p.sen_status, p.is_looked_after, p.is_previously_looked_after, p.on_monitoring_list, s.name, "
    "c.name, (SELECT string_agg(n.code, ', ' ORDER BY pn.rank) FROM pupils_pupilneed pn "
    "JOIN pupils_needtype n ON n.id = pn.need_type_id WHERE pn.pupil_id = p.id) "
    "FROM pupils_pupil p JOIN schools_school s ON s.id = p.school_id "
    "LEFT JOIN schools_schoolclass c ON c.id = p.school_class_id WHERE p.school_id = ANY(%(schools)s) "
    "ORDER BY p.legal_last_name, p.legal_first_name, p.id LIMIT %(page)s",
)
# ... and of the CSV: every pupil with their school, class and first two needs.
CSV_SQL = (
    "SELECT s.name, s.urn, p.upn, p.legal_last_name, p.legal_first_name, p.preferred_first_name, "
    "p.preferred_last_name, p.date_of_birth, p.year_group, c.name, p.sen_status, p.sen_status_since, "
    "(SELECT n.code FROM pupils_pupilneed pn JOIN pupils_needtype n ON n.id = pn.need_type_id "
    " WHERE pn.pupil_id = p.id AND pn.rank = 1), "
    "(SELECT n.code FROM pupils_pupilneed pn JOIN pupils_needtype n ON n.id = pn.need_type_id "
    " WHERE pn.pupil_id = p.id AND pn.rank = 2), "
    "p.on_monitoring_list, p.is_looked_after, p.is_previously_looked_after, p.is_eal, p.is_pupil_premium "
    "FROM pupils_pupil p JOIN schools_school s ON s.id = p.school_id "
    "LEFT JOIN schools_schoolclass c ON c.id = p.school_class_id WHERE p.school_id = ANY(%(schools)s) "
    "ORDER BY p.legal_last_name, p.legal_first_name, p.id",
)


class Command(BaseCommand):
    help = "Time the register page and CSV export at N pupils on the register, beside their bare SQL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", type=int, default=2000)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off")

    def handle(self, *args: Any, pupils: int, repeat: int, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("This builds a benchmark trust: run it on a development database (DEBUG=1).")
        senco, trust, school = self.build(pupils)
        analysed = bench.analyze([Pupil, PupilNeed, School, SchoolClass, Membership])
        client = bench.verified_client(senco)
        params = {"schools": [school.pk], "page": PAGE}
        rows = []
        with tenant_context(trust.pk):
            for label, url, statements in (
                (f"register page, {pupils:,} pupils", reverse("pupils:register"), REGISTER_SQL),
                (f"register CSV, {pupils:,} pupils", reverse("pupils:register_csv"), CSV_SQL),
            ):
                bench.refresh_step_up(client)
                rows.append(
                    bench.measure(
                        label,
                        partial(bench.request_once, client, "get", url),
                        [(statement, params) for statement in statements],
                        repeat,
                        signin=bench.signin_statements(client),
                    )
                )
        for row in rows:
            row.note = f"{row.page.size / 1024:.0f} KiB; {row.note}"
        for line in bench.table(f"The register ({analysed}; median of {repeat})", rows):
            self.stdout.write(line)

    def build(self, count: int) -> tuple[User, Trust, School]:
        """The trust holds exactly `count` pupils (rebuilt when another size was asked for)."""
        trust, _ = Trust.objects.get_or_create(slug="bench", defaults={"name": "Benchmark Trust"})
        senco, _ = User.objects.get_or_create(email="senco@bench.example", defaults={"full_name": "Bench SENCO"})
        with tenant_context(trust.pk), transaction.atomic():
            school, _ = School.objects.get_or_create(
                urn="199999",
                defaults={
                    "name": "Bench Academy",
                    "la_code": "926",
                    "establishment_number": "4999",
                    "phase": "secondary",
                },
            )
            year, _ = SchoolYear.objects.get_or_create(
                name="2026-27", defaults={"starts_on": dt.date(2026, 9, 1), "ends_on": dt.date(2027, 8, 31)}
            )
            classes = [
                SchoolClass.objects.get_or_create(
                    school=school,
                    school_year=year,
                    name=f"{7 + c % 5}{'ABCDEFGHIJ'[c]}",
                    defaults={"year_group": str(7 + c % 5)},
                )[0]
                for c in range(CLASSES)
            ]
            Membership.objects.get_or_create(user=senco, role="senco", school=school)
            if Pupil.objects.filter(school=school).count() != count:
                Pupil.objects.filter(school=school).delete()
                needs = list(NeedType.objects.filter(code__in=["SEMH", "SLCN", "SPLD", "ASD"]).order_by("code"))
                created = Pupil.objects.bulk_create(
                    (
                        Pupil(
                            trust_id=trust.pk,
                            school=school,
                            school_class=classes[i % CLASSES],
                            legal_first_name=f"Bench{i}",
                            legal_last_name=f"Pupil{i % 397:03d}",
                            date_of_birth=dt.date(2012, 1, 1) + dt.timedelta(days=i % 1500),
                            gender="FMX"[i % 3],
                            year_group=classes[i % CLASSES].year_group,
                            upn=make_upn("926", "4999", 20 + i // 1000, i % 1000),
                            sen_status="K" if i % 7 else "E",
                            sen_status_since=timezone.localdate(),
                            on_monitoring_list=i % 11 == 0,
                            is_looked_after=i % 23 == 0,
                        )
                        for i in range(count)
                    ),
                    batch_size=1000,
                )
                PupilNeed.objects.bulk_create(
                    [
                        PupilNeed(trust_id=trust.pk, pupil=p, need_type=needs[i % len(needs)], rank=1)
                        for i, p in enumerate(created)
                    ]
                    + [
                        PupilNeed(trust_id=trust.pk, pupil=p, need_type=needs[(i + 1) % len(needs)], rank=2)
                        for i, p in enumerate(created)
                        if i % 3 == 0
                    ],
                    batch_size=1000,
                )
        return senco, trust, school
