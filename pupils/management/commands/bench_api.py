"""Benchmark: the REST API's bulk upsert throughput and its list latency at N pupils (default 10,000), each beside
its bare SQL.

Uses a separate trust `bench-api` in the development database. Sends the pupils in bulk requests of 1,000
through the whole stack (middleware, token, policy, serializers) with DRF's test client, then lists them.
The bare SQL of an upsert is one `INSERT ... ON CONFLICT DO UPDATE` of the same 1,000 records into the real
`pupils_pupil` (row-level security, audit and tombstone triggers, indexes), committed as the API commits; the
bare SQL of a list is the SELECT of the same rows and the INSERT of their access log, and, for both, the
token lookup every request makes (see `send.bench`). Run it with `make bench` (or
`python manage.py bench_api --pupils 10000 --repeat 5`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from pupils.models import Pupil, PupilNeed
from pupils.upn import make_upn
from schools import api_client_services
from schools.api_auth import hash_token
from schools.models import ApiClient, School, SchoolClass, SchoolYear, Trust
from send import bench
from send.models import AccessEvent, Tombstone
from send.tenancy import tenant_context

BATCH = 1000
URL = "/api/v1/pupils/"

# The token lookup every API request makes (the lookup policy shows the row to the holder of the token).
TOKEN_SQL = (
    "BEGIN",
    "SELECT set_config('app.api_token_hash', %(token)s, true)",
    "SELECT c.*, t.name FROM schools_apiclient c JOIN schools_trust t ON t.id = c.trust_id "
    "WHERE c.token_hash = %(token)s",
    "COMMIT",
)
# What the MIS writes of a pupil, as the API's upsert writes it: every column of a new row, and on a clash of
# (trust, mis_id) the MIS's columns where they differ. The UPN is looked up by the API as well: both read it.
UPSERT_SQL = """
INSERT INTO pupils_pupil (
    trust_id, uuid, school_id, school_class_id, legal_first_name, legal_last_name, preferred_first_name,
    preferred_last_name, date_of_birth, gender, upn, year_group, admission_date, leaving_date, mis_id, sen_status,
    on_monitoring_list, is_looked_after, is_previously_looked_after, is_eal, is_pupil_premium, has_medical_needs,
    has_early_help_plan, is_young_carer, updated_at)
SELECT %(trust)s, r.uuid, %(school)s, c.id, r.first, r.last, r.preferred, '', r.born, r.gender, r.upn, r.year,
       NULL, NULL, r.mis_id, 'N', false, false, false, false, false, false, false, false, now()
FROM unnest(%(uuids)s::uuid[], %(mis_ids)s::varchar[], %(upns)s::varchar[], %(firsts)s::varchar[],
            %(lasts)s::varchar[], %(preferreds)s::varchar[], %(borns)s::date[], %(genders)s::varchar[],
            %(years)s::varchar[], %(classes)s::varchar[])
     AS r(uuid, mis_id, upn, first, last, preferred, born, gender, year, class_mis_id)
LEFT JOIN schools_schoolclass c ON c.mis_id = r.class_mis_id AND c.school_id = %(school)s
ON CONFLICT (trust_id, mis_id) WHERE NOT (mis_id = '') DO UPDATE SET
    school_id = EXCLUDED.school_id, school_class_id = EXCLUDED.school_class_id,
    legal_first_name = EXCLUDED.legal_first_name, legal_last_name = EXCLUDED.legal_last_name,
    preferred_first_name = EXCLUDED.preferred_first_name, date_of_birth = EXCLUDED.date_of_birth,
    gender = EXCLUDED.gender, upn = EXCLUDED.upn, year_group = EXCLUDED.year_group, updated_at = EXCLUDED.updated_at
WHERE (pupils_pupil.school_id, pupils_pupil.school_class_id, pupils_pupil.legal_first_name,
       pupils_pupil.legal_last_name, pupils_pupil.preferred_first_name, pupils_pupil.date_of_birth,
       pupils_pupil.gender, pupils_pupil.upn, pupils_pupil.year_group)
      IS DISTINCT FROM (EXCLUDED.school_id, EXCLUDED.school_class_id, EXCLUDED.legal_first_name,
       EXCLUDED.legal_last_name, EXCLUDED.preferred_first_name, EXCLUDED.date_of_birth, EXCLUDED.gender,
       EXCLUDED.upn, EXCLUDED.year_group)
RETURNING uuid
"""
# A page of the list: the same columns the API shows, in its order, and the access log of what it showed.
LIST_SQL = """
SELECT p.uuid, p.mis_id, s.uuid, p.upn, p.legal_first_name, p.legal_last_name, p.preferred_first_name,
       p.preferred_last_name, p.date_of_birth, p.gender, p.year_group, p.admission_date, p.leaving_date, c.uuid,
       c.mis_id, p.sen_status, p.sen_status_since, p.on_monitoring_list,
       (SELECT n.code FROM pupils_pupilneed pn JOIN pupils_needtype n ON n.id = pn.need_type_id
        WHERE pn.pupil_id = p.id AND pn.rank = 1),
       (SELECT n.code FROM pupils_pupilneed pn JOIN pupils_needtype n ON n.id = pn.need_type_id
        WHERE pn.pupil_id = p.id AND pn.rank = 2),
       p.is_eal, p.is_pupil_premium, p.is_looked_after, p.is_previously_looked_after, p.updated_at
FROM pupils_pupil p JOIN schools_school s ON s.id = p.school_id
LEFT JOIN schools_schoolclass c ON c.id = p.school_class_id
WHERE p.trust_id = %(trust)s AND p.updated_at >= %(since)s AND (p.updated_at, p.uuid) > (%(after_at)s, %(after)s)
ORDER BY p.updated_at, p.uuid LIMIT %(limit)s
"""
ACCESS_SQL = """
INSERT INTO send_accessevent (trust_id, api_client, object_type, object_id, action, path, ip_address, created_at)
SELECT %(trust)s, 'Benchmark MIS', 'pupils.pupil', u::text, 'api_read', '/api/v1/pupils/', '127.0.0.1', now()
FROM unnest(%(shown)s::uuid[]) AS u
"""
CALL_SQL = (
    "INSERT INTO send_accessevent (trust_id, api_client, object_type, object_id, action, path, ip_address, "
    "created_at) VALUES (%(trust)s, 'Benchmark MIS', 'api.call', '200', 'api_get', '/api/v1/pupils/', "
    "'127.0.0.1', now())"
)
EPOCH = "2000-01-01T00:00:00+00:00"
FIRST = {"since": EPOCH, "after_at": EPOCH, "after": str(uuid.UUID(int=0))}


class Command(BaseCommand):
    help = "Time bulk upserts (records per second) and pupil lists (latency) through the REST API, beside bare SQL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", type=int, default=10_000)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off")

    def handle(self, *args: Any, pupils: int, repeat: int, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("This builds a benchmark trust: run it on a development database (DEBUG=1).")
        http, trust, school, token = self.build()
        self.trust, self.school = trust, school
        self.token_params = {"token": hash_token(token)}
        records = [self.record(school, i) for i in range(pupils)]
        rows: list[bench.Row] = []
        with tenant_context(trust.pk):
            rows.append(
                self.upsert(http, "create", records, [self.record(school, i, bare=True) for i in range(pupils)])
            )
            with connection.cursor() as cursor:  # the bare run's own rows go again (not timed)
                cursor.execute("DELETE FROM pupils_pupil WHERE trust_id = %s AND mis_id LIKE 'BARE-%%'", [trust.pk])
            analysed = bench.analyze([Pupil, PupilNeed, School, SchoolClass, AccessEvent, Tombstone, ApiClient])
            rows.append(self.upsert(http, "unchanged", records, records))
            stamp = time.time_ns() % 997
            rows.append(
                self.upsert(
                    http,
                    "update",
                    [{**r, "preferred_first_name": f"A{stamp}"} for r in records],
                    [{**r, "preferred_first_name": f"B{stamp}"} for r in records],
                )
            )
            rows.extend(self.lists(http, pupils, repeat))
        for line in bench.table(f"The REST API at {pupils:,} pupils ({analysed}; median of {repeat})", rows):
            self.stdout.write(line)

    # --- Upserts ----------------------------------------------------------------------------------------------

    def upsert(
        self, http: APIClient, label: str, records: list[dict[str, Any]], bare_records: list[dict[str, Any]]
    ) -> bench.Row:
        """Each batch through the API, then the same batch as bare SQL; medians per batch of 1,000."""
        page, bare = bench.Timing(), bench.Timing()
        outcome: dict[str, int] = {}
        for start in range(0, len(records), BATCH):
            batch = records[start : start + BATCH]
            with bench.counting_queries() as counter:
                began = time.perf_counter()
                response = http.post(f"{URL}bulk/", batch, format="json")
                page.seconds.append(time.perf_counter() - began)
            if response.status_code != 200:
                raise CommandError(f"bulk upsert answered {response.status_code}: {response.content[:300]!r}")
            for key, value in response.json()["summary"].items():
                outcome[key] = outcome.get(key, 0) + value
            page.queries = max(page.queries, counter.count)
            seconds, _ = bench.sql_once(self.upsert_statements(bare_records[start : start + BATCH]))
            bare.seconds.append(seconds)
        bare.queries = len(TOKEN_SQL) + 3
        counts = ", ".join(f"{value:,} {key}" for key, value in outcome.items() if value)
        size = min(BATCH, len(records))
        note = f"{self.rate(size, page)} vs {self.rate(size, bare)} records/s bare; {counts}"
        return bench.Row(f"bulk upsert, {label}, batches of {size:,}", page, bare, note)

    @staticmethod
    def rate(size: int, timing: bench.Timing) -> str:
        return f"{size / timing.median:,.0f}" if timing.median else "-"

    def upsert_statements(self, records: list[dict[str, Any]]) -> list[bench.Statement]:
        columns = {
            "uuids": [str(uuid.uuid4()) for _ in records],
            "mis_ids": [r["mis_id"] for r in records],
            "upns": [r["upn"] for r in records],
            "firsts": [r["legal_first_name"] for r in records],
            "lasts": [r["legal_last_name"] for r in records],
            "preferreds": [r.get("preferred_first_name", "") for r in records],
            "borns": [r["date_of_birth"] for r in records],
            "genders": [r["gender"] for r in records],
            "years": [r["year_group"] for r in records],
            "classes": [r["class_mis_id"] for r in records],
        }
        params = {"trust": self.trust.pk, "school": self.school.pk, **columns}
        return [
            *self.token_statements(),
            ("BEGIN", {}),
            (UPSERT_SQL, params),
            ("COMMIT", {}),
        ]

    def token_statements(self) -> list[bench.Statement]:
        return [(statement, self.token_params) for statement in TOKEN_SQL]

    # --- Lists ------------------------------------------------------------------------------------------------

    def lists(self, http: APIClient, pupils: int, repeat: int) -> list[bench.Row]:
        rows = []
        for label, params, limit in (
            ("first page of 100", {"page_size": 100}, 100),
            ("first page of 1,000", {"page_size": 1000}, 1000),
            ("updated_since, 1,000", {"page_size": 1000, "updated_since": "2000-01-01T00:00:00Z"}, 1000),
        ):
            statements = self.list_statements(limit, FIRST)
            rows.append(
                bench.measure(
                    f"list pupils, {label}, at {pupils:,}",
                    partial(bench.request_once, http, "get", URL, params),
                    statements,
                    repeat,
                    signin=self.token_statements(),
                )
            )
        rows.append(
            bench.measure(f"list pupils, every page of 1,000 ({pupils:,})", self.every_page(http), self.every_bare(), 1)
        )
        return rows

    def list_statements(self, limit: int, position: dict[str, Any]) -> list[bench.Statement]:
        """The page's SELECT (one row more, to know there is a next page) and the access log of what it shows."""
        with connection.cursor() as cursor:
            cursor.execute(LIST_SQL, {"trust": self.trust.pk, "limit": limit, **position})
            shown = [str(row[0]) for row in cursor.fetchall()]
        base = {"trust": self.trust.pk}
        return [
            (LIST_SQL, {**base, "limit": limit + 1, **position}),
            (ACCESS_SQL, {**base, "shown": shown}),
            (CALL_SQL, base),
        ]

    def every_page(self, http: APIClient) -> Callable[[], tuple[float, int, bytes]]:
        def run() -> tuple[float, int, bytes]:
            with bench.counting_queries() as counter:
                start, url, pages = time.perf_counter(), f"{URL}?page_size=1000", 0
                while url:
                    response = http.get(url)
                    if response.status_code != 200:
                        raise CommandError(f"list answered {response.status_code}")
                    url = response.json()["next"]
                    pages += 1
                seconds = time.perf_counter() - start
            return seconds, counter.count, b"x" * pages

        return run

    def every_bare(self) -> Callable[[], tuple[float, int]]:
        def run() -> tuple[float, int]:
            total, rows, position = 0.0, 0, dict(FIRST)
            while True:
                statements = [*self.token_statements(), *self.list_statements(1000, position)]
                seconds, found = bench.sql_once(statements)
                total += seconds
                rows += found
                with connection.cursor() as cursor:
                    cursor.execute(LIST_SQL, {"trust": self.trust.pk, "limit": 1000, **position})
                    last = cursor.fetchall()
                if len(last) < 1000:
                    return total, rows
                position = {"since": EPOCH, "after_at": last[-1][-1], "after": str(last[-1][0])}

        return run

    # --- Building ---------------------------------------------------------------------------------------------

    def build(self) -> tuple[APIClient, Trust, School, str]:
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
            _, token = api_client_services.create_api_client(
                name="Benchmark MIS", can_write=True, rate_limit_per_minute=100_000
            )
            ApiClient.objects.filter(name="Benchmark MIS").update(last_used_at=timezone.now())
        http = APIClient(HTTP_HOST=(settings.ALLOWED_HOSTS or ["127.0.0.1"])[0])
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return http, trust, school, token

    @staticmethod
    def record(school: School, i: int, bare: bool = False) -> dict[str, Any]:
        group = ("7", "8", "9")[i % 3]
        return {
            "mis_id": f"{'BARE' if bare else 'BENCH'}-{i:06d}",
            "school": str(school.uuid),
            "upn": make_upn(school.la_code, school.establishment_number, (50 if bare else 10) + i // 1000, i % 1000),
            "legal_first_name": f"Pupil{i}",
            "legal_last_name": "Bench",
            "date_of_birth": "2013-05-01",
            "gender": "FMX"[i % 3],
            "year_group": group,
            "class_mis_id": f"B-{group}A",
        }
