"""The digest outbox under a real crash: a real Celery worker (prefork) is SIGKILLed while it hands a digest over,
and every digest still goes out exactly once (reviews.deadlines.outbox, reviews.deadlines.tasks.send_digests).

The worker is another process, so the data it reads must be committed. pytest-django's `transaction=True` would
commit, but afterwards it empties the database with TRUNCATE as the connection's role: the app role the suite
runs as has no TRUNCATE grant (send.dbsecurity), and as the owner it would also wipe the migrations' reference
data (need types) that the next tests on the same database need. So this module replaces `transactional_db`:
every write commits, and afterwards the owner role truncates only the tables that were empty before.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import dj_database_url
import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from kombu import Exchange, Queue
from psycopg import sql

from reviews.deadlines.outbox import build_digests, scan_deadlines
from reviews.deadlines.tasks import send_digests
from reviews.ehc.services import current_plan, save_plan
from reviews.models import Digest
from schools.models import Membership, Role
from send.dates import add_months
from send.tenancy import tenant_context
from tests.factories import TrustWorld, UserFactory, make_trust_world
from tests.reviews.slow_mail import PAUSE_ONCE, PAUSED_PID, outbox, read_message

# Only xdist registers this marker (the suite runs with --strict-markers, so `-p no:xdist` would refuse it). Like
# the other tests that run a real worker on the test broker, it keeps to one xdist worker (--dist loadgroup).
pytestmark = [pytest.mark.xdist_group("celery_broker")] if os.environ.get("PYTEST_XDIST_WORKER") else []

ROOT = Path(__file__).resolve().parents[3]
PAUSE_AT = 3  # the worker is killed while handing over the third digest
EXTRA_SENCOS = 2


@pytest.fixture
def transactional_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's fixture of this name, for this module (so the test database is still set up for it): no
    per-test transaction, every write commits. Afterwards the owner role truncates the tables that were empty
    before, and takes out of the others (the migrations' reference data) any row that was not there."""
    test_db = connection.settings_dict
    assert test_db["NAME"].startswith("test_"), "this test commits, so only ever on a test database"
    owner = dj_database_url.parse(settings.DATABASE_URL)
    params = {
        "host": test_db["HOST"] or "127.0.0.1",
        "port": test_db["PORT"] or 5432,
        "dbname": test_db["NAME"],
        "user": owner["USER"],
        "password": owner["PASSWORD"],
    }
    with psycopg.connect(**params, autocommit=True) as admin:
        before = _table_rows(admin)
        with django_db_blocker.unblock():
            try:
                yield
            finally:
                connections.close_all()
        admin.execute("SET lock_timeout = '20s'")
        empty = sql.SQL(", ").join(sql.Identifier(table) for table, rows in before.items() if not rows)
        admin.execute(sql.SQL("TRUNCATE {}").format(empty))
        for table, rows in _table_rows(admin).items():
            if rows != before[table]:  # rows left by an earlier test, and then some from this one
                ident = sql.Identifier(table)
                with admin.transaction():  # without its triggers: audit tables refuse deletes, others audit them
                    admin.execute("SET CONSTRAINTS ALL IMMEDIATE")  # foreign keys are checked now, not at commit
                    admin.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(ident))
                    admin.execute(
                        sql.SQL("DELETE FROM {} t WHERE NOT t::text = ANY(%s)").format(ident), [before[table]]
                    )
                    admin.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(ident))
        changed = [table for table, rows in _table_rows(admin).items() if rows != before.get(table)]
        assert not changed, f"the test changed rows it cannot put back, in {changed}"


def _table_rows(admin: psycopg.Connection[Any]) -> dict[str, list[str]]:
    """The rows of every table as the owner sees them (tenant tables hide their rows from it under row-level
    security; outside a test, in a test database, they have none)."""
    tables = admin.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'django_migrations'"
    ).fetchall()
    query = "SELECT coalesce(array_agg(t::text ORDER BY t::text), '{{}}') FROM {} t"
    return {
        table: list(admin.execute(sql.SQL(query).format(sql.Identifier(table))).fetchone()[0])  # type: ignore[index]
        for (table,) in tables
    }


def wait_for(what: str, check: Callable[[], bool], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}. Worker log:\n{log_tail(log)}")
        time.sleep(0.1)


def is_dead(pid: int) -> bool:
    """Gone, or a zombie its parent has not reaped yet."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def log_tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


def build_digest_outbox(today: dt.date) -> tuple[TrustWorld, dict[int, tuple[str, str]]]:
    """One trust (with whatever the factories give it), two more SENCOs, and an EHC plan for each pupil without one,
    issued so that its annual review is due in about three weeks; then the morning scan and the day's digests.
    Returns the world and {digest id: (Message-ID, recipient's e-mail)}."""
    world = make_trust_world(f"sigkill{uuid.uuid4().hex[:8]}", "Sigkill")
    with tenant_context(world.trust.pk):
        sencos = [UserFactory(email=f"senco{n}@{world.trust.slug}.example") for n in range(EXTRA_SENCOS)]
        for senco in sencos:
            Membership.objects.create(user=senco, role=Role.SENCO, school=world.school)
        issued_on = add_months(today, -12) + dt.timedelta(days=20)
        pupils = [pupil for pupil in world.pupils if pupil.school_id == world.school.pk and not current_plan(pupil)]
        assert pupils
        for pupil in pupils:
            save_plan(pupil, None, by=world.users["senco"], local_authority="Norfolk", issued_on=issued_on)
        assert scan_deadlines(today) > 0
        created = build_digests(today)
        digests = list(Digest.objects.select_related("recipient").order_by("pk"))
        assert created == len(digests) >= PAUSE_AT + 2, "digests before the kill, the one in flight, and after"
        recipients = {d.recipient_id for d in digests}
        assert {world.users["senco"].pk, world.users["assistant"].pk, *(s.pk for s in sencos)} <= recipients
        assert all(d.sent_at is None for d in digests)
        assert all(d.reminders.exists() and d.recipient.email for d in digests), "each digest has something to send"
        domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
        return world, {d.pk: (f"<digest-{d.uuid}@{domain}>", d.recipient.email) for d in digests}


def sent_at(trust_id: int) -> dict[int, dt.datetime | None]:
    with tenant_context(trust_id):
        return dict(Digest.objects.values_list("pk", "sent_at"))


def worker_env(mail_dir: Path) -> dict[str, str]:
    """The test's own database (as the app role), broker and storage, and the pausing mail backend."""
    db = connection.settings_dict
    database_url = (
        f"postgresql://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'], safe='')}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "TEST_APP_"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": "send.settings",
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "PRIVATE_STORAGE_ROOT": str(settings.PRIVATE_STORAGE_ROOT),
        "EMAIL_BACKEND": "tests.reviews.slow_mail.EmailBackend",
        "SLOW_MAIL_DIR": str(mail_dir),
        "SLOW_MAIL_PAUSE_AT": str(PAUSE_AT),
        "SLOW_MAIL_PAUSE_SECONDS": "60",
        "PYTHONUNBUFFERED": "1",
    }


def stop(worker: subprocess.Popen[bytes]) -> None:
    """The whole process group (the worker and its pool), however far it got."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(worker.pid, sig)
        except ProcessLookupError:
            break
        try:
            worker.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


def delete_queue(name: str) -> None:
    """Purge and delete the queue, and its binding (declared here first: kombu deletes only what its channel knows,
    and Celery declared it as it does every queue it is asked to send to, with an exchange of the same name)."""
    with send_digests.app.connection_for_write() as conn:
        queue = Queue(name, Exchange(name), routing_key=name)(conn.default_channel)
        queue.declare()
        queue.delete()


def test_a_worker_killed_mid_send_loses_no_digest_and_sends_none_twice(transactional_db: None, tmp_path: Path) -> None:
    today = timezone.localdate()
    world, expected = build_digest_outbox(today)
    trust_id = world.trust.pk
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    (mail_dir / PAUSE_ONCE).touch()
    log = tmp_path / "worker.log"
    queue = f"test-outbox-sigkill-{uuid.uuid4().hex}"
    assert not send_digests.app.conf.task_always_eager, "the task must go through the broker to the worker"

    with log.open("wb") as log_file:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "send",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=worker_env(mail_dir),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        task_id = send_digests.apply_async(args=[trust_id], queue=queue).id

        # The pool's child has handed over PAUSE_AT - 1 digests and is stopped inside the transaction of the next.
        paused = mail_dir / PAUSED_PID
        wait_for("the worker to stop before a digest", paused.exists, 45, log)
        child = int(paused.read_text())
        assert child != worker.pid, "the pool's child executes the task, not the worker's main process"
        before_kill = [read_message(path) for path in outbox(mail_dir)]
        at_kill = sent_at(trust_id)

        os.kill(child, signal.SIGKILL)
        wait_for("the killed child to be gone", lambda: is_dead(child), 20, log)

        # acks_late + reject_on_worker_lost: the message goes back on the queue and a new child runs the task again
        # (the first run, killed, never finishes).
        finished = f"Task reviews.send_digests[{task_id}] succeeded"
        wait_for("the task to be run again to the end", lambda: finished in log.read_text(errors="replace"), 30, log)
    finally:
        stop(worker)
        delete_queue(queue)

    log_text = log.read_text(errors="replace")
    assert "WorkerLostError" in log_text and log_text.count(finished) == 1, log_tail(log)

    # Nothing lost, nothing sent twice: one message per digest, to its recipient, under its Message-ID.
    messages = [read_message(path) for path in outbox(mail_dir)]
    ids = Counter(message["Message-ID"] for message in messages)
    wanted = {message_id for message_id, _ in expected.values()}
    assert not {m: n for m, n in ids.items() if n > 1}, f"sent twice: {ids}"
    assert set(ids) == wanted, f"missing: {wanted - set(ids)}; unexpected: {set(ids) - wanted}"
    assert sorted((m["Message-ID"], m["To"]) for m in messages) == sorted(expected.values())
    final = sent_at(trust_id)
    assert all(final.values()), f"digests left unsent: {[pk for pk, at in final.items() if at is None]}"

    # At the kill: PAUSE_AT - 1 digests handed over and committed as sent, no more (the one in flight was not), and
    # none of them was sent or marked again by the second run, which another child did.
    assert len(before_kill) == PAUSE_AT - 1
    ids_before_kill = {message["Message-ID"] for message in before_kill}
    handed_over = {pk for pk, (message_id, _) in expected.items() if message_id in ids_before_kill}
    committed = {pk for pk, at in at_kill.items() if at is not None}
    assert committed == handed_over, "sent_at must be committed with the hand-over of the message, not before"
    assert {pk: final[pk] for pk in committed} == {pk: at_kill[pk] for pk in committed}
    assert messages[: len(before_kill)] == before_kill
    assert all(int(message["Pid"]) != child for message in messages[len(before_kill) :])
