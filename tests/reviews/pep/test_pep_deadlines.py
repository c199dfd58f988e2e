"""PEP dates on the one deadline engine (DOMAIN.md, looked-after children): the initial PEP at 10 and 20 working
days, a new PEP within 10 working days of a change, each Virtual School's termly final date; the designated
teacher and the SENCO reminded once per window."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from reviews import statutory
from reviews.deadlines.tasks import scan_statutory_trust
from reviews.models import Deadline, Reminder
from reviews.pep import care_services, services
from send.tenancy import tenant_context
from tests.reviews.pep.support import add_pep

pytestmark = pytest.mark.django_db


def pep_deadlines(trust: Any, pupil: Any) -> dict[str, Deadline]:
    with tenant_context(trust.pk):
        return {d.key.split(":", 2)[2]: d for d in Deadline.objects.filter(key__startswith=f"pep:{pupil.pk}:")}


def test_the_initial_pep_counts_working_days_across_christmas_2026() -> None:
    # Fri 25 Dec and Mon 28 Dec 2026 (Boxing Day's substitute) and Fri 1 Jan 2027 are not working days
    dates = statutory.initial_pep_deadlines(dt.date(2026, 12, 14))
    assert dates["started"].date == dt.date(2026, 12, 30)
    assert dates["ready"].date == dt.date(2027, 1, 14)
    assert "20 working days" in dates["ready"].rule


def test_a_change_of_school_counts_working_days_across_easter_2027() -> None:
    # Good Friday 26 Mar and Easter Monday 29 Mar 2027
    assert statutory.new_pep_deadline(dt.date(2027, 3, 22)).date == dt.date(2027, 4, 7)


def test_a_care_record_puts_the_initial_pep_on_the_engine_and_a_pep_meets_it(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        vs = care_services.save_virtual_school(None, name="Essex Virtual School", local_authority="Essex")
        care_services.save_care_record(
            a.looked_after, None, by=a.users["dt"], virtual_school=vs, looked_after_on=dt.date(2025, 12, 15)
        )
    found = pep_deadlines(a.trust, a.looked_after)
    assert {k: (d.kind, d.due_on, d.state) for k, d in found.items()} == {
        "started:2025-12-15": ("pep_started", dt.date(2025, 12, 31), "open"),
        "ready:2025-12-15": ("pep_ready", dt.date(2026, 1, 15), "open"),
    }
    with tenant_context(a.trust.pk):
        pep = services.start_pep(
            a.looked_after, by=a.users["dt"], due_on=dt.date(2026, 1, 15), started_on=dt.date(2025, 12, 19)
        )
        services.save_target(pep, None, wording="Settle into class", review_on=dt.date(2026, 2, 6))
        services.update_pep(pep, by=a.users["dt"], child_voice="I miss my old school.")
        services.transition(pep, "ready", by=a.users["dt"], on=dt.date(2026, 1, 14))
    found = pep_deadlines(a.trust, a.looked_after)
    assert (found["started:2025-12-15"].state, found["started:2025-12-15"].met_on) == ("met", dt.date(2025, 12, 19))
    assert (found["ready:2025-12-15"].state, found["ready:2025-12-15"].met_on) == ("met", dt.date(2026, 1, 14))


def test_a_change_of_school_mid_term_asks_for_a_new_pep_within_10_working_days(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    with tenant_context(a.trust.pk):
        event = care_services.record_care_event(
            pw.record, by=a.users["dt"], kind="school", happened_on=dt.date(2026, 3, 30), detail="Moved to us"
        )
    change = pep_deadlines(a.trust, a.looked_after)[f"change:{event.pk}"]
    # Good Friday 3 Apr and Easter Monday 6 Apr 2026 are not working days
    assert (change.kind, change.due_on, change.state) == ("pep_after_change", dt.date(2026, 4, 15), "open")
    with tenant_context(a.trust.pk):
        services.start_pep(
            a.looked_after, by=a.users["dt"], due_on=dt.date(2026, 4, 15), started_on=dt.date(2026, 4, 8)
        )
    change = pep_deadlines(a.trust, a.looked_after)[f"change:{event.pk}"]
    assert (change.state, change.met_on) == ("met", dt.date(2026, 4, 8))


def test_each_virtual_school_term_is_a_deadline_met_by_submitting_that_terms_pep(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    found = pep_deadlines(a.trust, a.looked_after)
    termly = {d.due_on: d.state for d in found.values() if d.kind == "pep_termly"}
    assert termly == {dt.date(2026, 12, 4): "open", dt.date(2027, 3, 19): "open", dt.date(2027, 7, 9): "open"}
    with tenant_context(a.trust.pk):
        services.transition(pw.pep, "ready", by=a.users["dt"], on=dt.date(2026, 11, 30))
        services.transition(pw.pep, "submit", by=a.users["dt"], on=dt.date(2026, 12, 1))
        # the Virtual School moves its spring date: the deadline follows
        care_services.save_virtual_school_term(
            pw.norfolk, pw.terms[1], school_year=a.year, name="Spring", final_date=dt.date(2027, 3, 12)
        )
    found = pep_deadlines(a.trust, a.looked_after)
    autumn, spring = found[f"term:{pw.terms[0].pk}"], found[f"term:{pw.terms[1].pk}"]
    assert (autumn.state, autumn.met_on) == ("met", dt.date(2026, 12, 1))
    assert (spring.due_on, spring.state) == (dt.date(2027, 3, 12), "open")
    assert "final date" in spring.rule


def test_a_pupil_who_leaves_care_keeps_met_deadlines_and_the_open_ones_are_cancelled(world: Any) -> None:
    a = world.a
    add_pep(a)
    with tenant_context(a.trust.pk):
        care_services.leave_care(
            a.looked_after, by=a.users["dt"], on=dt.date(2026, 11, 30), route="adoption", declared=True
        )
        a.looked_after.refresh_from_db()
        assert (a.looked_after.is_looked_after, a.looked_after.is_previously_looked_after) == (False, True)
    states = {k: d.state for k, d in pep_deadlines(a.trust, a.looked_after).items()}
    assert states["started:2025-09-01"] == "met"
    assert {s for k, s in states.items() if k != "started:2025-09-01"} == {"cancelled"}


def test_the_designated_teacher_and_the_senco_are_reminded_once_per_window(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    autumn_key = f"pep:{a.looked_after.pk}:term:{pw.terms[0].pk}"
    first = scan_statutory_trust(a.trust.pk, "2026-11-27")  # a week before the autumn final date
    assert scan_statutory_trust(a.trust.pk, "2026-11-27") == 0
    assert first > 0
    with tenant_context(a.trust.pk):
        reminded = set(Reminder.objects.filter(deadline__key=autumn_key).values_list("recipient__email", "window_days"))
    assert reminded == {(a.users[r].email, 7) for r in ("dt", "senco", "assistant")}
    assert a.users["teacher"].email not in {email for email, _ in reminded}
    with tenant_context(a.trust.pk):
        link = Deadline.objects.get(key=autumn_key).subject_url
    assert link == f"/reviews/pep/pupils/{a.looked_after.uuid}/"
