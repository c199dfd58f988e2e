"""The register and the plans agree: recording an EHC plan offers to set the register to E, as a register change
with its history; when the register's rules refuse it, nothing is saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from pupils.models import Pupil, RegisterChange
from reviews.models import EhcPlan
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PLAN = {"local_authority": "Norfolk", "issued_on": "2026-11-30", "review_every_months": "12"}


def test_recording_a_plan_sets_the_register_to_e_with_its_history(world: Any) -> None:
    a = world.a
    pupil = a.pupils[0]  # at SEN support (K), primary need SLCN
    url = reverse("reviews:ehc_plan_new", args=[pupil.uuid])
    page = client_for(a.users["senco"]).get(url).content.decode()
    assert "Set the pupil&#x27;s SEN register status to E" in page or "Set the pupil's SEN register status to E" in page
    response = client_for(a.users["senco"]).post(url, {**PLAN, "set_register_to_e": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(a.trust.pk):
        pupil = Pupil.objects.get(pk=pupil.pk)
        change = RegisterChange.objects.filter(pupil=pupil).order_by("-starts_on", "-pk").first()
    assert pupil.sen_status == "E"
    assert change is not None and (change.status, change.starts_on) == ("E", dt.date(2026, 11, 30))
    assert change.primary_need is not None and change.primary_need.code == "SLCN"
    assert "EHC plan issued on 30 November 2026 by Norfolk" in change.reason


def test_when_the_register_refuses_e_nothing_is_saved(world: Any) -> None:
    a = world.a
    pupil = a.pupils[1]  # not on the register, no need recorded: E needs a primary need
    url = reverse("reviews:ehc_plan_new", args=[pupil.uuid])
    response = client_for(a.users["senco"]).post(url, {**PLAN, "set_register_to_e": "on"})
    assert response.status_code == 200
    assert "The register could not be set to E" in response.content.decode()
    with tenant_context(a.trust.pk):
        assert not EhcPlan.objects.filter(pupil=pupil).exists()
        assert Pupil.objects.get(pk=pupil.pk).sen_status == "N"
    # without the offer taken, the plan is recorded and the register left as it is
    assert client_for(a.users["senco"]).post(url, PLAN).status_code == 302
    with tenant_context(a.trust.pk):
        assert EhcPlan.objects.filter(pupil=pupil).exists()
        assert Pupil.objects.get(pk=pupil.pk).sen_status == "N"


def test_ceasing_a_plan_asks_what_the_status_becomes_and_records_it(world: Any) -> None:
    a = world.a
    pupil = a.pupils[2]  # E, with the current plan
    url = reverse("reviews:ehc_plan_cease", args=[a.ehc_plan.uuid])
    cease = {"ceased_on": "2026-11-30", "reason": "Outcomes achieved"}
    response = client_for(a.users["senco"]).post(url, cease)  # the status not chosen: a field error
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    with tenant_context(a.trust.pk):
        assert EhcPlan.objects.get(pk=a.ehc_plan.pk).ceased_on is None
    assert client_for(a.users["senco"]).post(url, {**cease, "new_status": "K"}).status_code == 302
    with tenant_context(a.trust.pk):
        assert EhcPlan.objects.get(pk=a.ehc_plan.pk).ceased_on == dt.date(2026, 11, 30)
        pupil = Pupil.objects.get(pk=pupil.pk)
        change = RegisterChange.objects.filter(pupil=pupil).order_by("-starts_on", "-pk").first()
    assert pupil.sen_status == "K"
    assert change is not None and change.status == "K" and "EHC plan ceased on 30 November 2026" in change.reason
    assert change.primary_need is not None and change.primary_need.code == "SLCN"  # the needs stay at K
