"""Provision: bad input to groups, members, rates and sessions is a field error, and nothing is saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from provision import services
from provision.models import GroupMember, InterventionGroup, StaffRate
from pupils.models import Pupil
from pupils.upn import make_upn
from schools.models import Membership, Role
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PERIOD = {"starts_on": "2026-09-01", "ends_on": "2027-08-31"}


# --- Bad input ---------------------------------------------------------------------------------------------


def group_data(world: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "school": world.a.school.pk,
        "intervention": world.a.intervention.pk,
        "name": "Y5 Talk Boost",
        "staff": [world.a.users["ta"].pk],
        "staff_role": "Teaching assistant",
        "sessions_per_week": "2",
        "session_minutes": "30",
        "timetable": "",
        "starts_on": "2026-11-02",
        "ends_on": "2026-12-18",
        "funding_source": "top_up",
        "resources_cost_per_pupil": "5.00",
    }
    data.update(overrides)
    return data


def test_planning_a_group(world: Any) -> None:
    response = client_for(world.a.users["senco"]).post(reverse("provision:group_create"), group_data(world))
    assert response.status_code == 302
    with tenant_context(world.a.trust.pk):
        group = InterventionGroup.objects.get(name="Y5 Talk Boost")
        assert list(group.staff.all()) == [world.a.users["ta"]] and group.funding_source == "top_up"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_on": "2026-10-01"}, "ends_on", "The end date cannot be before the start date."),
        ({"resources_cost_per_pupil": "-4"}, "resources_cost_per_pupil", "greater than or equal to 0"),
        ({"resources_cost_per_pupil": "99999"}, "resources_cost_per_pupil", "Give a cost from £0 to £5,000 per pupil."),
        ({"session_minutes": "1000"}, "session_minutes", "less than or equal to 480"),
        ({"starts_on": "not a date"}, "starts_on", "Enter a valid date."),
    ],
)
def test_bad_group_input_is_a_field_error_and_nothing_is_saved(
    world: Any, overrides: Any, field: str, message: str
) -> None:
    response = client_for(world.a.users["senco"]).post(
        reverse("provision:group_create"), group_data(world, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    with tenant_context(world.a.trust.pk):
        assert not InterventionGroup.objects.filter(name="Y5 Talk Boost").exists()


def test_staff_of_another_school_cannot_lead_a_group(world: Any) -> None:
    with tenant_context(world.a.trust.pk):
        stranger: Any = UserFactory(email="elsewhere@alpha.example")
        Membership.objects.create(user=stranger, role=Role.TEACHING_ASSISTANT, school=world.a.schools[1])
    with tenant_context(world.a.trust.pk), pytest.raises(Exception, match="Not on the staff"):
        services.save_group(
            None,
            school=world.a.school,
            intervention=world.a.intervention,
            staff=[stranger],
            name="X",
            staff_role="TA",
            sessions_per_week=1,
            session_minutes=20,
            timetable="",
            starts_on=dt.date(2026, 9, 7),
            ends_on=dt.date(2026, 9, 30),
            funding_source="notional",
            resources_cost_per_pupil=Decimal("0"),
        )


def test_a_pupil_of_another_school_cannot_join(world: Any) -> None:
    with tenant_context(world.a.trust.pk):
        elsewhere = Pupil.objects.create(
            school=world.a.schools[1],
            legal_first_name="Far",
            legal_last_name="Away",
            gender="F",
            year_group="4",
            date_of_birth=dt.date(2017, 1, 1),
            upn=make_upn("926", world.a.schools[1].establishment_number, 17, 777),
        )
        with pytest.raises(Exception, match="Only pupils of the group's school"):
            services.add_member(world.a.group, pupil=elsewhere, joined_on=dt.date(2026, 9, 8))
        assert not GroupMember.objects.filter(pupil=elsewhere).exists()
    # the page does not even offer them
    body = (
        client_for(world.a.users["senco"]).get(reverse("provision:group", args=[world.a.group.uuid])).content.decode()
    )
    assert "Far Away" not in body


def test_an_exit_measure_before_the_entry_is_refused(world: Any) -> None:
    url = reverse(
        "provision:member_edit", kwargs={"group_uuid": world.a.group.uuid, "member_uuid": world.a.members[0].uuid}
    )
    response = client_for(world.a.users["senco"]).post(
        url, {"entry_score": "82", "entry_on": "2026-09-07", "exit_score": "90", "exit_on": "2026-09-01"}
    )
    assert "The exit measure cannot be before the entry measure." in response.content.decode()
    response = client_for(world.a.users["senco"]).post(
        url, {"entry_score": "82", "entry_on": "2026-09-07", "exit_score": "900", "exit_on": "2026-10-16"}
    )
    assert "A Standardised score is from 40 to 160." in response.content.decode()
    with tenant_context(world.a.trust.pk):
        assert GroupMember.objects.get(pk=world.a.members[0].pk).exit_score is None


def test_absurd_rates_are_refused(world: Any) -> None:
    response = client_for(world.a.users["senco"]).post(
        reverse("provision:staff_rates"),
        {"school": world.a.school.pk, "school_year": world.a.year.pk, "role_name": "TA", "hourly_rate": "1500"},
    )
    assert "less than or equal to 500" in response.content.decode()
    with tenant_context(world.a.trust.pk):
        assert not StaffRate.objects.filter(role_name="TA").exists()


def test_a_session_outside_the_group_dates_is_refused(world: Any) -> None:
    url = reverse("provision:session", kwargs={"group_uuid": world.a.group.uuid})
    response = client_for(world.a.users["ta"]).post(url, {"date": "2026-12-01", "present": []})
    assert "The group runs from 7 Sep 2026 to 16 Oct 2026." in response.content.decode()
    response = client_for(world.a.users["ta"]).post(url, {"date": "yesterday"})
    assert "Give the date of the session" in response.content.decode()
