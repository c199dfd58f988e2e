"""PEP records: bad input gives field errors and saves nothing; the states, read-only once submitted, every
change logged; LAC and PLAC exclusive."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from pupils.services import set_flag
from reviews.pep import care_services, services
from reviews.pep.models import CareRecord, Pep, PepTarget, PepTransition, VirtualSchoolTerm
from send.tenancy import tenant_context
from tests.reviews.pep.support import add_pep

pytestmark = pytest.mark.django_db


def fields_of(error: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(error.value.message_dict)


def test_a_pep_for_a_pupil_who_is_not_looked_after_is_refused(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    with tenant_context(a.trust.pk):
        with pytest.raises(ValidationError) as error:
            services.start_pep(a.pupils[1], by=a.users["dt"], due_on=dt.date(2026, 12, 18))
        assert fields_of(error) == {"pupil"}
        with pytest.raises(ValidationError) as error:
            care_services.save_care_record(
                a.pupils[1], None, by=a.users["dt"], virtual_school=pw.norfolk, looked_after_on=dt.date(2026, 9, 1)
            )
        assert "looked_after_on" in fields_of(error)
        assert not Pep.objects.filter(pupil=a.pupils[1]).exists()
        assert not CareRecord.objects.filter(pupil=a.pupils[1]).exists()


def test_a_pep_for_another_virtual_schools_term_or_the_same_term_twice_is_refused(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    with tenant_context(a.trust.pk):
        suffolk_term = care_services.save_virtual_school_term(
            pw.suffolk, None, school_year=a.year, name="Autumn", final_date=dt.date(2026, 12, 11)
        )
        for term in (suffolk_term, pw.terms[0]):
            with pytest.raises(ValidationError) as error:
                services.start_pep(a.looked_after, by=a.users["dt"], term=term)
            assert fields_of(error) == {"term"}
        assert Pep.objects.filter(pupil=a.looked_after).count() == 1


def test_a_target_without_a_review_date_is_refused(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    with tenant_context(a.trust.pk):
        with pytest.raises(ValidationError) as error:
            services.save_target(pw.pep, None, wording="Read every night", review_on=None)
        assert fields_of(error) == {"review_on"}
        with pytest.raises(ValidationError) as error:
            services.save_target(
                pw.pep, None, wording="Read", review_on=dt.date(2027, 1, 8), ppp_requested=Decimal("-5")
            )
        assert fields_of(error) == {"ppp_requested"}
        assert PepTarget.objects.filter(pep=pw.pep).count() == 1


def test_a_virtual_school_term_date_outside_its_school_year_is_refused(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    with tenant_context(a.trust.pk):
        with pytest.raises(ValidationError) as error:
            care_services.save_virtual_school_term(
                pw.suffolk, None, school_year=a.year, name="Autumn", final_date=dt.date(2027, 9, 3)
            )
        assert fields_of(error) == {"final_date"}
        assert not VirtualSchoolTerm.objects.filter(virtual_school=pw.suffolk).exists()


def test_out_of_range_sections_are_field_errors(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    with tenant_context(a.trust.pk):
        with pytest.raises(ValidationError) as error:
            services.update_pep(
                pw.pep, by=a.users["dt"], sdq_score=41, attendance_percent=Decimal("101"), child_voice="changed"
            )
        assert fields_of(error) == {"sdq_score", "attendance_percent"}
        assert Pep.objects.get(pk=pw.pep.pk).child_voice == "I like maths and football."


def test_lac_and_plac_at_once_is_refused(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        with pytest.raises(ValidationError) as error:
            set_flag(a.looked_after, flag="plac", holds=True, on=dt.date(2026, 9, 1), reason="x", by=a.users["dt"])
        assert fields_of(error) == {"holds"}
        a.looked_after.refresh_from_db()
        assert not a.looked_after.is_previously_looked_after


def test_a_pep_moves_through_its_states_read_only_once_submitted_and_every_change_is_logged(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    dt_user = a.users["dt"]
    with tenant_context(a.trust.pk):
        pep = services.transition(pw.pep, "ready", by=dt_user)
        pep = services.transition(pep, "submit", by=dt_user)
        assert pep.state == "submitted" and pep.submitted_on is not None
        with pytest.raises(ValidationError):
            services.update_pep(pep, by=dt_user, child_voice="changed after submitting")
        with pytest.raises(ValidationError):
            services.save_target(pep, None, wording="late", review_on=dt.date(2027, 1, 8))
        with pytest.raises(ValidationError) as error:
            services.record_verdict(pep, by=dt_user, rating="red", comment="Targets vague", outcome="complete")
        assert fields_of(error) == {"outcome"}
        with pytest.raises(ValidationError) as error:
            services.record_verdict(pep, by=dt_user, rating="red", comment="Targets vague", outcome="returned")
        assert fields_of(error) == {"reason"}
        pep = services.record_verdict(
            pep, by=dt_user, rating="red", comment="Targets vague", outcome="returned", reason="Make targets SMART"
        )
        assert (pep.state, pep.rating, pep.returned_reason) == ("returned", "red", "Make targets SMART")
        services.update_pep(pep, by=dt_user, attainment="Working towards in maths")
        pep = services.transition(pep, "ready", by=dt_user)
        pep = services.transition(pep, "submit", by=dt_user)
        pep = services.record_verdict(pep, by=dt_user, rating="green", comment="Good", outcome="complete")
        assert pep.state == "complete"
        moves = list(PepTransition.objects.filter(pep=pep).values_list("action", "from_state", "to_state"))
    assert moves == [
        ("start", "", "not_started"),
        ("edit", "not_started", "in_progress"),
        ("ready", "in_progress", "ready"),
        ("submit", "ready", "submitted"),
        ("return", "submitted", "returned"),
        ("ready", "returned", "ready"),
        ("submit", "ready", "submitted"),
        ("complete", "submitted", "complete"),
    ]


def test_a_virtual_schools_own_sections_are_data(world: Any) -> None:
    a = world.a
    pw = add_pep(a)
    with tenant_context(a.trust.pk):
        pep = services.update_pep(pw.pep, by=a.users["dt"], extra={"My hobbies": " Football ", "Not theirs": "x"})
    assert pep.extra == {"My hobbies": "Football", "Careers": ""}
