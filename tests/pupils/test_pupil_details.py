"""Pupil details: UPN vectors, dates in order, duplicate UPNs, and who may add or edit pupils."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pupils.models import Pupil
from pupils.upn import make_upn, upn_warning, validate_upn
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["B801200005001", "b801 2000 05001", make_upn("926", "2301", 21, 7)])
def test_valid_upns_are_normalised(value):
    assert validate_upn(value) == value.upper().replace(" ", "")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("B80120000500", "13 characters; this one has 12"),
        ("A801200005001", "check letter is wrong: for these 12 characters it should be B"),
        ("B80120000I001", "without I, O and S"),
        ("X80120000A001", "Characters 2–12 must be digits"),
        ("", "13 characters; this one has 0"),
    ],
)
def test_invalid_upns_say_what_is_wrong(value, message):
    with pytest.raises(ValidationError) as raised:
        validate_upn(value)
    assert message in raised.value.messages[0]


@pytest.mark.parametrize(
    ("la", "name"),
    [
        ("838", "Dorset, 2019"),
        ("839", "BCP, 2019"),
        ("940", "North Northamptonshire, 2021"),
        ("942", "Cumberland, 2023"),
        ("943", "Westmorland and Furness, 2023"),
        ("670", "a Welsh LA"),
        ("000", "unknown"),
    ],
)
def test_no_valid_upn_is_refused_for_its_la_number(la, name):
    upn = make_upn(la, "2001", 24, 5)
    assert validate_upn(upn) == upn, name
    assert (upn_warning(upn) is not None) == (la == "000")  # an unknown LA number is at most a warning
    assert upn_warning(make_upn("801", "2001", 24, 5)) is None


def test_the_check_letter_is_still_enforced_whatever_the_la_number():
    upn = make_upn("943", "2001", 24, 5)
    wrong = ("A" if upn[0] != "A" else "B") + upn[1:]
    with pytest.raises(ValidationError, match="check letter is wrong"):
        validate_upn(wrong)


def test_a_temporary_upn_ending_in_a_letter_is_accepted():
    body = "80120000501"  # 11 digits, then a letter: the DfE's temporary form
    for letter in "ABCDEFGHJKLMNPQRTUVWXYZ":
        try:
            validate_upn("A" + body + letter)
        except ValidationError as error:
            if "check letter" in error.messages[0]:
                continue
            raise
        return
    pytest.fail("no temporary UPN validated")


def form(world, **overrides):
    data = {
        "legal_first_name": "Amara",
        "legal_last_name": "Okafor",
        "date_of_birth": "2017-05-04",
        "gender": "F",
        "upn": make_upn("926", world.a.school.establishment_number, 21, 501),
        "school": world.a.school.pk,
        "year_group": "4",
        "school_class": world.a.school_class.pk,
        "admission_date": "2021-09-03",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_senco_adds_a_pupil(world):
    response = client_for(world.a.users["senco"]).post(reverse("pupils:create"), form(world))
    assert response.status_code == 302
    with tenant_context(world.a.trust.pk):
        assert Pupil.objects.get(legal_last_name="Okafor").school_class == world.a.school_class


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"upn": "A801200005001"}, "check letter is wrong"),
        ({"leaving_date": "2020-01-01"}, "leaving date cannot be before the admission date"),
        ({"admission_date": "2016-01-01"}, "admission date cannot be before the date of birth"),
        ({"date_of_birth": "2099-01-01", "admission_date": None}, "cannot be in the future"),
        ({"school": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_pupil_details_are_field_errors_and_nothing_is_saved(world, overrides, message):
    response = client_for(world.a.users["senco"]).post(reverse("pupils:create"), form(world, **overrides))
    assert response.status_code == 200 and message in response.content.decode()
    with tenant_context(world.a.trust.pk):
        assert not Pupil.objects.filter(legal_last_name="Okafor").exists()


def test_a_duplicate_upn_links_to_the_existing_pupil_only_for_someone_who_may_see_them(world):
    import datetime as dt

    existing = world.a.pupils[2]
    body = client_for(world.a.users["senco"]).post(reverse("pupils:create"), form(world, upn=existing.upn)).content
    assert b"already has this UPN" in body and str(existing.uuid).encode() in body
    with tenant_context(world.a.trust.pk):
        elsewhere = Pupil.objects.create(
            school=world.a.schools[1],
            legal_first_name="Hidden",
            legal_last_name="Elsewhere",
            date_of_birth=dt.date(2017, 1, 1),
            gender="M",
            year_group="4",
            upn=make_upn("926", world.a.schools[1].establishment_number, 21, 900),
        )
    # the SENCO has no role at the other school: refused, but with no link and no name
    body = client_for(world.a.users["senco"]).post(reverse("pupils:create"), form(world, upn=elsewhere.upn)).content
    assert b"already has this UPN" in body
    assert str(elsewhere.uuid).encode() not in body and b"Elsewhere" not in body


def test_the_same_upn_in_another_trust_is_not_a_duplicate(world):
    response = client_for(world.a.users["senco"]).post(reverse("pupils:create"), form(world, upn=world.b.pupils[0].upn))
    assert response.status_code == 302


@pytest.mark.parametrize(("role", "status"), [("head", 403), ("teacher", 403), ("governor", 403), ("admin", 403)])
def test_who_may_not_add_pupils(world, role, status):
    assert client_for(world.a.users[role]).post(reverse("pupils:create"), form(world)).status_code == status


def test_editing_a_pupil_keeps_their_upn_unique_and_saves_changes(world):
    pupil = world.a.pupils[0]
    url = reverse("pupils:edit", kwargs={"pupil_uuid": pupil.uuid})
    client = client_for(world.a.users["senco"])
    assert client.get(url).status_code == 200
    response = client.post(url, form(world, upn=pupil.upn, legal_first_name="Renamed"))
    assert response.status_code == 302
    with tenant_context(world.a.trust.pk):
        pupil.refresh_from_db()
    assert pupil.legal_first_name == "Renamed"
    assert client_for(world.a.users["head"]).get(url).status_code == 403
