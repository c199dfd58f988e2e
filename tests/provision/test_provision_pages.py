"""Provision pages: the maps and their totals, costs shown, who may do what, bad input, exports, query budgets."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from provision import services
from provision.models import Attendance, Intervention, Session
from provision.tasks import render_provision_pdf
from pupils.models import Pupil
from schools.models import Membership, Role
from send.pdf import PdfJob
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PERIOD = {"starts_on": "2026-09-01", "ends_on": "2027-08-31"}


def page(world: Any, role: str, name: str, params: dict[str, str] | None = None, **kwargs: Any) -> Any:
    return client_for(world.a.users[role]).get(reverse(name, kwargs=kwargs), params or {})


def test_the_provision_map_shows_each_pupils_provision_and_cost(world: Any) -> None:
    response = page(world, "senco", "provision:map", PERIOD)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Pupil0" in body and "Talk Boost" in body
    assert "£57.00" in body  # £90 of staff time ÷ 2 pupils + £12 of resources
    assert "£114.00" in body  # the total
    assert "Notional SEN budget" in body and "Communication and interaction" in body


def test_the_map_filters_by_year_group_and_period(world: Any) -> None:
    body = page(world, "senco", "provision:map", {**PERIOD, "year_group": "5"}).content.decode()
    assert "Pupil0" not in body
    body = page(world, "senco", "provision:map", {"starts_on": "2026-09-07", "ends_on": "2026-09-25"}).content.decode()
    assert "£34.50" in body  # three of the six weeks: £45 ÷ 2 + £12
    response = page(world, "senco", "provision:map", {"starts_on": "2026-10-01", "ends_on": "2026-09-01"})
    assert "The end of the period cannot be before its start." in response.content.decode()


def test_graduated_map_and_impact(world: Any) -> None:
    with tenant_context(world.a.trust.pk):
        services.update_member(
            world.a.members[0],
            left_on=None,
            entry_score=Decimal("82"),
            entry_on=dt.date(2026, 9, 7),
            exit_score=Decimal("91"),
            exit_on=dt.date(2026, 10, 16),
        )
    body = page(world, "senco", "provision:graduated", PERIOD).content.decode()
    assert "Targeted (wave 2)" in body and "Talk Boost" in body and "2 pupils" in body
    body = page(world, "senco", "provision:impact", PERIOD).content.decode()
    assert "1 (100%)" in body and "9.0" in body and "£57.00" in body


def test_the_pupil_record_shows_their_provision_and_a_costed_summary(world: Any) -> None:
    pupil = world.a.pupils[0]
    body = page(world, "teacher", "pupils:record", pupil_uuid=pupil.uuid).content.decode()
    assert "Provision map" in body and "Talk Boost" in body
    costed = page(world, "senco", "provision:pupil_costed", pupil_uuid=pupil.uuid).content.decode()
    assert "£57.00" in costed and "Notional SEN budget" in costed


def test_the_group_page_shows_members_costs_and_sessions(world: Any) -> None:
    body = page(world, "senco", "provision:group", group_uuid=world.a.group.uuid).content.decode()
    assert "£114.00" in body and "6.0 hours" in body and "Pupil1" in body and "Add a pupil" in body


# --- Who may do what --------------------------------------------------------------------------------------


def test_a_ta_records_a_session_of_their_group(world: Any) -> None:
    ta = client_for(world.a.users["ta"])
    url = reverse("provision:session", kwargs={"group_uuid": world.a.group.uuid})
    form = ta.get(url, {"date": "2026-09-10"})
    assert form.status_code == 200 and "Pupil0" in form.content.decode()
    present = str(world.a.members[0].pk)
    response = ta.post(url, {"date": "2026-09-10", "present": [present], "note": "Good focus"})
    assert response.status_code == 302
    with tenant_context(world.a.trust.pk):
        session = Session.objects.get(group=world.a.group, date=dt.date(2026, 9, 10))
        marks = dict(Attendance.objects.filter(session=session).values_list("member_id", "present"))
    assert session.note == "Good focus" and session.recorded_by == world.a.users["ta"]
    assert marks == {world.a.members[0].pk: True, world.a.members[1].pk: False}
    ta.post(url, {"date": "2026-09-10", "present": [present, str(world.a.members[1].pk)], "note": "Corrected"})
    with tenant_context(world.a.trust.pk):
        assert Session.objects.filter(group=world.a.group).count() == 1
        assert Attendance.objects.filter(session__group=world.a.group, present=True).count() == 2


def test_a_ta_cannot_record_for_a_group_they_do_not_lead(world: Any) -> None:
    with tenant_context(world.a.trust.pk):
        other_ta = UserFactory(email="ta2@alpha.example")
        Membership.objects.create(user=other_ta, role=Role.TEACHING_ASSISTANT, school=world.a.school)
    client = client_for(other_ta)
    url = reverse("provision:session", kwargs={"group_uuid": world.a.group.uuid})
    assert client.get(url).status_code == 404
    assert client.post(url, {"date": "2026-09-10", "present": [str(world.a.members[0].pk)]}).status_code == 404
    assert client.get(reverse("provision:group", kwargs={"group_uuid": world.a.group.uuid})).status_code == 404
    with tenant_context(world.a.trust.pk):
        assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("role", "may_record", "may_change"),
    [
        ("senco", True, True),
        ("assistant", True, True),
        ("lead", True, True),
        ("ta", True, False),
        ("head", False, False),
        ("teacher", False, False),
        ("dt", False, False),
    ],
)
def test_recording_and_changing_a_group_by_role(world: Any, role: str, may_record: bool, may_change: bool) -> None:
    client = client_for(world.a.users[role])
    session_url = reverse("provision:session", kwargs={"group_uuid": world.a.group.uuid})
    assert (client.get(session_url).status_code == 200) is may_record
    edit_url = reverse("provision:group_edit", kwargs={"group_uuid": world.a.group.uuid})
    assert (client.get(edit_url).status_code == 200) is may_change
    member_url = reverse(
        "provision:member_edit", kwargs={"group_uuid": world.a.group.uuid, "member_uuid": world.a.members[0].uuid}
    )
    assert (client.get(member_url).status_code == 200) is may_change


@pytest.mark.parametrize(
    ("role", "allowed"), [("senco", True), ("head", True), ("lead", True), ("governor", False), ("admin", False)]
)
def test_who_sees_the_provision_map(world: Any, role: str, allowed: bool) -> None:
    response = page(world, role, "provision:map", PERIOD)
    assert response.status_code == (200 if allowed else 403)
    if allowed:
        assert "Pupil0" in response.content.decode()


def test_a_teacher_sees_no_costed_groups_beyond_their_pupils(world: Any) -> None:
    body = page(world, "teacher", "provision:map", PERIOD).content.decode()
    assert "Talk Boost" not in body  # the map lists groups the person may open: the teacher leads none


def test_only_the_trust_lead_publishes_to_the_trust_catalogue(world: Any) -> None:
    data = {
        "name": "Precision teaching",
        "wave": "targeted",
        "sessions_per_week": "3",
        "session_minutes": "10",
        "weeks": "8",
        "group_size": "1",
        "staffing": "Teaching assistant",
        "resources_cost_per_pupil": "0",
        "measure": "none",
        "need_areas": ["cl"],
    }
    senco = client_for(world.a.users["senco"])
    senco.post(reverse("provision:intervention_create"), data)
    with tenant_context(world.a.trust.pk):
        assert not Intervention.objects.filter(name="Precision teaching").exists()  # a SENCO must choose a school
    senco.post(reverse("provision:intervention_create"), {**data, "school": world.a.school.pk})
    lead = client_for(world.a.users["lead"])
    lead.post(reverse("provision:intervention_create"), {**data, "name": "Lexia"})
    with tenant_context(world.a.trust.pk):
        assert Intervention.objects.get(name="Precision teaching").school == world.a.school
        assert Intervention.objects.get(name="Lexia").school is None
    edit = reverse("provision:intervention_edit", kwargs={"intervention_uuid": world.a.intervention.uuid})
    assert senco.get(edit).status_code == 403  # the trust's entry is the lead's to change
    assert lead.get(edit).status_code == 200
    assert client_for(world.a.users["ta"]).get(reverse("provision:intervention_create")).status_code == 403


def test_rates_are_set_by_the_senco_and_read_by_the_head(world: Any) -> None:
    senco = client_for(world.a.users["senco"])
    response = senco.post(
        reverse("provision:staff_rates"),
        {"school": world.a.school.pk, "school_year": world.a.year.pk, "role_name": "Teacher", "hourly_rate": "38.50"},
    )
    assert response.status_code == 302
    head = client_for(world.a.users["head"])
    listing = head.get(reverse("provision:staff_rates"))
    assert (
        listing.status_code == 200
        and "£38.50" in listing.content.decode()
        and "Add a rate" not in listing.content.decode()
    )
    assert head.post(reverse("provision:staff_rates"), {"role_name": "x"}).status_code == 403
    assert client_for(world.a.users["ta"]).get(reverse("provision:staff_rates")).status_code == 403


# --- Exports and budgets ----------------------------------------------------------------------------------


def test_the_csv_has_a_row_per_pupil_per_group(world: Any) -> None:
    response = page(world, "senco", "provision:csv", PERIOD)
    text = b"".join(response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("UPN,Surname") and len(lines) == 3
    assert lines[1].endswith(",57.00")


def test_the_provision_map_and_costed_summary_pdfs(world: Any) -> None:
    senco = client_for(world.a.users["senco"])
    senco.post(reverse("provision:pdf") + "?starts_on=2026-09-01&ends_on=2027-08-31")
    senco.post(reverse("provision:pupil_costed_pdf", kwargs={"pupil_uuid": world.a.pupils[0].uuid}))
    with tenant_context(world.a.trust.pk):
        jobs = list(PdfJob.objects.filter(kind__in=["provision_map", "costed_provision"]).order_by("kind"))
    texts = []
    for job in jobs:
        assert render_provision_pdf.run(world.a.trust.pk, job.pk) == "ready"
        response = senco.get(reverse("document_download", kwargs={"job_uuid": job.uuid}))
        texts.append(PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text())
    assert "Talk Boost" in texts[0] and "57.00" in texts[0]  # costed provision
    assert "Pupil1" in texts[1] and "114.00" in texts[1]  # the map


def test_map_pages_keep_their_query_count_as_groups_grow(world: Any) -> None:
    senco = client_for(world.a.users["senco"])
    urls = [reverse(n) for n in ("provision:map", "provision:graduated", "provision:impact", "provision:groups")]

    def counts() -> list[int]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert senco.get(url, PERIOD).status_code == 200
            found.append(len(queries))
        return found

    counts()
    small = counts()
    with tenant_context(world.a.trust.pk):
        for i in range(6):
            group = services.save_group(
                None,
                school=world.a.school,
                intervention=world.a.intervention,
                staff=[world.a.users["ta"]],
                name=f"Group {i}",
                staff_role="Teaching assistant",
                sessions_per_week=1,
                session_minutes=20,
                timetable="",
                starts_on=dt.date(2026, 9, 7),
                ends_on=dt.date(2026, 10, 16),
                funding_source="pp",
                resources_cost_per_pupil=Decimal("0"),
            )
            for pupil in world.a.pupils[:3]:
                services.add_member(group, pupil=pupil, joined_on=dt.date(2026, 9, 7))
    assert counts() == small


def test_the_passport_pdf_carries_the_pupils_provision(world: Any) -> None:
    from pupils.models import PassportVersion
    from pupils.tasks import render_passports_pdf

    pupil = world.a.pupils[0]
    with tenant_context(world.a.trust.pk):
        PassportVersion.objects.create(pupil=pupil, number=1, key_strategies="Visual timetable")
        job = PdfJob.objects.create(
            kind="passport", title="Passport", subject_id=str(pupil.uuid), requested_by=world.a.users["senco"]
        )
    assert render_passports_pdf.run(world.a.trust.pk, job.pk) == "ready"
    response = client_for(world.a.users["senco"]).get(reverse("document_download", kwargs={"job_uuid": job.uuid}))
    text = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    squeezed = text.replace(" ", "")  # pypdf may split a kerned word ("T alk")
    assert "Provision" in text and "TalkBoost(MonandThu9:10;7Sep2026to16Oct2026)" in squeezed


def test_a_class_passports_pdf_takes_the_same_queries_for_a_whole_class(world: Any) -> None:
    """Each pupil's provision is read for the class at once: no queries per pupil (it was about six each)."""
    from pupils.models import PassportVersion
    from pupils.tasks import render_passports_pdf
    from tests.test_pages import add_pupils

    senco = world.a.users["senco"]

    def queries() -> int:
        with tenant_context(world.a.trust.pk):
            job = PdfJob.objects.create(
                kind="class_passports", title="Class", subject_id=str(world.a.school_class.uuid), requested_by=senco
            )
        with CaptureQueriesContext(connection) as captured:
            assert render_passports_pdf.run(world.a.trust.pk, job.pk) == "ready"
        return len(captured)

    with tenant_context(world.a.trust.pk):
        PassportVersion.objects.create(pupil=world.a.pupils[0], number=1, key_strategies="Visual timetable")
    queries()
    few = queries()
    add_pupils(world.a, 8)
    with tenant_context(world.a.trust.pk):
        extra = list(Pupil.objects.filter(legal_last_name="Budget"))
        group = services.save_group(
            None,
            school=world.a.school,
            intervention=world.a.intervention,
            staff=[world.a.users["ta"]],
            name="Phonics",
            staff_role="Teaching assistant",
            sessions_per_week=2,
            session_minutes=20,
            timetable="",
            starts_on=dt.date(2026, 9, 7),
            ends_on=dt.date(2026, 10, 16),
            funding_source="pp",
            resources_cost_per_pupil=Decimal("0"),
        )
        for pupil in extra:
            PassportVersion.objects.create(pupil=pupil, number=1, key_strategies="Visual timetable")
            services.add_member(group, pupil=pupil, joined_on=dt.date(2026, 9, 7))
    assert len(extra) == 8
    assert queries() == few


def test_an_intervention_can_be_archived(world: Any) -> None:
    lead = client_for(world.a.users["lead"])
    url = reverse("provision:intervention_edit", kwargs={"intervention_uuid": world.a.intervention.uuid})
    data = {
        "name": "Talk Boost",
        "wave": "targeted",
        "sessions_per_week": "2",
        "session_minutes": "30",
        "weeks": "10",
        "group_size": "4",
        "staffing": "Teaching assistant",
        "resources_cost_per_pupil": "12",
        "measure": "standardised",
        "need_areas": ["ci"],
        "archived": "on",
    }
    assert lead.post(url, data).status_code == 302
    with tenant_context(world.a.trust.pk):
        assert Intervention.objects.get(pk=world.a.intervention.pk).archived
    form = client_for(world.a.users["senco"]).get(reverse("provision:group_create")).content.decode()
    assert ">Talk Boost</option>" not in form  # no new groups of an archived intervention


@pytest.mark.parametrize(
    ("role", "schools", "publishes"),
    [
        ("lead", 2, True),
        ("senco", 1, False),
        ("assistant", 1, False),
        ("head", 0, False),
        ("ta", 0, False),
        ("teacher", 0, False),
        ("admin", 0, False),
        ("governor", 0, False),
    ],
)
def test_who_plans_provision_and_publishes_to_the_trust_catalogue(
    world: Any, role: str, schools: int, publishes: bool
) -> None:
    from schools.models import School
    from send import policy

    user = world.a.users[role]
    with tenant_context(world.a.trust.pk):
        assert policy.visible(user, School, "plan_provision").count() == schools
        assert policy.can(user, "plan_provision", world.a.school) is (schools > 0)
        assert policy.can(user, "publish_catalogue", world.a.trust) is publishes
        assert not policy.can(user, "publish_catalogue", world.b.trust)
