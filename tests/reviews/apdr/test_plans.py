"""APDR plans: every state transition per role, carried-forward targets, due and overdue on fixed dates,
reminders exactly once, quality checks, PDFs, and bad input."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from reviews.apdr import selectors, services
from reviews.apdr.tasks import render_plan_pdf, scan_trust
from reviews.deadlines.tasks import scan_statutory_trust, send_digests
from reviews.models import Deadline, Plan, PlanState, PlanTransition, Reminder, Target
from send.pdf import PdfJob
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def act(world: Any, role: str, action: str) -> Any:
    url = reverse("reviews:plan_transition", kwargs={"plan_uuid": world.a.plan.uuid, "action": action})
    return client_for(world.a.users[role]).post(url, {"comment": "Make the target smaller"})


def state(world: Any) -> str:
    with tenant_context(world.a.trust.pk):
        return Plan.objects.get(pk=world.a.plan.pk).state


def set_state(world: Any, value: str) -> None:
    with tenant_context(world.a.trust.pk):
        Plan.objects.filter(pk=world.a.plan.pk).update(state=value)


# --- Transitions, per role ---------------------------------------------------------------------------------

# (action, from state, to state when allowed, roles allowed); every other role is refused.
TRANSITIONS = [
    ("submit", PlanState.DRAFT, PlanState.SUBMITTED, {"teacher", "senco", "assistant", "lead"}),
    ("sign_off", PlanState.SUBMITTED, PlanState.ACTIVE, {"senco", "assistant", "lead"}),
    ("sign_off", PlanState.DRAFT, PlanState.ACTIVE, {"senco", "assistant", "lead"}),
    ("return", PlanState.SUBMITTED, PlanState.DRAFT, {"senco", "assistant", "lead"}),
    ("start_review", PlanState.ACTIVE, PlanState.DUE, {"teacher", "senco", "assistant", "lead"}),
]
ROLES = ["lead", "senco", "assistant", "dt", "teacher", "ta", "head", "governor", "admin"]


@pytest.mark.parametrize(("action", "before", "after", "allowed"), TRANSITIONS)
@pytest.mark.parametrize("role", ROLES)
def test_each_transition_is_allowed_or_refused_by_role(
    world: Any, role: str, action: str, before: str, after: str, allowed: set[str]
) -> None:
    set_state(world, before)
    response = act(world, role, action)
    if role in allowed:
        assert response.status_code == 302
        assert state(world) == after
        with tenant_context(world.a.trust.pk):
            step = PlanTransition.objects.filter(plan=world.a.plan).latest("at")
        assert (step.action, step.from_state, step.to_state, step.by) == (action, before, after, world.a.users[role])
    else:
        assert response.status_code in {403, 404}
        assert state(world) == before


@pytest.mark.parametrize(
    ("action", "wrong"),
    [
        ("submit", PlanState.ACTIVE),
        ("sign_off", PlanState.ACTIVE),
        ("return", PlanState.DRAFT),
        ("start_review", PlanState.DRAFT),
        ("sign_off", PlanState.REVIEWED),
    ],
)
def test_a_transition_from_the_wrong_state_is_refused_with_a_reason(world: Any, action: str, wrong: str) -> None:
    set_state(world, wrong)
    response = act(world, "senco", action)
    assert state(world) == wrong
    message = [str(m) for m in response.wsgi_request._messages]
    assert message and message[0].startswith("You cannot")


def test_signing_off_a_plan_with_no_target_is_refused(world: Any) -> None:
    with tenant_context(world.a.trust.pk):
        Target.objects.filter(plan=world.a.plan).delete()
    response = act(world, "senco", "sign_off")
    assert state(world) == PlanState.DRAFT
    assert "Add at least one target" in str(next(iter(response.wsgi_request._messages)))


def test_returning_needs_a_comment_for_the_teacher(world: Any) -> None:
    set_state(world, PlanState.SUBMITTED)
    url = reverse("reviews:plan_transition", kwargs={"plan_uuid": world.a.plan.uuid, "action": "return"})
    client_for(world.a.users["senco"]).post(url, {"comment": " "})
    assert state(world) == PlanState.SUBMITTED
    act(world, "senco", "return")
    with tenant_context(world.a.trust.pk):
        assert Plan.objects.get(pk=world.a.plan.pk).senco_comment == "Make the target smaller"


# --- Review and carry-forward ------------------------------------------------------------------------------


def test_closing_a_review_carries_the_chosen_unmet_targets_forward(world: Any) -> None:
    set_state(world, PlanState.DUE)
    with tenant_context(world.a.trust.pk):
        second = services.save_target(world.a.plan, None, wording="Ask for help with a card", success_criteria="Daily")
        third = services.save_target(
            world.a.plan, None, wording="Read 20 high-frequency words", success_criteria="Test"
        )
    target = world.a.target
    data = {
        "reviewed_on": "2026-11-20",
        "what_worked": "Now and next board",
        "next_steps": "Smaller steps",
        f"progress_{target.pk}": "partly",
        f"note_{target.pk}": "3 of 5",
        f"carry_{target.pk}": "on",
        f"progress_{second.pk}": "met",
        f"progress_{third.pk}": "not_met",
    }
    response = client_for(world.a.users["teacher"]).post(
        reverse("reviews:plan_review", kwargs={"plan_uuid": world.a.plan.uuid}), data
    )
    assert response.status_code == 302
    with tenant_context(world.a.trust.pk):
        closed = Plan.objects.get(pk=world.a.plan.pk)
        following = Plan.objects.get(pupil=world.a.pupils[0], cycle=2)
        carried = list(following.targets.all())
    assert closed.state == PlanState.REVIEWED and closed.reviewed_on == dt.date(2026, 11, 20)
    assert following.state == PlanState.DRAFT and following.starts_on == dt.date(2026, 11, 20)
    assert [(t.wording, t.carried_from_id, t.progress) for t in carried] == [(target.wording, target.pk, "")]
    assert following.strategies == closed.strategies


def test_a_met_target_cannot_be_carried_and_every_target_needs_progress(world: Any) -> None:
    set_state(world, PlanState.DUE)
    url = reverse("reviews:plan_review", kwargs={"plan_uuid": world.a.plan.uuid})
    target = world.a.target
    teacher = client_for(world.a.users["teacher"])
    body = teacher.post(url, {"reviewed_on": "2026-11-20"}).content.decode()
    assert "Give the progress on every target" in body
    body = teacher.post(
        url, {"reviewed_on": "2026-11-20", f"progress_{target.pk}": "met", f"carry_{target.pk}": "on"}
    ).content.decode()
    assert "Only targets not met or partly met are carried forward." in body
    body = teacher.post(url, {"reviewed_on": "2026-09-01", f"progress_{target.pk}": "met"}).content.decode()
    assert "The review cannot be before the plan started." in body
    assert state(world) == PlanState.DUE


def test_a_reviewed_plan_is_a_record(world: Any) -> None:
    set_state(world, PlanState.REVIEWED)
    with tenant_context(world.a.trust.pk), pytest.raises(Exception, match="reviewed plan is a record"):
        services.save_target(Plan.objects.get(pk=world.a.plan.pk), None, wording="More")


# --- Bad input --------------------------------------------------------------------------------------------


def test_a_review_date_before_the_start_is_refused(world: Any) -> None:
    teacher = client_for(world.a.users["teacher"])
    url = reverse("reviews:plan_edit", kwargs={"plan_uuid": world.a.plan.uuid})
    body = teacher.post(url, {"starts_on": "2026-09-07", "review_on": "2026-09-01"}).content.decode()
    assert "The review date cannot be before the plan starts." in body
    with tenant_context(world.a.trust.pk):
        assert Plan.objects.get(pk=world.a.plan.pk).review_on == dt.date(2026, 12, 11)


def test_a_target_with_no_wording_is_refused(world: Any) -> None:
    url = reverse("reviews:target_add", kwargs={"plan_uuid": world.a.plan.uuid})
    body = client_for(world.a.users["teacher"]).post(url, {"wording": "  ", "outcome": "x"}).content.decode()
    assert "This field is required." in body or "Write the target" in body
    with tenant_context(world.a.trust.pk):
        assert Target.objects.filter(plan=world.a.plan).count() == 1


def test_only_one_open_plan_per_pupil(world: Any) -> None:
    url = reverse("reviews:plan_start", kwargs={"pupil_uuid": world.a.pupils[0].uuid})
    body = client_for(world.a.users["senco"]).post(url, {"starts_on": "2026-11-02"}).content.decode()
    assert "already has an open plan" in body


def test_starting_a_plan_defaults_the_review_to_the_end_of_term(world: Any) -> None:
    # The world's term (Autumn 1) ends Fri 23 Oct 2026; the school reviews 7 days before the end of term.
    url = reverse("reviews:plan_start", kwargs={"pupil_uuid": world.a.pupils[1].uuid})
    response = client_for(world.a.users["teacher"]).post(url, {"starts_on": "2026-09-07"})
    assert response.status_code == 302
    with tenant_context(world.a.trust.pk):
        plan = Plan.objects.get(pupil=world.a.pupils[1])
    assert plan.review_on == dt.date(2026, 10, 16) and plan.cycle == 1 and plan.written_by == world.a.users["teacher"]


def test_a_teacher_cannot_start_a_plan_for_a_pupil_they_do_not_teach(world: Any) -> None:
    url = reverse("reviews:plan_start", kwargs={"pupil_uuid": world.a.pupils[2].uuid})  # in the other class
    assert client_for(world.a.users["teacher"]).get(url).status_code in {403, 404}
    assert client_for(world.a.users["senco"]).get(url).status_code == 200


# --- Cadence and reminders --------------------------------------------------------------------------------


def test_due_and_overdue_on_fixed_dates(world: Any) -> None:
    set_state(world, PlanState.ACTIVE)
    with tenant_context(world.a.trust.pk):
        senco = world.a.users["senco"]
        assert selectors.due_and_overdue(senco, dt.date(2026, 11, 26)) == []  # review 11 Dec: 15 days away
        rows = selectors.due_and_overdue(senco, dt.date(2026, 11, 27))  # 14 days: due
        assert [(label, teacher, [p.pk for p in plans]) for label, teacher, plans in rows] == [
            ("Rowan (Alpha Primary)", world.a.users["teacher"].full_name, [world.a.plan.pk])
        ]
        assert not rows[0][2][0].overdue
        late = selectors.due_and_overdue(senco, dt.date(2026, 12, 12))[0][2][0]
        assert late.overdue


def test_the_morning_scans_twice_mark_the_plan_due_once_and_remind_its_teacher_once(world: Any) -> None:
    with tenant_context(world.a.trust.pk):
        plan = services.transition(Plan.objects.get(pk=world.a.plan.pk), "sign_off", by=world.a.users["senco"])
        services.update_plan(plan, by=world.a.users["teacher"], review_on=TODAY + dt.timedelta(days=10))
        deadline = Deadline.objects.get(plan=plan)
        assert (deadline.kind, deadline.due_on, deadline.state) == (
            "plan_review",
            TODAY + dt.timedelta(days=10),
            "open",
        )
    assert scan_trust.run(world.a.trust.pk) == 1
    assert scan_trust.run(world.a.trust.pk) == 0
    assert state(world) == PlanState.DUE
    mail.outbox.clear()
    scan_statutory_trust.run(world.a.trust.pk)
    scan_statutory_trust.run(world.a.trust.pk)
    with tenant_context(world.a.trust.pk):
        [reminder] = Reminder.objects.filter(deadline__plan=plan)
        assert PlanTransition.objects.filter(plan=world.a.plan, action="mark_due").count() == 1
    assert (reminder.recipient, reminder.window_days) == (world.a.users["teacher"], 14)
    send_digests.run(world.a.trust.pk)
    send_digests.run(world.a.trust.pk)
    to_teacher = [m for m in mail.outbox if m.to == [world.a.users["teacher"].email]]
    assert len(to_teacher) == 1 and "SEN support plan (APDR) reviewed" in to_teacher[0].body
    assert f"/reviews/plans/{plan.uuid}/" in to_teacher[0].body


def test_a_plans_review_date_follows_it_in_the_deadline_table(world: Any) -> None:
    with tenant_context(world.a.trust.pk):
        assert not Deadline.objects.filter(plan=world.a.plan).exists()  # a draft has no deadline yet
        plan = services.transition(Plan.objects.get(pk=world.a.plan.pk), "sign_off", by=world.a.users["senco"])
        assert Deadline.objects.get(plan=plan).due_on == dt.date(2026, 12, 11)
        Deadline.objects.filter(plan=plan).delete()  # lost: the morning scan puts it back
    scan_statutory_trust.run(world.a.trust.pk)
    with tenant_context(world.a.trust.pk):
        assert Deadline.objects.get(plan=plan).state == "open"
        services.close_review(
            plan,
            by=world.a.users["teacher"],
            reviewed_on=TODAY,
            progress={world.a.target.pk: ("met", "")},
            what_worked="",
            next_steps="",
            carry_forward=set(),
        )
        assert (Deadline.objects.get(plan=plan).state, Deadline.objects.get(plan=plan).met_on) == ("met", TODAY)


def test_a_plan_of_a_pupil_without_a_class_teacher_reminds_the_senco(world: Any) -> None:
    with tenant_context(world.a.trust.pk):
        pupil = world.a.pupils[0]
        pupil.school_class = world.a.other_class  # Oak has no teacher
        pupil.save()
        plan = services.transition(Plan.objects.get(pk=world.a.plan.pk), "sign_off", by=world.a.users["senco"])
        services.update_plan(plan, by=world.a.users["senco"], review_on=TODAY + dt.timedelta(days=3))
    scan_statutory_trust.run(world.a.trust.pk)
    with tenant_context(world.a.trust.pk):
        recipients = set(Reminder.objects.filter(deadline__plan=plan).values_list("recipient", flat=True))
    assert recipients == {world.a.users["senco"].pk}


def test_plans_far_from_review_are_left_alone(world: Any) -> None:
    set_state(world, PlanState.ACTIVE)
    with tenant_context(world.a.trust.pk):
        Plan.objects.filter(pk=world.a.plan.pk).update(review_on=TODAY + dt.timedelta(days=40))
    assert scan_trust.run(world.a.trust.pk) == 0
    assert state(world) == PlanState.ACTIVE


# --- Pages, quality, PDFs ---------------------------------------------------------------------------------


def test_the_plan_page_and_the_record_section(world: Any) -> None:
    teacher = client_for(world.a.users["teacher"])
    body = teacher.get(reverse("reviews:plan", kwargs={"plan_uuid": world.a.plan.uuid})).content.decode()
    assert "Follow a two-step instruction" in body and "Send to the SENCO for sign-off" in body
    assert "Sign off the plan" not in body
    record = teacher.get(reverse("pupils:record", kwargs={"pupil_uuid": world.a.pupils[0].uuid})).content.decode()
    assert "SEN support plan 1" in record


def test_a_school_can_call_them_ieps(world: Any) -> None:
    with tenant_context(world.a.trust.pk):
        world.a.school.plan_label = "IEP"
        world.a.school.save()
    body = (
        client_for(world.a.users["senco"])
        .get(reverse("reviews:plan", kwargs={"plan_uuid": world.a.plan.uuid}))
        .content.decode()
    )
    assert "IEP 1" in body


def test_the_senco_quality_view(world: Any) -> None:
    with tenant_context(world.a.trust.pk):
        Target.objects.filter(pk=world.a.target.pk).update(success_criteria="", provision=None)
    body = client_for(world.a.users["senco"]).get(reverse("reviews:dashboard")).content.decode()
    assert "without an active plan (1)" in body  # pupil 0's plan is a draft: not active yet
    assert "not measurable (1)" in body and "without provision (1)" in body
    assert client_for(world.a.users["teacher"]).get(reverse("reviews:dashboard")).status_code == 403


@pytest.mark.parametrize(("plain", "expected"), [("", "How we will know"), ("1", "What I am working on")])
def test_plan_pdfs_for_the_parents_meeting(world: Any, plain: str, expected: str) -> None:
    senco = client_for(world.a.users["senco"])
    senco.post(reverse("reviews:plan_pdf", kwargs={"plan_uuid": world.a.plan.uuid}), {"plain": plain})
    with tenant_context(world.a.trust.pk):
        job = PdfJob.objects.filter(kind__startswith="plan").latest("created_at")
    assert render_plan_pdf.run(world.a.trust.pk, job.pk) == "ready"
    response = senco.get(reverse("document_download", kwargs={"job_uuid": job.uuid}))
    text = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text().replace(" ", "")
    assert expected.replace(" ", "") in text and "Followatwo-stepinstruction" in text


def test_the_trust_admin_sets_the_plan_name_and_review_lead_time(world: Any) -> None:
    from schools.models import School

    school = world.a.school
    url = reverse("schools:school_edit", kwargs={"school_uuid": school.uuid})
    data = {
        "name": school.name,
        "urn": school.urn,
        "la_code": school.la_code,
        "establishment_number": school.establishment_number,
        "phase": school.phase,
        "plan_label": "IEP",
        "plan_review_days_before_term_end": "10",
    }
    assert client_for(world.a.users["admin"]).post(url, data).status_code == 302
    with tenant_context(world.a.trust.pk):
        saved = School.objects.get(pk=school.pk)
        assert (saved.plan_label, saved.plan_review_days_before_term_end) == ("IEP", 10)
        assert services.default_review_date(saved, dt.date(2026, 9, 7)) == dt.date(2026, 10, 13)


def test_the_assessment_links_the_documents_and_conversations_it_used(world: Any) -> None:
    from pupils.models import ContactLogEntry

    with tenant_context(world.a.trust.pk):
        talk = ContactLogEntry.objects.create(
            pupil=world.a.pupils[0], happened_on=dt.date(2026, 9, 3), with_whom="Mum", method="phone", summary="Worried"
        )
        elsewhere = ContactLogEntry.objects.create(
            pupil=world.a.pupils[1], happened_on=dt.date(2026, 9, 3), with_whom="Dad", method="phone", summary="Fine"
        )
    url = reverse("reviews:plan_edit", kwargs={"plan_uuid": world.a.plan.uuid})
    data = {
        "starts_on": "2026-09-07",
        "review_on": "2026-12-11",
        "contact_log_used": [talk.pk],
        "documents_used": [world.a.file.pk],
    }
    teacher = client_for(world.a.users["teacher"])
    assert teacher.post(url, data).status_code == 302
    body = teacher.get(reverse("reviews:plan", kwargs={"plan_uuid": world.a.plan.uuid})).content.decode()
    assert world.a.file.original_name in body and "Mum" in body
    refused = teacher.post(url, {**data, "contact_log_used": [elsewhere.pk]})
    assert "Select a valid choice" in refused.content.decode()  # another pupil's conversation is not offered
