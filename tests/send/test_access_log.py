"""The access log is partitioned by month: rows land in their month, partitions are made ahead (moving any rows
the default partition caught), the app may only append, and only the owner drops old months."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.utils import timezone

from send.access_log import ensure_partitions, expired, partitions
from send.models import AccessEvent
from send.tenancy import tenant_context

pytestmark = pytest.mark.django_db


def where(event_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM send_accessevent WHERE id = %s", [event_id])
        return cursor.fetchone()[0]


def month_name(day: dt.date) -> str:
    return f"send_accessevent_y{day:%Y}m{day:%m}"


def test_an_event_lands_in_the_partition_of_its_month(world):
    with tenant_context(world.a.trust.pk):
        event = AccessEvent.objects.create(trust_id=world.a.trust.pk, object_type="pupils.pupil", object_id="x")
        assert where(event.pk) == month_name(timezone.now().date())
        assert AccessEvent.objects.filter(pk=event.pk).exists()
    with tenant_context(world.b.trust.pk):  # row-level security holds through the partitions
        assert not AccessEvent.objects.filter(pk=event.pk).exists()


def test_partitions_are_made_ahead_and_take_in_what_the_default_partition_caught(world):
    later = (timezone.now() + dt.timedelta(days=31 * 8)).replace(day=15)
    with tenant_context(world.a.trust.pk), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO send_accessevent (trust_id, api_client, object_type, object_id, action, path, created_at) "
            "VALUES (%s, '', 'pupils.pupil', 'later', 'view', '', %s) RETURNING id",
            [world.a.trust.pk, later],
        )
        event_id = cursor.fetchone()[0]
        assert where(event_id) == "send_accessevent_default"
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the nightly job runs in a transaction of its own
        assert ensure_partitions(9) >= 1
        assert where(event_id) == month_name(later.date())
        assert ensure_partitions(9) == 0  # made once
        assert month_name(later.date()) in partitions(cursor)


@pytest.mark.parametrize("statement", ["UPDATE {} SET path = 'x'", "DELETE FROM {}"])
def test_the_app_may_not_change_the_log_nor_any_partition(world, statement):
    table = month_name(timezone.now().date())
    for name in ("send_accessevent", table, "send_accessevent_default"):
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement.format(name))


def test_the_months_past_the_retention_are_the_ones_dropped():
    names = [month_name(dt.date(2024, m, 1)) for m in range(1, 13)] + ["send_accessevent_default"]
    old = expired(names, 6, dt.date(2024, 12, 3))
    assert old == [month_name(dt.date(2024, m, 1)) for m in range(1, 6)]  # June to December are kept
    assert expired(names, 0, dt.date(2024, 12, 3)) == []


def test_only_the_owner_prunes_the_log():
    with pytest.raises(CommandError, match="owner role"):
        call_command("prune_access_log")
