"""send.dates and reviews.statutory: DOMAIN.md's worked examples first, then the edge cases."""

from __future__ import annotations

import datetime as dt

import pytest

from reviews.statutory import (
    annual_review_deadlines,
    ehc_assessment_deadlines,
    phase_transfer_deadlines,
    review_meeting_deadlines,
)
from send.dates import SchoolCalendar, add_months, add_weeks, add_working_days, is_working_day

D = dt.date


# --- DOMAIN.md's worked examples ----------------------------------------------------------------------------


def test_ehc_needs_assessment_from_a_request_on_mon_15_sep_2025() -> None:
    deadlines = ehc_assessment_deadlines(D(2025, 9, 15))
    assert deadlines["decide_to_assess"].date == D(2025, 10, 27)
    assert deadlines["notify_no_plan"].date == D(2026, 1, 5)
    assert deadlines["final_plan"].date == D(2026, 2, 2)
    assert "reg. 13" in deadlines["final_plan"].rule


def test_annual_review_of_a_plan_issued_10_mar_2025() -> None:
    # 12 months starting with the day the plan was made: the last day is the day before the anniversary
    deadlines = annual_review_deadlines(D(2025, 3, 10))
    assert deadlines["review_by"].date == D(2026, 3, 9)  # Mon 9 Mar 2026
    assert deadlines["meeting_by"].date == D(2026, 2, 9)  # a planning date, 4 weeks before
    assert "s. 44(1)" in deadlines["review_by"].rule and "reg. 18" not in deadlines["review_by"].rule
    assert "Planning date" in deadlines["meeting_by"].rule


def test_a_review_meeting_on_tue_3_feb_2026() -> None:
    deadlines = review_meeting_deadlines(D(2026, 2, 3))
    assert {name: d.date for name, d in deadlines.items()} == {
        "invitations_by": D(2026, 1, 20),
        "advice_circulated_by": D(2026, 1, 20),  # circulated to everyone invited (reg. 20(4))
        "advice_requests_by": D(2025, 12, 23),  # the reminder, 6 weeks before
        "report_by": D(2026, 2, 17),
        "la_decision_by": D(2026, 3, 3),
        "amended_plan_by": D(2026, 4, 28),
    }


def test_phase_transfer_in_september_2026() -> None:
    autumn_2025 = SchoolCalendar.of([(D(2025, 9, 3), D(2025, 10, 24)), (D(2025, 11, 3), D(2025, 12, 19))])
    deadlines = phase_transfer_deadlines(2026, calendar=autumn_2025)
    assert deadlines["amended_plan_by"].date == D(2026, 2, 14)  # Sat 14 Feb: the last day before 15 February
    assert deadlines["review_meeting_by"].date == D(2025, 11, 21)  # Sat 22 Nov, back to Fri 21 Nov
    assert "last school day" in deadlines["review_meeting_by"].rule
    # no term dates: back to the last working day, Fri 21 Nov (DOMAIN.md's worked example)
    without = phase_transfer_deadlines(2026)["review_meeting_by"]
    assert (without.date, "last working day" in without.rule) == (D(2025, 11, 21), True)


# --- Edge cases -------------------------------------------------------------------------------------------


def test_29_february_plus_12_months_is_28_february() -> None:
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert annual_review_deadlines(D(2024, 2, 29))["review_by"].date == D(2025, 2, 28)
    assert add_months(D(2023, 2, 28), 12) == D(2024, 2, 28)
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2026, 3, 31), -1) == D(2026, 2, 28)
    assert add_months(D(2026, 11, 15), 3) == D(2027, 2, 15)


def test_weeks_are_calendar_weeks_through_christmas() -> None:
    assert add_weeks(D(2026, 12, 18), 2) == D(2027, 1, 1)  # holidays do not stop the statutory clock


def test_christmas_2026_bank_holidays_and_the_substitute_day() -> None:
    assert not is_working_day(D(2026, 12, 25))  # Christmas Day, a Friday
    assert not is_working_day(D(2026, 12, 28))  # Monday, the substitute for Boxing Day (Saturday)
    assert is_working_day(D(2026, 12, 29))
    assert add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 29)
    # 29, 30, 31 Dec, then 4–8 Jan (1 January is a bank holiday too), then 11 and 12 Jan
    assert add_working_days(D(2026, 12, 24), 10) == D(2027, 1, 12)
    assert add_working_days(D(2026, 12, 29), -1) == D(2026, 12, 24)


def test_bank_holidays_inside_a_term_are_not_school_days() -> None:
    """Summer term 2027 from Mon 12 Apr: the early May (Mon 3 May) and spring (Mon 31 May, in half term here
    anyway) bank holidays; 15 school days from Fri 23 Apr skip Mon 3 May and the half term of 31 May - 4 June."""
    summer = SchoolCalendar.of([(D(2027, 4, 12), D(2027, 5, 28)), (D(2027, 6, 7), D(2027, 7, 21))])
    assert not summer.is_school_day(D(2027, 5, 3))  # early May bank holiday, inside the term
    assert summer.add_school_days(D(2027, 4, 23), 15) == D(2027, 5, 17)
    assert summer.add_school_days(D(2027, 5, 20), 15) == D(2027, 6, 17)  # across the half term


def test_school_days_follow_term_dates_and_inset_days() -> None:
    calendar = SchoolCalendar.of([(D(2026, 9, 2), D(2026, 10, 23))], inset_days=[D(2026, 9, 2)])
    assert not calendar.is_school_day(D(2026, 9, 2))  # INSET
    assert calendar.is_school_day(D(2026, 9, 3))
    assert not calendar.is_school_day(D(2026, 10, 26))  # half term
    assert calendar.add_school_days(D(2026, 9, 2), 15) == D(2026, 9, 23)  # 15 school days (a record transfer)
    assert calendar.add_school_days(D(2026, 10, 22), 5) is None  # past the last term entered
    assert calendar.last_school_day_on_or_before(D(2026, 10, 31)) == D(2026, 10, 23)


def test_a_review_at_the_end_of_term() -> None:
    # A meeting on the last day of the autumn term: invitations two calendar weeks before, the report due in
    # the Christmas holidays (calendar weeks), which the school sees with its rule.
    deadlines = review_meeting_deadlines(D(2026, 12, 18))
    assert deadlines["invitations_by"].date == D(2026, 12, 4)
    assert deadlines["report_by"].date == D(2027, 1, 1)


def test_post_16_transfer_and_an_invalid_year() -> None:
    assert phase_transfer_deadlines(2027, post16=True)["amended_plan_by"].date == D(2027, 3, 30)
    with pytest.raises(ValueError, match="year of the transfer"):
        phase_transfer_deadlines(26)
