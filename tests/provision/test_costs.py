"""Cost arithmetic, worked by hand: staff time × rate ÷ group size + resources, over school weeks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from provision.costs import Calendar, GroupPlan, Member, Year, group_cost, money, weekdays

D = dt.date
AUTUMN_1 = (D(2026, 9, 7), D(2026, 10, 16))  # six weeks: 30 weekdays
AUTUMN_2 = (D(2026, 11, 2), D(2026, 12, 18))  # seven weeks: 35 weekdays
YEAR_2026 = Year("2026-27", D(2026, 9, 1), D(2027, 8, 31), terms=(AUTUMN_1, AUTUMN_2), rate=Decimal("15.00"))
CALENDAR = Calendar(years=(YEAR_2026,))
# Mon and Thu, 30 minutes: one hour a week.
PLAN = GroupPlan(2, 30, D(2026, 9, 7), D(2026, 10, 16), resources_per_pupil=Decimal("12.00"))
FOUR = [Member(name, D(2026, 9, 7)) for name in "ABCD"]


def test_weekdays_counts_mondays_to_fridays() -> None:
    assert weekdays(D(2026, 9, 7), D(2026, 9, 13)) == 5
    assert weekdays(D(2026, 9, 12), D(2026, 9, 13)) == 0
    assert weekdays(*AUTUMN_1) == 30


def test_a_half_term_for_four_pupils() -> None:
    # 6 weeks × 1 hour × £15 = £90 of staff time; ÷ 4 pupils = £22.50; + £12 of resources = £34.50 each.
    cost = group_cost(PLAN, FOUR, CALENDAR, (D(2026, 9, 1), D(2027, 8, 31)))
    assert cost.staff == Decimal("90")
    assert cost.staff_hours == Decimal("6")
    assert {key: money(value) for key, value in cost.per_member.items()} == dict.fromkeys("ABCD", Decimal("34.50"))
    assert money(cost.total) == Decimal("138.00")


def test_a_part_of_the_term() -> None:
    # The period is the first three weeks only: £45 of staff time, £11.25 each, resources counted in full.
    cost = group_cost(PLAN, FOUR, CALENDAR, (D(2026, 9, 7), D(2026, 9, 25)))
    assert cost.staff == Decimal("45")
    assert money(cost.per_member["A"]) == Decimal("23.25")


def test_holidays_cost_nothing() -> None:
    # The group runs to Christmas; October half term (19–30 Oct) is not in the term dates.
    plan = GroupPlan(2, 30, D(2026, 9, 7), D(2026, 12, 18))
    cost = group_cost(plan, FOUR, CALENDAR, (D(2026, 9, 1), D(2026, 12, 31)))
    assert cost.staff_hours == Decimal("13")  # 6 + 7 school weeks
    assert cost.staff == Decimal("195")


def test_inset_days_are_not_school_days() -> None:
    calendar = Calendar(years=(YEAR_2026,), inset_days=frozenset({D(2026, 9, 7), D(2026, 9, 12)}))  # Mon, and a Sat
    cost = group_cost(PLAN, FOUR, calendar, (D(2026, 9, 1), D(2026, 12, 31)))
    assert cost.staff_hours == Decimal("29") / Decimal("5")  # 29 school days
    assert cost.staff == Decimal("87")


def test_a_pupil_joining_late_shares_only_from_then() -> None:
    # Weeks 1–3 (£45) shared by A, B, C: £15 each. Weeks 4–6 (£45) shared by A, B, C, D: £11.25 each.
    members = [Member("A", D(2026, 9, 7)), Member("B", D(2026, 9, 7)), Member("C", D(2026, 9, 7))]
    members.append(Member("D", D(2026, 9, 28)))
    cost = group_cost(PLAN, members, CALENDAR, (D(2026, 9, 1), D(2026, 12, 31)))
    shares = {key: money(value) for key, value in cost.per_member.items()}
    assert shares == {"A": Decimal("38.25"), "B": Decimal("38.25"), "C": Decimal("38.25"), "D": Decimal("23.25")}
    assert cost.staff == Decimal("90")


def test_a_pupil_leaving_early_stops_paying_the_next_day() -> None:
    # A leaves on Fri 18 Sep (2 weeks): weeks 1–2 (£30) ÷ 4 = £7.50; weeks 3–6 (£60) ÷ 3 = £20 for the others.
    members = [Member("A", D(2026, 9, 7), left_on=D(2026, 9, 18)), *FOUR[1:]]
    cost = group_cost(PLAN, members, CALENDAR, (D(2026, 9, 1), D(2026, 12, 31)))
    assert money(cost.per_member["A"]) == Decimal("19.50")
    assert money(cost.per_member["B"]) == Decimal("39.50")


def test_a_group_across_september_uses_each_years_rate() -> None:
    # Summer 2 of 2025-26 at £14 (last 2 weeks: 13–24 Jul 2026), Autumn 1 of 2026-27 at £15 (first 2 weeks).
    old = Year("2025-26", D(2025, 9, 1), D(2026, 8, 31), terms=((D(2026, 6, 8), D(2026, 7, 24)),), rate=Decimal("14"))
    calendar = Calendar(years=(old, YEAR_2026))
    plan = GroupPlan(2, 30, D(2026, 7, 13), D(2026, 9, 18))
    cost = group_cost(plan, [Member("A", D(2026, 7, 13))], calendar, (D(2026, 1, 1), D(2026, 12, 31)))
    assert cost.staff_hours == Decimal("4")
    assert cost.staff == Decimal("58")  # 2 × £14 + 2 × £15


def test_a_missing_rate_is_reported_not_guessed() -> None:
    calendar = Calendar(years=(Year("2026-27", D(2026, 9, 1), D(2027, 8, 31), terms=(AUTUMN_1,), rate=None),))
    cost = group_cost(PLAN, FOUR, calendar, (D(2026, 9, 1), D(2027, 8, 31)))
    assert cost.missing_rates == {"2026-27"}
    assert cost.staff == 0
    assert money(cost.per_member["A"]) == Decimal("12.00")  # resources still count


def test_a_year_without_term_dates_counts_weekdays_and_says_so() -> None:
    calendar = Calendar(years=(Year("2026-27", D(2026, 9, 1), D(2027, 8, 31), rate=Decimal("15")),))
    cost = group_cost(PLAN, FOUR, calendar, (D(2026, 9, 1), D(2027, 8, 31)))
    assert cost.years_without_terms == {"2026-27"}
    assert cost.staff == Decimal("90")


def test_outside_the_period_nothing_is_costed() -> None:
    cost = group_cost(PLAN, FOUR, CALENDAR, (D(2027, 1, 1), D(2027, 3, 31)))
    assert cost.staff == 0 and cost.total == 0


def test_thirds_are_rounded_to_pence_only_when_shown() -> None:
    # £90 ÷ 3 pupils = £30 exactly; £100 ÷ 3 = £33.333… shown as £33.33, the total stays £100.
    plan = GroupPlan(1, 40, D(2026, 9, 7), D(2026, 10, 16))  # 40 min × 6 weeks = 4 hours
    calendar = Calendar(years=(Year("2026-27", D(2026, 9, 1), D(2027, 8, 31), (AUTUMN_1,), Decimal("25")),))
    cost = group_cost(plan, FOUR[:3], calendar, (D(2026, 9, 1), D(2027, 8, 31)))
    assert cost.staff == Decimal("100")
    assert money(cost.per_member["A"]) == Decimal("33.33")
    assert money(cost.total) == Decimal("100.00")
