"""An attacker with the governors' published figures tries to get back every count under 5: from the totals,
the percentages, the difference between two rows, between a school and the trust total, and between two periods.
They know the method (rounding to the nearest 5, "<5" for 1 to 4). Each attack lists every set of true counts that
would publish exactly the same page; a hidden count is recovered only if that list allows one value for it."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.urls import reverse

from reports.summary import Counts, SchoolSummary, published
from tests.conftest import client_for


def candidates(shown: str) -> range | list[int]:
    """Every true count that publishes as `shown`."""
    if shown == "0":
        return [0]
    if shown == "<5":
        return [1, 2, 3, 4]
    return [n for n in range(int(shown) - 2, int(shown) + 3) if n >= 5 and published(n) == shown]


def consistent_schools(row: SchoolSummary) -> list[Counts]:
    """Every school's true counts that give this published row (on roll, K, E, on the register, percentage)."""
    found = []
    for on_roll, k, e in itertools.product(
        candidates(row.on_roll), candidates(row.sen_support), candidates(row.ehc_plan)
    ):
        counts = Counts(on_roll, k, e)
        if on_roll >= k + e and SchoolSummary.of(row.name, counts) == row:
            found.append(counts)
    return found


def consistent_trusts(rows: list[SchoolSummary], total: SchoolSummary) -> list[tuple[Counts, ...]]:
    """Every combination of schools' counts that gives the rows and the trust's total row."""
    found = []
    for combo in itertools.product(*(consistent_schools(row) for row in rows)):
        summed = Counts(*(sum(getattr(c, f) for c in combo) for f in ("on_roll", "sen_support", "ehc_plan")))
        if SchoolSummary.of(total.name, summed) == total:
            found.append(combo)
    return found


def hidden(counts: Counts) -> list[str]:
    return [f for f in ("on_roll", "sen_support", "ehc_plan", "on_register") if 0 < getattr(counts, f) < 5]


# The issue's example (150 on roll, 24 at K, 4 with an EHC plan) and the edges around the threshold.
SCHOOLS = [
    Counts(150, 24, 4),
    Counts(151, 5, 1),
    Counts(30, 4, 1),
    Counts(12, 3, 0),
    Counts(8, 2, 2),
    Counts(203, 47, 3),
]


@pytest.mark.parametrize("true", SCHOOLS, ids=str)
def test_a_rows_own_totals_and_percentage_do_not_give_back_a_hidden_count(true: Counts) -> None:
    row = SchoolSummary.of("School", true)
    possible = consistent_schools(row)
    assert true in possible
    for field in hidden(true):
        values = {getattr(c, field) for c in possible}
        assert len(values) > 1, f"{field} recovered as {values}"


def test_the_issues_example_no_longer_gives_back_e() -> None:
    """With the old page, 18.7% of 150 with 24 at K gave E = 4; now E could be any of 1 to 4."""
    possible = consistent_schools(SchoolSummary.of("School", Counts(150, 24, 4)))
    assert {c.ehc_plan for c in possible} == {1, 2, 3, 4}


@pytest.mark.parametrize(("a", "b"), [(SCHOOLS[0], SCHOOLS[1]), (SCHOOLS[2], SCHOOLS[3]), (SCHOOLS[4], SCHOOLS[5])])
def test_a_school_against_the_trust_total_does_not_give_back_the_other_schools_hidden_count(
    a: Counts, b: Counts
) -> None:
    rows = [SchoolSummary.of("A", a), SchoolSummary.of("B", b)]
    total = SchoolSummary.of(
        "All", Counts(a.on_roll + b.on_roll, a.sen_support + b.sen_support, a.ehc_plan + b.ehc_plan)
    )
    possible = consistent_trusts(rows, total)
    assert (a, b) in possible
    for i, true in enumerate((a, b)):
        for field in hidden(true):
            values = {getattr(combo[i], field) for combo in possible}
            assert len(values) > 1, f"school {i} {field} recovered as {values}"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Counts(150, 24, 4), Counts(150, 23, 5)),
        (Counts(150, 25, 4), Counts(151, 25, 5)),
        (Counts(40, 9, 0), Counts(40, 7, 2)),
    ],
)
def test_two_periods_do_not_give_back_a_hidden_count_or_a_small_change(before: Counts, after: Counts) -> None:
    """Term against term: neither term's hidden counts, nor how many pupils moved, is pinned down."""
    then = consistent_schools(SchoolSummary.of("S", before))
    now = consistent_schools(SchoolSummary.of("S", after))
    for field in ("sen_support", "ehc_plan", "on_register"):
        change = abs(getattr(after, field) - getattr(before, field))
        if 0 < change < 5:
            moved = {getattr(n, field) - getattr(t, field) for t in then for n in now}
            assert len(moved) > 1, f"the change in {field} recovered as {moved}"
    for possible, true in ((then, before), (now, after)):
        for field in hidden(true):
            assert len({getattr(c, field) for c in possible}) > 1


def test_the_governors_page_shows_rounded_figures_and_a_rounded_total(world: Any) -> None:
    page = client_for(world.a.users["governor"]).get(reverse("reports:summary")).content.decode()
    assert "&lt;5" in page and "rounded to the nearest 5" in page
    assert "Pupil0" not in page
