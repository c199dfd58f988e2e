"""The assessment's clocks from the events the law names: the 16-week "no plan" deadline only once the LA decided,
after assessing, not to issue a plan; the draft plan with its 15 days; the clock from the LA becoming responsible."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.ehc import services as ehc_services
from reviews.models import Deadline, EhcAssessmentRequest, EhcPlan
from reviews.statutory import draft_plan_dates, ehc_assessment_deadlines
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.reviews.support import deadlines

D = dt.date
BASE = {"requested_by": "parent", "local_authority": "Norfolk", "received_on": D(2025, 9, 15)}


def test_domain_md_draft_sent_mon_15_dec_2025_comments_by_tue_30_dec() -> None:
    dates = draft_plan_dates(D(2025, 12, 15), D(2025, 12, 17))
    assert dates["comments_by"].date == D(2025, 12, 30)
    assert dates["school_reply_by"].date == D(2026, 1, 1)
    assert "15 days" in dates["comments_by"].rule
    moved = ehc_assessment_deadlines(D(2025, 10, 1), la_became_responsible=True)
    assert moved["decide_to_assess"].date == D(2025, 11, 12)
    assert "becoming responsible" in moved["final_plan"].rule


def _save(a: Any, request: EhcAssessmentRequest | None, **fields: Any) -> EhcAssessmentRequest:
    return ehc_services.save_request(a.pupils[1], request, by=a.users["senco"], **{**BASE, **fields})


@pytest.mark.django_db
def test_the_no_plan_deadline_exists_only_once_the_la_decided_not_to_issue(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        request = _save(a, None)
        assert "notify_no_plan" not in deadlines(a.trust, request=request)
        request = _save(a, request, decision="assess", decided_on=D(2025, 10, 20))
        assert "notify_no_plan" not in deadlines(a.trust, request=request)  # assessing: no "no plan" clock
        request = _save(
            a, request, decision="assess", decided_on=D(2025, 10, 20), outcome="no_plan", outcome_on=D(2026, 1, 5)
        )
    row = deadlines(a.trust, request=request)["notify_no_plan"]
    assert (row.due_on, row.state, row.met_on) == (D(2026, 1, 5), "met", D(2026, 1, 5))
    assert deadlines(a.trust, request=request)["final_plan"].state == "cancelled"


@pytest.mark.django_db
def test_a_draft_is_recorded_with_its_15_days_and_a_draft_after_the_final_plan_is_refused(world: Any) -> None:
    a = world.a
    assessing = {"decision": "assess", "decided_on": D(2025, 10, 20)}
    with tenant_context(a.trust.pk):
        request = _save(a, None, **assessing)
        request = _save(a, request, **assessing, draft_sent_on=D(2025, 12, 15), school_consulted_on=D(2025, 12, 17))
    html = client_for(a.users["senco"]).get(reverse("reviews:ehc_request", args=[request.uuid])).content.decode()
    assert "30 December 2025" in html and "1 January 2026" in html  # comments by; the school's reply by
    with tenant_context(a.trust.pk):
        before = EhcAssessmentRequest.objects.values_list("draft_sent_on", "outcome").get(pk=request.pk)
        with pytest.raises(ValidationError) as after_final:
            _save(
                a,
                request,
                **assessing,
                outcome="plan_issued",
                outcome_on=D(2026, 1, 30),
                draft_sent_on=D(2026, 2, 2),
            )
        assert "draft_sent_on" in after_final.value.message_dict
        with pytest.raises(ValidationError) as no_plan:
            _save(a, request, **assessing, outcome="no_plan", outcome_on=D(2026, 1, 5), draft_sent_on=D(2025, 12, 15))
        assert "outcome" in no_plan.value.message_dict
        assert EhcAssessmentRequest.objects.values_list("draft_sent_on", "outcome").get(pk=request.pk) == before
        # the final plan recorded from the request cannot come before its draft either
        with pytest.raises(ValidationError) as early_plan:
            ehc_services.save_plan(
                a.pupils[1], None, by=a.users["senco"], local_authority="Norfolk", issued_on=D(2025, 12, 1)
            )
        assert "issued_on" in early_plan.value.message_dict
        assert not EhcPlan.objects.filter(pupil=a.pupils[1]).exists()
        assert not Deadline.objects.filter(request=request, kind="notify_no_plan").exists()


@pytest.mark.django_db
def test_the_clock_can_start_on_the_la_becoming_responsible(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        request = _save(a, None, la_responsible_on=D(2025, 10, 1))
    found = deadlines(a.trust, request=request)
    assert found["decide_to_assess"].due_on == D(2025, 11, 12)
    assert found["final_plan"].due_on == D(2026, 2, 18)
    assert "becoming responsible" in found["final_plan"].rule
