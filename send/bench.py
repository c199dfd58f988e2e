"""What every `bench_*` command shares: a page's time beside the bare SQL time of the same rows, in one run.

A page is timed through Django's test client as a signed-in, verified user (every middleware, the policy, the
template); its bare SQL is the handful of hand-written statements that fetch the same rows, run on the same
connection as the app role under the same trust (row-level security included). Both are measured in the same
loop, one after the other, so that a noisy machine slows both alike; the ratio of the medians is the figure.

Queries are counted with an execute wrapper, not Django's debug log (which keeps only the last 9,000), and the
tables are ANALYZEd first, as a production server's autovacuum would have done.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.test import Client
from psycopg import sql

# (statement, parameters): one query of a bare-SQL measure.
Statement = tuple[str, Sequence[Any] | dict[str, Any]]


class QueryCounter:
    """Counts every statement Django sends, however many (no 9,000 limit, no DEBUG needed)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def counting_queries() -> Iterator[QueryCounter]:
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)
    queries: int = 0
    size: int = 0  # bytes of the answer (pages) or rows (SQL)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else 0.0


@dataclass
class Row:
    label: str
    page: Timing
    bare: Timing | None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.bare is None or not self.bare.median:
            return None
        return self.page.median / self.bare.median


def body_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def request_once(client: Client, method: str, url: str, data: Any = None, **extra: Any) -> tuple[float, int, bytes]:
    """One request: (seconds, queries, body); a streamed body is read to its end inside the timing."""
    with counting_queries() as counter:
        start = time.perf_counter()
        response = getattr(client, method)(url, data, **extra)
        body = body_of(response)
        seconds = time.perf_counter() - start
    if response.status_code != 200:
        raise BenchError(f"{method.upper()} {url} answered {response.status_code}: {body[:300]!r}")
    return seconds, counter.count, body


def sql_once(statements: Sequence[Statement]) -> tuple[float, int]:
    """Run the statements on the app's connection (same role, same trust) and fetch every row: (seconds, rows).

    The connection's tenant settings are brought up to date first, outside the timing, by one trivial
    statement through Django; the statements themselves go straight to psycopg.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    raw = connection.connection
    rows = 0
    start = time.perf_counter()
    with raw.cursor() as cursor:
        for statement, params in statements:
            cursor.execute(statement, params)
            if cursor.description is not None:
                rows += len(cursor.fetchall())
    return time.perf_counter() - start, rows


class BenchError(Exception):
    pass


def measure(
    label: str,
    page: Callable[[], tuple[float, int, bytes]],
    bare: Sequence[Statement] | Callable[[], tuple[float, int]] | None,
    repeat: int,
    note: str = "",
    signin: Sequence[Statement] = (),
) -> Row:
    """Time the page and its bare SQL `repeat` times each, alternately, after one warm-up of each.

    `signin` are the statements that find who is asking (a page's session, user, second factor and roles; an
    API client's token): every request reads those rows too, so they are part of the bare SQL, and the note
    says how much of it they are.
    """
    run_rows: Callable[[], tuple[float, int]] | None
    if bare is None or callable(bare):
        run_rows = bare
    else:
        statements = bare

        def run_rows() -> tuple[float, int]:
            return sql_once(statements)

    page()
    if run_rows is not None:
        run_rows()
    page_timing = Timing()
    bare_timing = Timing() if run_rows is not None else None
    rows_alone: list[float] = []
    for _ in range(repeat):
        seconds, queries, body = page()
        page_timing.seconds.append(seconds)
        page_timing.queries = max(page_timing.queries, queries)
        page_timing.size = len(body)
        if run_rows is not None and bare_timing is not None:
            who, _ = sql_once(signin) if signin else (0.0, 0)
            seconds, found = run_rows()
            rows_alone.append(seconds)
            bare_timing.seconds.append(who + seconds)
            bare_timing.size = found
    if bare_timing is not None:
        bare_timing.queries = (len(bare) if bare is not None and not callable(bare) else 0) + len(signin)
    if signin and rows_alone:
        rows_ms = statistics.median(rows_alone) * 1000
        who_ms = (bare_timing.median if bare_timing else 0) * 1000 - rows_ms
        note = f"{note}{'; ' if note else ''}bare: rows {rows_ms:.1f} ms + sign-in {who_ms:.1f} ms"
    return Row(label, page_timing, bare_timing, note)


# The rows every signed-in page reads to know who is asking: the session, the user, their second factor, and
# their roles and trusts.
SIGNIN_SQL = (
    "SELECT session_key, session_data, expire_date FROM django_session "
    "WHERE session_key = %(session)s AND expire_date > now()",
    "SELECT id, password, last_login, is_superuser, email, full_name, is_active, is_staff, date_joined "
    "FROM schools_user WHERE id = %(user)s",
    "SELECT id, user_id, name, confirmed, key, step, t0, digits, tolerance, drift, last_t "
    "FROM otp_totp_totpdevice WHERE id = %(device)s",
    "SELECT m.role, m.school_id, t.id, t.name, t.slug FROM schools_membership m "
    "JOIN schools_trust t ON t.id = m.trust_id WHERE m.user_id = %(user)s",
)


def signin_statements(client: Client) -> list[Statement]:
    """SIGNIN_SQL for the user signed in on `client`."""
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    device = str(session.get(DEVICE_ID_SESSION_KEY, "")).rsplit("/", 1)[-1]
    params = {"session": session.session_key, "user": int(session["_auth_user_id"]), "device": int(device or 0)}
    return [(statement, params) for statement in SIGNIN_SQL]


def owner_url() -> str | None:
    """The owner's URL for this database: only the table owner may ANALYZE."""
    return os.environ.get("OWNER_DATABASE_URL") or None


def analyze(models: Iterable[type[Model]]) -> str:
    """ANALYZE the models' tables as the owner, as autovacuum would after a bulk load; says what it did."""
    url = owner_url()
    tables = sorted({model._meta.db_table for model in models})
    if url is None:
        return "not analysed (set OWNER_DATABASE_URL: only the tables' owner may ANALYZE)"
    dbname = str(settings.DATABASES["default"]["NAME"])
    with psycopg.connect(url, autocommit=True, dbname=dbname) as owner:
        for table in tables:
            owner.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    return f"analysed {len(tables)} tables"


def verified_client(user: Any) -> Client:
    """A client signed in as `user`, past the second factor and recently re-authenticated (for step-ups)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["127.0.0.1"])[0])
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    # A step-up lasts 10 minutes: a long run re-authenticates before each measure (see `refresh_step_up`).
    session["reauthenticated_at"] = time.time()
    session.save()
    return client


def refresh_step_up(client: Client) -> None:
    session = client.session
    session["reauthenticated_at"] = time.time()
    session.save()


def table(title: str, rows: Sequence[Row]) -> list[str]:
    """The report: page median and queries, bare SQL median and queries, and their ratio."""
    header = f"{'measure':44} {'page ms':>9} {'queries':>7} {'bare ms':>8} {'queries':>7} {'ratio':>6}  note"
    lines = ["", title, header, "-" * len(header)]
    for row in rows:
        bare_ms = f"{row.bare.median * 1000:.1f}" if row.bare is not None else "-"
        bare_q = str(row.bare.queries) if row.bare is not None else "-"
        ratio = f"{row.ratio:.1f}x" if row.ratio is not None else "-"
        lines.append(
            f"{row.label:44} {row.page.median * 1000:>9.1f} {row.page.queries:>7} {bare_ms:>8} {bare_q:>7} "
            f"{ratio:>6}  {row.note}"
        )
    return lines
