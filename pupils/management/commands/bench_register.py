"""Benchmark: the register page and the CSV export with N pupils on the register (default 2,000).

Builds (once) a separate trust `bench` with that many pupils at K or E, then times each request through
Django's test client as a verified SENCO, and prints the median, the slowest and the query count.
Run it with `make bench` (or `python manage.py bench_register --pupils 2000 --repeat 5`).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from pupils.models import NeedType, Pupil, PupilNeed
from pupils.upn import make_upn
from schools.models import Membership, School, SchoolClass, SchoolYear, Trust, User
from send.tenancy import tenant_context


class Command(BaseCommand):
    help = "Time the register page and CSV export at N pupils on the register."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", type=int, default=2000)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off")

    def handle(self, *args: Any, pupils: int, repeat: int, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("This builds a benchmark trust: run it on a development database (DEBUG=1).")
        senco = self.build(pupils)
        client = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["127.0.0.1"])[0])
        client.force_login(senco)
        device, _ = TOTPDevice.objects.get_or_create(user=senco, name="bench", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        for label, url in (
            ("register page", reverse("pupils:register")),
            ("CSV export", reverse("pupils:register_csv")),
        ):
            timings, queries = [], 0
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(url)
                    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
                    timings.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
                queries = len(captured)
            self.stdout.write(
                f"{label:14} {pupils} pupils: median {statistics.median(timings) * 1000:.0f} ms, "
                f"slowest {max(timings) * 1000:.0f} ms, {queries} queries, {len(body) / 1024:.0f} KiB"
            )

    def build(self, count: int) -> User:
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
            klass, _ = SchoolClass.objects.get_or_create(school=school, school_year=year, name="7B", year_group="7")
            Membership.objects.get_or_create(user=senco, role="senco", school=school)
            have = Pupil.objects.filter(school=school).count()
            if have < count:
                need = NeedType.objects.get(code="SEMH")
                created = Pupil.objects.bulk_create(
                    Pupil(
                        trust_id=trust.pk,
                        school=school,
                        school_class=klass,
                        legal_first_name=f"Bench{i}",
                        legal_last_name="Pupil",
                        date_of_birth=dt.date(2014, 1, 1),
                        gender="F",
                        year_group="7",
                        upn=make_upn("926", "4999", 20 + i // 1000, i % 1000),
                        sen_status="K" if i % 7 else "E",
                        sen_status_since=timezone.localdate(),
                    )
                    for i in range(have, count)
                )
                PupilNeed.objects.bulk_create(
                    PupilNeed(trust_id=trust.pk, pupil=p, need_type=need, rank=1) for p in created
                )
        return senco
