"""Flags with history: LAC and PLAC are census flags; who may change them, and the rules on dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pupils.models import FlagPeriod
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def post(world, role, pupil, **data):
    url = reverse("pupils:flags", kwargs={"pupil_uuid": pupil.uuid})
    payload = {"flag": "eal", "holds": "1", "on": "2026-09-02", "reason": "Arrived from Poland", **data}
    return client_for(world.a.users[role]).post(url, payload)


def test_a_flag_starts_and_ends_with_history_and_the_pupil_follows(world):
    pupil = world.a.pupils[1]
    assert post(world, "senco", pupil).status_code == 302
    assert post(world, "senco", pupil, holds="0", on="2026-11-02", reason="Fluent now").status_code == 302
    with tenant_context(world.a.trust.pk):
        pupil.refresh_from_db()
        period = FlagPeriod.objects.get(pupil=pupil, flag="eal")
    assert not pupil.is_eal
    assert (period.starts_on, period.ends_on) == (dt.date(2026, 9, 2), dt.date(2026, 11, 2))


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ({}, {}, "already holds"),
        (None, {"holds": "0"}, "does not hold now"),
        ({}, {"holds": "0", "on": "2026-08-01"}, "cannot end before it started"),
        (None, {"on": "2099-01-01"}, "cannot be in the future"),
        (None, {"reason": ""}, "This field is required"),
    ],
)
def test_bad_flag_changes_are_field_errors(world, first, second, message):
    pupil = world.a.pupils[1]
    if first is not None:
        post(world, "senco", pupil, **first)
    response = post(world, "senco", pupil, **second)
    assert response.status_code == 200 and message in response.content.decode()


def test_the_designated_teacher_keeps_looked_after_flags_only(world):
    pupil = world.a.looked_after
    assert post(world, "dt", pupil, flag="lac", reason="Placed in foster care").status_code == 302
    assert post(world, "dt", pupil, flag="eal").status_code == 403


def test_lac_and_plac_at_once_is_a_field_error_and_nothing_changes(world):
    pupil = world.a.looked_after  # looked after now
    response = post(world, "dt", pupil, flag="plac", reason="Adopted")
    assert response.status_code == 200 and "at once" in response.content.decode()
    with tenant_context(world.a.trust.pk):
        pupil.refresh_from_db()
        assert not FlagPeriod.objects.filter(pupil=pupil, flag="plac").exists()
    assert not pupil.is_previously_looked_after


@pytest.mark.parametrize(("role", "status"), [("teacher", 403), ("head", 403), ("governor", 404)])
def test_others_cannot_change_flags(world, role, status):
    assert post(world, role, world.a.pupils[0]).status_code == status
