"""Benchmark: the morning scan for 20 schools with 600 EHC plans and 3,000 SEN support plans (the issue's measure),
in SQL queries and seconds.

Builds (once, then reuses) a separate trust `bench-deadlines` in the development database, then times the two
morning tasks as Celery beat runs them for one trust: `reviews.tasks.scan_statutory_trust` (statutory deadlines
entering a warning window become reminders, then the day's digests; the SEN support plans' review dates are rows of
the same table, so their reminders come from it too) and `reviews.tasks.scan_trust` (SEN support plans whose review
is within two weeks become due). Before each repeat the trust's reminders and digests are deleted and due plans
made active again, so every repeat does the same work; a last
run without that reset must create nothing (exactly once).

The EHC plans, reviews and invitations are written through `reviews.ehc.services`, so the deadline table holds
exactly what the services make of them. Their dates are relative to today: on a later day the build moves them on
through the same services, so each run measures the same workload. Run it with
`python manage.py bench_deadlines --schools 20 --ehc-plans 600 --support-plans 3000 --repeat 5`.

The scan enqueues `send_digests` on commit as in production: with no worker running they
wait in the local broker (nothing is sent during the benchmark, and nothing is purged).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from pupils.models import Pupil
from reviews.apdr import deadlines as apdr_deadlines
from reviews.apdr.models import Plan, PlanState, PlanTransition
from reviews.apdr.selectors import REVIEW_WINDOW
from reviews.apdr.tasks import scan_trust
from reviews.bench_trust import SCANNED_STATES, BenchTrustBuilder
from reviews.deadlines import outbox
from reviews.deadlines.models import Deadline, DeadlineState, Digest, Reminder
from reviews.deadlines.services import FOLLOW_PUPILS, table_sql
from reviews.deadlines.tasks import scan_statutory_trust
from reviews.ehc.models import AnnualReview, EhcPlan, ReviewInvitation
from schools.models import (
    ClassStaff,
    Membership,
    User,
)
from send import bench
from send.celery import app
from send.tenancy import tenant_context


@dataclass
class Result:
    reminders: int
    digests: int | None  # None: the scan builds no digests
    queries: int
    seconds: float
    bare: float | None = None  # the same rows written by the bare SQL, in seconds


# The bare SQL of marking plans due: one UPDATE and the transitions it records, in one transaction.
MARK_DUE_SQL = """
WITH due AS (
    UPDATE reviews_plan SET state = 'due', updated_at = now()
     WHERE trust_id = %(trust)s AND state = 'active' AND review_on <= %(until)s RETURNING id
)
INSERT INTO reviews_plantransition (trust_id, plan_id, action, from_state, to_state, comment, at)
SELECT %(trust)s, id, 'mark_due', 'active', 'due', 'The review is within two weeks.', now() FROM due
"""


class Command(BaseCommand):
    help = "Time the morning scan (statutory deadlines and SEN support plan reviews) for one trust."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schools", type=int, default=20)
        parser.add_argument("--ehc-plans", type=int, default=600)
        parser.add_argument("--support-plans", type=int, default=3000)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off")

    def handle(
        self, *args: Any, schools: int, ehc_plans: int, support_plans: int, repeat: int, force: bool, **options: Any
    ) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("This builds a benchmark trust: run it on a development database (DEBUG=1).")
        if schools < 1 or ehc_plans < 0 or support_plans < 0 or repeat < 1:
            raise CommandError("Give at least one school and one repeat, and no negative numbers of plans.")
        # The digests and plan reminders are sent by a worker, later: never inline, inside the timing.
        app.conf.task_always_eager = False
        today = timezone.localdate()
        started = time.perf_counter()
        trust = BenchTrustBuilder(self.say).build(schools, ehc_plans, support_plans, today)
        self.say(f"Benchmark trust ready in {time.perf_counter() - started:.1f} s.")
        self.say(
            bench.analyze(
                [
                    Deadline,
                    Reminder,
                    Digest,
                    Plan,
                    PlanTransition,
                    EhcPlan,
                    AnnualReview,
                    ReviewInvitation,
                    Pupil,
                    Membership,
                    ClassStaff,
                    User,
                ]
            ).capitalize()
            + "."
        )
        with tenant_context(trust.pk):
            open_deadlines = Deadline.objects.filter(state=DeadlineState.OPEN).count()
            in_window = Deadline.objects.filter(
                state=DeadlineState.OPEN, due_on__lte=today + dt.timedelta(days=max(settings.DEADLINE_REMINDER_DAYS))
            ).count()
            active_plans = Plan.objects.filter(state__in=SCANNED_STATES).count()
            coming_due = Plan.objects.filter(state__in=SCANNED_STATES, review_on__lte=today + REVIEW_WINDOW).count()
        self.say(
            f"{open_deadlines} open deadlines, statutory and plan reviews ({in_window} due within "
            f"{max(settings.DEADLINE_REMINDER_DAYS)} days or overdue); {active_plans} active SEN support plans "
            f"({coming_due} due for review within {REVIEW_WINDOW.days} days)."
        )

        with connection.cursor() as cursor:
            cursor.execute("SHOW autovacuum")
            row = cursor.fetchone()
        if row and row[0] != "on":
            self.say(
                "Note: autovacuum is off on this server, so the rows each repeat deletes and updates (reminders, "
                "digests, plans) stay as dead rows and slow later runs; VACUUM ANALYZE the reviews_* tables as the "
                "owner role between runs for numbers like production's."
            )
        statutory_runs: list[Result] = []
        plan_runs: list[Result] = []
        for _ in range(repeat):
            self.reset(trust.pk)
            statutory_runs.append(self.run_statutory(trust.pk, today))
            plan_runs.append(self.run_plans(trust.pk))
            # the same rows again, written by the bare SQL
            self.reset(trust.pk)
            statutory_runs[-1].bare = self.bare_statutory(trust.pk, today)
            plan_runs[-1].bare = self.bare_plans(trust.pk, today)
        again_statutory = self.run_statutory(trust.pk, today)
        again_plans = self.run_plans(trust.pk)

        self.table(
            f"Morning scan of {schools} schools, {ehc_plans} EHC plans, {support_plans} SEN support plans "
            f"on {today:%-d %B %Y}, {repeat} repeat{'s' if repeat != 1 else ''}",
            [
                ("deadline scan", str(open_deadlines), statutory_runs),
                ("mark plans due (APDR)", str(active_plans), plan_runs),
                ("both", "", [self.both(a, b) for a, b in zip(statutory_runs, plan_runs, strict=True)]),
                ("again, no reset: deadlines", str(open_deadlines), [again_statutory]),
                ("again, no reset: APDR", str(active_plans), [again_plans]),
            ],
        )
        self.say(
            "open: open deadlines (statutory and plan reviews) / active SEN support plans; reminders: new reminders "
            "(plans marked due, for the APDR row); digests: e-mail digests built by the scan."
        )
        if again_statutory.reminders or again_plans.reminders or again_statutory.digests:
            raise CommandError("The second scan without a reset created reminders or digests: not exactly once.")
        self.say("Exactly once: the second scan created 0 reminders and 0 digests.")

    # --- Measuring -------------------------------------------------------------------------------------------

    def reset(self, trust_id: int) -> None:
        """Undo what the last scan did, so that the next does the same work."""
        with tenant_context(trust_id), transaction.atomic():
            Reminder.objects.all().delete()
            Digest.objects.all().delete()
            Plan.objects.filter(state=PlanState.DUE).update(state=PlanState.ACTIVE, updated_at=timezone.now())

    def run_statutory(self, trust_id: int, today: dt.date) -> Result:
        with tenant_context(trust_id):
            digests_before = Digest.objects.count()
        with bench.counting_queries() as counter:
            start = time.perf_counter()
            created = scan_statutory_trust(trust_id, today.isoformat())
            seconds = time.perf_counter() - start
        with tenant_context(trust_id):
            digests = Digest.objects.count() - digests_before
        return Result(int(created), digests, counter.count, seconds)

    def bare_statutory(self, trust_id: int, today: dt.date) -> float:
        """The scan's own statements (plan review deadlines brought up to date, reminders, digests), sent straight
        to the database in one transaction: what is left of the task without Python, Celery and the ORM."""
        sync = {
            "trust": trust_id,
            "rule": apdr_deadlines.PLAN_REVIEW_RULE,
            "open_states": list(apdr_deadlines.OPEN_PLAN_STATES),
        }
        scan = outbox.scan_params(trust_id, today)
        day = {"trust": trust_id, "day": today}
        statements: list[bench.Statement] = [
            ("BEGIN", {}),
            (table_sql(apdr_deadlines.SYNC_PLAN_REVIEWS), sync),
            (table_sql(apdr_deadlines.MEET_REVIEWED_PLANS), sync),
            (table_sql(FOLLOW_PUPILS), sync),
            (table_sql(outbox.SCAN), scan),
            (table_sql(outbox.BUILD_DIGESTS), day),
            (table_sql(outbox.ATTACH_TO_DIGESTS), day),
            ("COMMIT", {}),
        ]
        with tenant_context(trust_id):
            seconds, _ = bench.sql_once(statements)
        return seconds

    def bare_plans(self, trust_id: int, today: dt.date) -> float:
        statements: list[bench.Statement] = [
            ("BEGIN", {}),
            (MARK_DUE_SQL, {"trust": trust_id, "until": today + REVIEW_WINDOW}),
            ("COMMIT", {}),
        ]
        with tenant_context(trust_id):
            seconds, _ = bench.sql_once(statements)
        return seconds

    def run_plans(self, trust_id: int) -> Result:
        with bench.counting_queries() as counter:
            start = time.perf_counter()
            created = scan_trust(trust_id)
            seconds = time.perf_counter() - start
        return Result(int(created), None, counter.count, seconds)

    @staticmethod
    def both(a: Result, b: Result) -> Result:
        digests = (a.digests or 0) + (b.digests or 0)
        bare = a.bare + b.bare if a.bare is not None and b.bare is not None else None
        return Result(a.reminders + b.reminders, digests, a.queries + b.queries, a.seconds + b.seconds, bare)

    def table(self, title: str, rows: Sequence[tuple[str, str, list[Result]]]) -> None:
        self.say("")
        self.say(title)
        header = (
            f"{'':27} {'open':>6} {'reminders':>10} {'digests':>8} {'queries':>8} {'median s':>9} {'max s':>8} "
            f"{'bare s':>7} {'ratio':>6}"
        )
        self.say(header)
        self.say("-" * len(header))
        for label, opened, runs in rows:
            reminders = sorted({r.reminders for r in runs})
            digests = sorted({r.digests for r in runs if r.digests is not None})
            queries = sorted({r.queries for r in runs})
            seconds = [r.seconds for r in runs]
            bares = [r.bare for r in runs if r.bare is not None]
            bare = statistics.median(bares) if bares else None
            ratio = f"{statistics.median(seconds) / bare:.1f}x" if bare else "-"
            self.say(
                f"{label:27} {opened:>6} {self.span(reminders):>10} {self.span(digests):>8} {self.span(queries):>8} "
                f"{statistics.median(seconds):>9.3f} {max(seconds):>8.3f} "
                f"{f'{bare:.3f}' if bare is not None else '-':>7} {ratio:>6}"
            )

    @staticmethod
    def span(values: list[int]) -> str:
        if not values:
            return "-"
        return str(values[0]) if len(values) == 1 else f"{values[0]}-{values[-1]}"

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()
