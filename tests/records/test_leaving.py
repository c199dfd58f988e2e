"""Leavers: the 15-school-day transfer on the deadline engine, a move inside the trust and out of it, the archive
(read-only, out of current lists, seen by the SENCO and head), the record marked sent, and the transfer pack."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from pupils.models import Pupil
from records.models import Transfer
from records.tasks import render_transfer_pack_pdf
from records.transfer_services import start_transfers_for_leavers, transfer_due_on
from reviews.deadlines.models import Deadline
from schools.models import Term
from send.pdf import PdfJob
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
D = dt.date
LEFT = D(2026, 10, 16)  # the Friday before the October half term


def leave(world, role: str, pupil, **data):
    values = {"left_on": LEFT.isoformat(), "destination": "school", "destination_urn": "999999"}
    values["destination_name"] = "Far Away Academy"
    return client_for(world.users[role]).post(reverse("records:leave", args=[pupil.uuid]), {**values, **data})


def autumn_2(world) -> None:
    with tenant_context(world.trust.pk):
        Term.objects.create(
            school=world.school,
            school_year=world.year,
            name="Autumn 2",
            starts_on=D(2026, 11, 2),
            ends_on=D(2026, 12, 18),
        )


def test_the_record_is_due_15_school_days_after_leaving_across_the_half_term(world):
    with tenant_context(world.a.trust.pk):
        # only Autumn 1 entered: counted in working days, which is never later, and the rule says so
        due, rule = transfer_due_on(world.a.school.pk, LEFT)
        assert due == D(2026, 11, 6) and "working days" in rule
    autumn_2(world.a)
    with tenant_context(world.a.trust.pk):
        assert transfer_due_on(world.a.school.pk, LEFT) == (
            D(2026, 11, 13),
            transfer_due_on(world.a.school.pk, LEFT)[1],
        )
        assert "working days" not in transfer_due_on(world.a.school.pk, LEFT)[1]


def test_a_bank_holiday_inside_the_summer_term_is_not_counted(world):
    with tenant_context(world.a.trust.pk):
        Term.objects.create(
            school=world.a.school,
            school_year=world.a.year,
            name="Summer 1",
            starts_on=D(2027, 4, 12),
            ends_on=D(2027, 5, 28),
        )
        assert transfer_due_on(world.a.school.pk, D(2027, 4, 23))[0] == D(2027, 5, 17)  # Mon 3 May skipped


def test_a_leaver_outside_the_trust_is_archived_with_a_tracked_deadline(world):
    autumn_2(world.a)
    pupil = world.a.pupils[0]
    response = leave(world.a, "senco", pupil)
    assert response.status_code == 302
    with tenant_context(world.a.trust.pk):
        transfer = Transfer.objects.get(pupil=pupil)
        deadline = Deadline.objects.get(kind="record_transfer", pupil=pupil)
        pupil.refresh_from_db()
    assert response.url == reverse("records:transfer", args=[transfer.uuid])
    assert (transfer.destination_urn, transfer.due_on, transfer.to_school) == ("999999", D(2026, 11, 13), None)
    assert (deadline.due_on, deadline.state) == (D(2026, 11, 13), "open")
    assert pupil.leaving_date == LEFT and pupil.school_class is None
    senco, head, teacher = (client_for(world.a.users[r]) for r in ("senco", "head", "teacher"))
    record = reverse("pupils:record", args=[pupil.uuid])
    # out of the register (a current-pupil list) and its figures
    assert pupil.legal_first_name not in senco.get(reverse("pupils:register")).content.decode()
    # read-only, for the SENCO and the head only
    assert senco.get(record).status_code == 200 and head.get(record).status_code == 200
    assert teacher.get(record).status_code == 404
    assert senco.post(reverse("pupils:register_entry", args=[pupil.uuid]), {"status": "N"}).status_code == 403
    assert leave(world.a, "senco", pupil).status_code == 403  # no second leaving of an archived record
    assert pupil.legal_first_name in senco.get(reverse("records:archive")).content.decode()
    assert pupil.legal_first_name in head.get(reverse("records:archive")).content.decode()
    assert teacher.get(reverse("records:archive")).status_code == 403


def test_a_move_inside_the_trust_takes_the_record_and_its_open_deadlines_along(world):
    pupil = world.a.pupils[0]  # has an open EHC needs assessment request, with its deadlines
    with tenant_context(world.a.trust.pk):
        assert Deadline.objects.filter(pupil=pupil, state="open").exists()
    assert leave(world.a, "senco", pupil, destination_urn=world.a.schools[1].urn).status_code == 302
    with tenant_context(world.a.trust.pk):
        pupil.refresh_from_db()
        transfer = Transfer.objects.get(pupil=pupil)
        open_schools = set(Deadline.objects.filter(pupil=pupil, state="open").values_list("school_id", flat=True))
        sent = Deadline.objects.get(kind="record_transfer", pupil=pupil)
    assert pupil.school_id == world.a.schools[1].pk and pupil.leaving_date is None  # not archived
    assert open_schools == {world.a.schools[1].pk}
    assert transfer.sent_how == "within_trust" and sent.state == "met"


@pytest.mark.parametrize("role", ["assistant", "teacher", "head", "ta", "dt", "governor", "admin"])
def test_only_those_who_keep_the_register_record_a_leaver(world, role):
    pupil = world.a.pupils[0]
    assert leave(world.a, role, pupil).status_code in (403, 404)
    with tenant_context(world.a.trust.pk):
        assert not Transfer.objects.exists()
        assert Pupil.objects.get(pk=pupil.pk).leaving_date is None


def test_a_destination_school_needs_its_urn(world):
    response = leave(world.a, "senco", world.a.pupils[0], destination_urn="12")
    assert response.status_code == 200 and "URN is 6 digits" in response.content.decode()
    with tenant_context(world.a.trust.pk):
        assert not Transfer.objects.exists()


def test_marking_the_record_sent_meets_the_deadline_and_says_who(world):
    leave(world.a, "senco", world.a.pupils[1])
    with tenant_context(world.a.trust.pk):
        transfer = Transfer.objects.get()
    url = reverse("records:transfer_sent", args=[transfer.uuid])
    data = {"sent_on": "2026-10-20", "how": "s2s", "note": "S2S ref 123"}
    assert client_for(world.a.users["head"]).post(url, data).status_code == 403  # the head sees, but may not
    assert client_for(world.a.users["teacher"]).post(url, data).status_code == 404
    with tenant_context(world.a.trust.pk):
        assert Transfer.objects.get().sent_on is None
    assert client_for(world.a.users["senco"]).post(url, data).status_code == 302
    with tenant_context(world.a.trust.pk):
        transfer.refresh_from_db()
        deadline = Deadline.objects.get(kind="record_transfer")
    assert (transfer.sent_on, transfer.sent_how, transfer.sent_by) == (D(2026, 10, 20), "s2s", world.a.users["senco"])
    assert (deadline.state, deadline.met_on) == ("met", D(2026, 10, 20))


def test_the_la_is_told_of_the_move_of_a_pupil_with_an_ehc_plan(world):
    pupil = world.a.pupils[2]  # EHC plan
    leave(world.a, "senco", pupil)
    with tenant_context(world.a.trust.pk):
        transfer = Transfer.objects.get()
    page = client_for(world.a.users["senco"]).get(reverse("records:transfer", args=[transfer.uuid]))
    assert "LA told of the move" in page.content.decode()
    url = reverse("records:transfer_la_told", args=[transfer.uuid])
    assert client_for(world.a.users["senco"]).post(url, {"told_on": "2026-10-19"}).status_code == 302
    with tenant_context(world.a.trust.pk):
        transfer.refresh_from_db()
    assert (transfer.la_told_on, transfer.la_told_by) == (D(2026, 10, 19), world.a.users["senco"])


def test_a_leaving_date_from_the_mis_starts_a_transfer_before_the_morning_scan(world):
    with tenant_context(world.a.trust.pk):
        Pupil.objects.filter(pk=world.a.pupils[1].pk).update(leaving_date=LEFT)
        assert start_transfers_for_leavers() == 1
        assert start_transfers_for_leavers() == 0  # once
        transfer = Transfer.objects.get()
        assert transfer.destination == "unknown"
        assert Deadline.objects.filter(kind="record_transfer", pupil=world.a.pupils[1], state="open").exists()


def test_the_worker_prepares_the_transfer_pack(world):
    leave(world.a, "senco", world.a.pupils[2])
    with tenant_context(world.a.trust.pk):
        transfer = Transfer.objects.get()
    response = client_for(world.a.users["senco"]).post(reverse("records:transfer_pack", args=[transfer.uuid]))
    assert response.status_code == 302
    with tenant_context(world.a.trust.pk):
        job = PdfJob.objects.get(kind="transfer_pack")
        assert render_transfer_pack_pdf.run(world.a.trust.pk, job.pk) == "ready"
        job.refresh_from_db()
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(job.file.read())).pages)
    assert "Transfer pack: Pupil2" in text and "SEN register history" in text and "EHC plan" in text
    assert (
        client_for(world.a.users["head"]).post(reverse("records:transfer_pack", args=[transfer.uuid])).status_code
        == 403
    )


def test_the_archive_costs_the_same_queries_for_more_leavers(world):
    client = client_for(world.a.users["senco"])
    client.get(reverse("records:archive"))
    leave(world.a, "senco", world.a.pupils[0])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("records:archive"))
    leave(world.a, "senco", world.a.pupils[1])
    leave(world.a, "senco", world.a.pupils[2])
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("records:archive"))
    assert len(many) == len(few)
