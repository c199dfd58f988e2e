"""The suite's measures, printed at the end of a run: what share of the routes, rules and pages the sweeps proved.

Counted from the results (a parametrised case counts when it passed), against the totals of the registries the
sweeps walk, so a route, rule or page that is not covered shows as less than 100 %. A measure is printed only when
its tests ran (a partial run prints only what it ran). Loaded by tests/conftest.py.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

# measure -> test functions that must all pass for a case to count (the case is the parameter id)
SWEEPS = {
    "routes: anonymous, password-only and verified": (
        "tests/send/test_every_route_unverified.py::test_anonymous_gets_the_sign_in_page_or_401_never_data",
        "tests/send/test_every_route_unverified.py::test_a_password_only_teacher_gets_the_second_factor_page_never_data",
        "tests/send/test_every_route_unverified.py::test_the_same_addresses_answer_a_fully_signed_in_user",
    ),
    "object routes: cross-tenant 404 with a positive control": (
        "tests/test_cross_tenant_matrix.py::test_other_trusts_objects_are_404_for_every_role_and_method",
        "tests/test_cross_tenant_matrix.py::test_the_same_url_with_the_own_trusts_object_reaches_it",
    ),
    "policy rules and actions: allowed and refused, can() = visible()": (
        "tests/send/test_every_policy_rule.py::test_can_agrees_with_visible_and_each_action_is_allowed_and_refused",
    ),
    "GET pages under axe": ("tests/e2e/test_axe_every_page.py::test_axe_finds_nothing_serious_on_the_page",),
}

_outcomes: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))


def pytest_runtest_logreport(report: Any) -> None:
    """Collects each case's outcome (in the controller too, when pytest-xdist runs the tests in workers)."""
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    function, _, case = report.nodeid.partition("[")
    if case:
        _outcomes[function][report.outcome].add(case.rstrip("]"))


def _total(name: str) -> int:
    """How many cases the measure has: routes of the URL conf, registered rules' actions, GET pages."""
    if name.startswith("routes"):
        from tests.routes import all_routes

        return len(all_routes())
    if name.startswith("object routes"):
        from tests.test_cross_tenant_matrix import OBJECT_ROUTES

        return len(OBJECT_ROUTES)
    if name.startswith("policy"):
        from tests.send.test_every_policy_rule import CASES

        return len(CASES)
    from tests.e2e.test_axe_every_page import PAGES

    return len(PAGES)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    ran = {name: functions for name, functions in SWEEPS.items() if any(f in _outcomes for f in functions)}
    if not ran:
        return
    terminalreporter.section("measures")
    for name, functions in ran.items():
        passed = set.intersection(*(_outcomes[f]["passed"] for f in functions))
        # a skipped case is a route that is not a GET page (an action, a download): outside the measure, said so
        skipped = set.union(*(_outcomes[f]["skipped"] for f in functions))
        total = _total(name) - len(skipped)
        share = 100 * len(passed) / total if total else 0
        note = f" ({len(skipped)} routes are not GET pages)" if skipped else ""
        terminalreporter.write_line(f"{name}: {len(passed)}/{total} = {share:.0f} %{note}")
    terminalreporter.write_line("forms under a Hypothesis fuzz: not measured yet (issue 18)")
