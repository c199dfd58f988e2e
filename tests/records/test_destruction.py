"""Retention and destruction: the monthly list, refusals (legal hold, on roll), and an approved destruction that
leaves no row with the pupil's id in any table, history included, through the one privileged path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from pupils.models import Pupil
from records.models import DestructionLog, DestructionReview, LegalHold
from records.retention_services import destroy_record, list_due_for_destruction, place_legal_hold
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.records.conftest import give_history

pytestmark = pytest.mark.django_db
BORN = dt.date(1990, 1, 1)  # + 31 years = 2021: past retention


def old_leaver(world, pupil) -> Pupil:
    """A pupil born in 1990 who left, with history, a transfer, documents, accesses: a full record."""
    give_history(world, pupil)
    client = client_for(world.users["senco"])
    client.get(reverse("pupils:record", args=[pupil.uuid]))
    data = {"left_on": "2026-10-16", "destination": "unknown"}
    assert client.post(reverse("records:leave", args=[pupil.uuid]), data).status_code == 302
    with tenant_context(world.trust.pk):
        Pupil.objects.filter(pk=pupil.pk).update(date_of_birth=BORN)
        return Pupil.objects.get(pk=pupil.pk)


def rows_naming(pupil) -> dict[str, int]:
    """Every table of the schema: rows whose pupil key is this pupil's id, or whose text holds the pupil's UUID."""
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = "
            "'pupil_id' AND NOT a.attisdropped) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
        )
        for table, has_pupil_key in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{table}" t WHERE t::text LIKE %s', [f"%{pupil.uuid}%"])
            count = cursor.fetchone()[0]
            if has_pupil_key:
                cursor.execute(f'SELECT count(*) FROM "{table}" WHERE pupil_id = %s', [pupil.pk])
                count += cursor.fetchone()[0]
            if table == "pupils_pupilevent":
                cursor.execute('SELECT count(*) FROM "pupils_pupilevent" WHERE pgh_obj_id = %s', [pupil.pk])
                count += cursor.fetchone()[0]
            if count:
                found[table] = count
    return found


def test_a_destroyed_record_leaves_no_row_with_the_pupils_id_anywhere(world):
    pupil = old_leaver(world.a, world.a.pupils[0])
    with tenant_context(world.a.trust.pk):
        before = rows_naming(pupil)
        assert {"pupils_pupil", "pupils_pupilevent", "pupils_registerchange", "send_accessevent"} <= set(before)
        assert list_due_for_destruction() == 1
        review = DestructionReview.objects.get()
        log = destroy_record(review, approved_by=world.a.users["senco"])
        assert rows_naming(pupil) == {}
        review.refresh_from_db()
        assert review.state == "destroyed" and review.pupil_id is None
        log_text = str(DestructionLog.objects.filter(pk=log.pk).values().get())
        assert pupil.legal_first_name not in log_text and str(pupil.uuid) not in log_text
        assert log.rows_removed["pupils.pupil"] == 1 and log.rows_removed["pupils.registerchange"] == 3
        assert log.approved_by == world.a.users["senco"] and log.record_kind == "SEN file"
        assert not world.a.file.file.storage.exists(world.a.file.file.name)  # the document's file is gone too
    with tenant_context(world.b.trust.pk):
        assert Pupil.objects.count() == len(world.b.pupils)  # the other trust is untouched


def test_the_app_role_still_cannot_delete_audit_rows(world):
    with tenant_context(world.a.trust.pk), pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM pupils_pupilevent")


def test_the_privileged_function_refuses_a_pupil_on_roll_or_an_unknown_review(world):
    from records.models import RetentionRule

    pupil = world.a.pupils[1]
    with tenant_context(world.a.trust.pk):
        Pupil.objects.filter(pk=pupil.pk).update(date_of_birth=BORN)  # past retention, but on roll
        review = DestructionReview.objects.create(
            pupil=pupil, rule=RetentionRule.objects.get(kind="sen_file"), due_on=dt.date(2021, 1, 1)
        )
        before = rows_naming(pupil)
        for key in (str(review.uuid), "00000000-0000-0000-0000-000000000000"):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                sql = "SELECT records_erase_audit_rows(%s, '{\"pupils_pupilevent\": [1]}'::jsonb, true)"
                cursor.execute(sql, [key])
        assert rows_naming(pupil) == before


def test_a_legal_hold_refuses_destruction_and_keeps_the_record_off_the_list(world):
    pupil = old_leaver(world.a, world.a.pupils[1])
    with tenant_context(world.a.trust.pk):
        list_due_for_destruction()
        review = DestructionReview.objects.get()
        hold = place_legal_hold(pupil, reason="A tribunal appeal", by=world.a.users["senco"])
        with pytest.raises(ValidationError, match="legal hold"):
            destroy_record(review, approved_by=world.a.users["senco"])
        assert Pupil.objects.filter(pk=pupil.pk).exists() and not DestructionLog.objects.exists()
        DestructionReview.objects.all().delete()
        assert list_due_for_destruction() == 0  # held: not listed
        LegalHold.objects.filter(pk=hold.pk).update(lifted_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
        assert list_due_for_destruction() == 1


def test_a_pupil_on_roll_is_never_listed_nor_destroyed(world):
    pupil = world.a.pupils[1]
    with tenant_context(world.a.trust.pk):
        Pupil.objects.filter(pk=pupil.pk).update(date_of_birth=BORN)
        assert list_due_for_destruction() == 0
        from records.models import RetentionRule

        review = DestructionReview.objects.create(
            pupil=pupil, rule=RetentionRule.objects.get(kind="sen_file"), due_on=dt.date(2021, 1, 1)
        )
        with pytest.raises(ValidationError, match="still on roll"):
            destroy_record(review, approved_by=world.a.users["senco"])
        assert Pupil.objects.filter(pk=pupil.pk).exists()


def test_a_record_not_yet_due_is_not_listed(world):
    old_leaver(world.a, world.a.pupils[1])
    with tenant_context(world.a.trust.pk):
        Pupil.objects.filter(pk=world.a.pupils[1].pk).update(date_of_birth=dt.date(2017, 3, 1))
        assert list_due_for_destruction() == 0


def test_the_monthly_task_lists_every_trusts_due_records(world):
    from records.tasks import list_due_for_destruction_task

    old_leaver(world.a, world.a.pupils[1])
    old_leaver(world.b, world.b.pupils[1])
    assert list_due_for_destruction_task.run() == 2
    with tenant_context(world.b.trust.pk):
        assert DestructionReview.objects.get().pupil_id == world.b.pupils[1].pk


def test_the_senco_approves_a_destruction_on_the_page_after_a_step_up(world):
    old_leaver(world.a, world.a.pupils[1])
    with tenant_context(world.a.trust.pk):
        list_due_for_destruction()
        review = DestructionReview.objects.get()
    url = reverse("records:destroy", args=[review.uuid])
    page = client_for(world.a.users["senco"]).get(reverse("records:destruction"))
    assert world.a.pupils[1].legal_first_name in page.content.decode()
    assert client_for(world.a.users["senco"], verified=False).post(url, {"confirm": "on"}).status_code == 302
    client_for(world.a.users["senco"]).post(url)  # not confirmed: nothing happens
    with tenant_context(world.a.trust.pk):
        assert Pupil.objects.filter(pk=world.a.pupils[1].pk).exists()
    assert client_for(world.a.users["senco"]).post(url, {"confirm": "on"}).status_code == 302
    with tenant_context(world.a.trust.pk):
        assert not Pupil.objects.filter(pk=world.a.pupils[1].pk).exists()
        assert DestructionLog.objects.count() == 1


@pytest.mark.parametrize("role", ["assistant", "head", "teacher", "dt", "ta", "governor", "admin"])
def test_other_roles_may_not_destroy_nor_hold(world, role):
    old_leaver(world.a, world.a.pupils[1])
    with tenant_context(world.a.trust.pk):
        list_due_for_destruction()
        review = DestructionReview.objects.get()
    client = client_for(world.a.users[role])
    assert client.get(reverse("records:destruction")).status_code == 403
    assert client.post(reverse("records:destroy", args=[review.uuid]), {"confirm": "on"}).status_code in (403, 404)
    hold = client.post(reverse("records:legal_hold", args=[world.a.pupils[0].uuid]), {"reason": "A claim"})
    assert hold.status_code in (403, 404)
    with tenant_context(world.a.trust.pk):
        assert Pupil.objects.filter(pk=world.a.pupils[1].pk).exists()
        assert not LegalHold.objects.exists() and not DestructionLog.objects.exists()


def test_the_senco_places_and_lifts_a_legal_hold(world):
    senco = client_for(world.a.users["senco"])
    assert (
        senco.post(reverse("records:legal_hold", args=[world.a.pupils[0].uuid]), {"reason": "A claim"}).status_code
        == 302
    )
    with tenant_context(world.a.trust.pk):
        hold = LegalHold.objects.get()
        assert hold.placed_by == world.a.users["senco"]
    assert senco.post(reverse("records:lift_legal_hold", args=[hold.uuid])).status_code == 302
    with tenant_context(world.a.trust.pk):
        hold.refresh_from_db()
        assert hold.lifted_at is not None


def test_the_destruction_page_costs_the_same_queries_for_more_records(world):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from records.models import RetentionRule

    client = client_for(world.a.users["senco"])
    client.get(reverse("records:destruction"))

    def listed(pupil) -> None:
        with tenant_context(world.a.trust.pk):
            rule = RetentionRule.objects.get(kind="sen_file")
            DestructionReview.objects.create(pupil=pupil, rule=rule, due_on=dt.date(2048, 1, 1))
            LegalHold.objects.create(pupil=pupil, reason="A claim")

    listed(world.a.pupils[0])
    with CaptureQueriesContext(db) as few:
        client.get(reverse("records:destruction"))
    for pupil in world.a.pupils[1:]:
        listed(pupil)
    with CaptureQueriesContext(db) as many:
        client.get(reverse("records:destruction"))
    assert len(many) == len(few)
