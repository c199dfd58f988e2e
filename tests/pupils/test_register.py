"""The SEND register: DOMAIN.md's rules as field errors, history with who and why, and who may change it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pupils.models import NeedType, Pupil, PupilNeed, RegisterChange
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def need(code: str) -> int:
    return NeedType.objects.get(code=code).pk


def post(world, role: str, pupil: Pupil, **data):
    url = reverse("pupils:register_entry", kwargs={"pupil_uuid": pupil.uuid})
    payload = {"status": "K", "starts_on": "2026-10-01", "reason": "Concerns from the class teacher", **data}
    return client_for(world.a.users[role]).post(url, {k: v for k, v in payload.items() if v is not None})


def test_a_senco_puts_a_pupil_at_sen_support_and_it_is_kept_as_history(world):
    pupil = world.a.pupils[1]  # at N
    response = post(world, "senco", pupil, primary_need=need("SEMH"), secondary_need=need("SLCN"))
    assert response.status_code == 302
    with tenant_context(world.a.trust.pk):
        pupil.refresh_from_db()
        assert (pupil.sen_status, pupil.sen_status_since) == ("K", dt.date(2026, 10, 1))
        assert [(n.rank, n.need_type.code) for n in pupil.needs.order_by("rank")] == [(1, "SEMH"), (2, "SLCN")]
        change = RegisterChange.objects.get(pupil=pupil)
        assert change.recorded_by == world.a.users["senco"] and change.reason == "Concerns from the class teacher"
    page = client_for(world.a.users["head"]).get(reverse("pupils:record", kwargs={"pupil_uuid": pupil.uuid}))
    assert "Concerns from the class teacher" in page.content.decode()


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"status": "K"}, "needs a primary need"),
        ({"status": "N", "primary_need": "SLCN"}, "has no need types"),
        ({"status": "E", "primary_need": "NSA"}, "only for pupils at SEN support"),
        ({"status": "K", "primary_need": "ASD", "secondary_need": "ASD"}, "must differ"),
        ({"status": "K", "secondary_need": "ASD"}, "primary need before a secondary"),
        ({"status": "K", "primary_need": "ASD", "on_monitoring_list": "on"}, "monitoring list is for pupils not on"),
        ({"status": "K", "primary_need": "ASD", "starts_on": "2099-01-01"}, "cannot start in the future"),
        ({"status": "K", "primary_need": "ASD", "starts_on": "2001-01-01"}, "before the pupil"),
        ({"status": "K", "primary_need": "ASD", "reason": " "}, "This field is required"),
        ({"status": "S", "primary_need": "ASD"}, "Select a valid choice"),
    ],
)
def test_bad_register_entries_are_field_errors_and_nothing_is_saved(world, data, field_error):
    pupil = world.a.pupils[1]
    data = {k: (need(v) if k.endswith("_need") else v) for k, v in data.items()}
    response = post(world, "senco", pupil, **data)
    assert response.status_code == 200
    assert field_error in response.content.decode()
    with tenant_context(world.a.trust.pk):
        pupil.refresh_from_db()
        assert pupil.sen_status == "N" and not pupil.needs.exists()
        assert not RegisterChange.objects.filter(pupil=pupil).exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("senco", 302),
        ("lead", 302),
        ("head", 403),
        ("teacher", 403),
        ("assistant", 403),
        ("governor", 404),
        ("admin", 404),
    ],
)
def test_who_may_change_the_register(world, role, status):
    pupil = world.a.pupils[0]  # in the teacher's class
    assert post(world, role, pupil, primary_need=need("MLD")).status_code == status


def test_a_change_cannot_start_before_the_last_one(world):
    pupil = world.a.pupils[1]
    assert post(world, "senco", pupil, primary_need=need("MLD"), starts_on="2026-10-01").status_code == 302
    response = post(world, "senco", pupil, status="N", starts_on="2026-09-01")
    assert "last recorded change started on 1 October 2026" in response.content.decode()


def test_the_need_filter_lists_each_pupil_once_with_both_needs_shown(world):
    a = world.a
    first, second = a.pupils[0], a.pupils[2]
    with tenant_context(a.trust.pk):
        for pupil in (first, second):
            pupil.needs.all().delete()
        PupilNeed.objects.create(pupil=first, need_type_id=need("SEMH"), rank=1)
        PupilNeed.objects.create(pupil=first, need_type_id=need("SLCN"), rank=2)
        PupilNeed.objects.create(pupil=second, need_type_id=need("SLCN"), rank=1)
    client = client_for(a.users["senco"])
    client.post(reverse("pupils:register"), {"need": "SLCN"})
    page = client.get(reverse("pupils:register")).content.decode()
    assert page.count(f">{first.display_name}<") == 1 and page.count(f">{second.display_name}<") == 1
    assert "SEMH (primary), SLCN" in page and "SLCN (primary)" in page
    client.post(reverse("pupils:register"), {"need": "SEMH"})
    page = client.get(reverse("pupils:register")).content.decode()
    assert f">{first.display_name}<" in page and f">{second.display_name}<" not in page
