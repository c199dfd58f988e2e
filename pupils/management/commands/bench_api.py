"""Benchmark: the REST API's bulk upsert throughput and its list latency at N pupils (default 10,000).

Uses a separate trust `bench-api` in the development database. Sends the pupils in bulk requests of 1,000
through the whole stack (middleware, token, policy, serializers) with DRF's test client, then lists them.
Run it with `make bench` (or `python manage.py bench_api --pupils 10000 --repeat 5`).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from pupils.models import Pupil
from pupils.upn import make_upn
from schools import services
from schools.models import ApiClient, School, SchoolClass, SchoolYear, Trust
from send.tenancy import tenant_context

BATCH = 1000


class Command(BaseCommand):
    help = "Time bulk upserts (records per second) and pupil lists (latency) through the REST API."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", type=int, default=10_000)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off")

    def handle(self, *args: Any, pupils: int, repeat: int, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("This builds a benchmark trust: run it on a development database (DEBUG=1).")
        http, school = self.build()
        records = [self.record(school, i) for i in range(pupils)]
        for label, batch in (
            ("create", records),
            ("unchanged", records),
            ("update", [{**r, "preferred_first_name": f"P{time.time_ns() % 997}"} for r in records]),
        ):
            self.upsert(http, label, batch)
        self.lists(http, pupils, repeat)

    def upsert(self, http: APIClient, label: str, records: list[dict[str, Any]]) -> None:
        started, queries = time.perf_counter(), 0
        outcome: dict[str, int] = {}
        for start in range(0, len(records), BATCH):
            with CaptureQueriesContext(connection) as captured:
                response = http.post("/api/v1/pupils/bulk/", records[start : start + BATCH], format="json")
            if response.status_code != 200:
                raise CommandError(f"bulk upsert answered {response.status_code}: {response.content[:300]!r}")
            for key, value in response.json()["summary"].items():
                outcome[key] = outcome.get(key, 0) + value
            queries = max(queries, len(captured))
        seconds = time.perf_counter() - started
        counts = ", ".join(f"{value} {key}" for key, value in outcome.items() if value)
        self.stdout.write(
            f"bulk upsert {label:9} {len(records)} pupils in batches of {BATCH}: {len(records) / seconds:,.0f} "
            f"records/s ({seconds:.1f} s; {counts}; at most {queries} queries per request)"
        )

    def lists(self, http: APIClient, pupils: int, repeat: int) -> None:
        for label, params in (
            ("first page of 100", {"page_size": 100}),
            ("first page of 1,000", {"page_size": 1000}),
            ("updated_since, 1,000", {"page_size": 1000, "updated_since": "2000-01-01T00:00:00Z"}),
        ):
            timings, queries = [], 0
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = http.get("/api/v1/pupils/", params)
                    timings.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise CommandError(f"list answered {response.status_code}")
                queries = len(captured)
            self.stdout.write(
                f"list pupils, {label:24} at {pupils} pupils: median {statistics.median(timings) * 1000:.0f} ms, "
                f"slowest {max(timings) * 1000:.0f} ms, {queries} queries"
            )
        start, pages, url = time.perf_counter(), 0, "/api/v1/pupils/?page_size=1000"
        while url:
            body = http.get(url).json()
            pages += 1
            url = body["next"]
        seconds = time.perf_counter() - start
        self.stdout.write(f"list pupils, every page of 1,000 ({pages} pages): {seconds * 1000:.0f} ms in all")

    def build(self) -> tuple[APIClient, School]:
        trust, _ = Trust.objects.get_or_create(slug="bench-api", defaults={"name": "API Benchmark Trust"})
        with tenant_context(trust.pk):
            school, _ = School.objects.get_or_create(
                urn="199998",
                defaults={
                    "name": "API Bench Academy",
                    "la_code": "926",
                    "establishment_number": "4998",
                    "phase": "all_through",
                },
            )
            year, _ = SchoolYear.objects.get_or_create(
                name="2026-27", defaults={"starts_on": "2026-09-01", "ends_on": "2027-08-31"}
            )
            for group in ("7", "8", "9"):
                SchoolClass.objects.get_or_create(
                    school=school,
                    school_year=year,
                    name=f"{group}A",
                    defaults={"year_group": group, "mis_id": f"B-{group}A"},
                )
            Pupil.objects.filter(school=school).delete()
            ApiClient.objects.filter(name="Benchmark MIS").delete()
            _, token = services.create_api_client(name="Benchmark MIS", can_write=True, rate_limit_per_minute=100_000)
        http = APIClient(HTTP_HOST=(settings.ALLOWED_HOSTS or ["127.0.0.1"])[0])
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return http, school

    @staticmethod
    def record(school: School, i: int) -> dict[str, Any]:
        group = ("7", "8", "9")[i % 3]
        return {
            "mis_id": f"BENCH-{i:06d}",
            "school": str(school.uuid),
            "upn": make_upn(school.la_code, school.establishment_number, 10 + i // 1000, i % 1000),
            "legal_first_name": f"Pupil{i}",
            "legal_last_name": "Bench",
            "date_of_birth": "2013-05-01",
            "gender": "FMX"[i % 3],
            "year_group": group,
            "class_mis_id": f"B-{group}A",
        }
