"""Every URL of the project, with the other trust's objects, for every role and method: never a leak.

The matrix walks the URL resolver, so a new URL joins it automatically; a URL whose arguments it cannot
fill fails `test_the_matrix_can_fill_every_url` until FILLERS is taught about it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import client_for
from tests.factories import TrustWorld

pytestmark = pytest.mark.django_db

ROLES = ["lead", "senco", "assistant", "dt", "teacher", "ta", "head", "governor", "admin"]

# How to fill each URL argument with an object of the *other* trust.
FILLERS: dict[str, Callable[[TrustWorld], Any]] = {
    "school_uuid": lambda w: w.school.uuid,
    "term_uuid": lambda w: w.term.uuid,
    "membership_uuid": lambda w: w.memberships["teacher"].uuid,
    "pupil_uuid": lambda w: w.pupils[0].uuid,
    "class_uuid": lambda w: w.school_class.uuid,
    "section": lambda w: "note",
    "job_uuid": lambda w: w.pdf_job.uuid,  # type: ignore[union-attr]
    "file_uuid": lambda w: w.file.uuid,  # type: ignore[union-attr]
    "client_uuid": lambda w: w.api_client.uuid,
    "intervention_uuid": lambda w: w.intervention.uuid,
    "rate_uuid": lambda w: w.staff_rate.uuid,
    "group_uuid": lambda w: w.group.uuid,
    "member_uuid": lambda w: w.members[0].uuid,
    "plan_uuid": lambda w: w.plan.uuid,
    "target_uuid": lambda w: w.target.uuid,
    "action": lambda w: "submit",
    "request_uuid": lambda w: w.ehc_request.uuid,
    "outcome_uuid": lambda w: w.ehc_outcome.uuid,
    "item_uuid": lambda w: w.ehc_provision.uuid,
    "review_uuid": lambda w: w.annual_review.uuid,
    "invitation_uuid": lambda w: w.invitation.uuid,
    "switch_uuid": lambda w: mis_switch_of(w).uuid,
    "deadline_uuid": lambda w: request_deadline_of(w).uuid,
}


def request_deadline_of(world: TrustWorld) -> Any:
    """The world's EHC request's first deadline (the 6 weeks, on which an exemption can be claimed)."""
    from reviews.models import Deadline
    from send.tenancy import tenant_context

    with tenant_context(world.trust.pk):
        return Deadline.objects.get(request=world.ehc_request, kind="decide_to_assess")


def mis_switch_of(world: TrustWorld) -> Any:
    """An open MIS switch of the world's first school (made when a URL first needs one)."""
    import datetime as dt

    from django.utils import timezone

    from schools.mis_switch import declare_mis_switch
    from schools.models import MisSwitch
    from send.tenancy import tenant_context

    with tenant_context(world.trust.pk):
        existing = MisSwitch.objects.filter(school=world.school).first()
        if existing is not None:
            return existing
        today = timezone.localdate()
        return declare_mis_switch(
            school=world.school,
            api_client=world.api_client,
            opens_on=today,
            closes_on=today + dt.timedelta(days=7),
            declared_by=world.users["admin"],
        )


# URLs that name no tenant object, and why they are outside the matrix's object checks.
NOT_TENANT_OBJECTS = {
    "password_reset_confirm": "a signed token for a user, not a tenant object (tested in test_auth_pages)",
    "reviews:calendar_feed": "a secret address for calendar apps, without a session (tested in test_ehc)",
}
EXCLUDED_NAMESPACES = {
    "admin": "the Django admin: superusers only (tested in test_pages)",
    "api": "the REST API answers API clients, not people: its own matrix is in tests/api/test_api_matrix.py",
}


@dataclass(frozen=True)
class Route:
    name: str
    arguments: tuple[str, ...]


def walk(patterns: list[Any], namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or ""
            if inner in EXCLUDED_NAMESPACES:
                continue
            yield from walk(entry.url_patterns, f"{namespace}{inner}:" if inner else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield Route(f"{namespace}{entry.name}", tuple(entry.pattern.converters) or tuple(_regex_args(entry)))


def _regex_args(entry: URLPattern) -> list[str]:
    return list(entry.pattern.regex.groupindex)


ROUTES = sorted(set(walk(get_resolver().url_patterns)), key=lambda r: r.name)
OBJECT_ROUTES = [r for r in ROUTES if r.arguments and r.name not in NOT_TENANT_OBJECTS]
PLAIN_ROUTES = [r for r in ROUTES if not r.arguments]


def body_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def markers_of(world: TrustWorld) -> list[str]:
    """Strings that would betray the other trust's data on a page."""
    return [
        world.trust.name,
        world.school.name,
        world.schools[1].name,
        *(p.legal_first_name + " " + p.legal_last_name for p in world.pupils),
        world.users["teacher"].email,
    ]


def test_the_matrix_can_fill_every_url():
    unknown = {arg for route in OBJECT_ROUTES for arg in route.arguments if arg not in FILLERS}
    assert not unknown, f"Teach the cross-tenant matrix how to fill: {sorted(unknown)}"
    assert OBJECT_ROUTES, "the resolver walk found no URL with an object"


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: r.name)
def test_other_trusts_objects_are_404_for_every_role_and_method(world, route):
    url = reverse(route.name, kwargs={arg: FILLERS[arg](world.b) for arg in route.arguments})
    leaks = markers_of(world.b)
    for role in ROLES:
        client = client_for(world.a.users[role])
        statuses = set()
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            statuses.add(response.status_code)
            assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
            # 405 says only that the URL takes another method, whatever the object.
            assert response.status_code in {404, 405}, f"{role} {method.upper()} {url}: {response.status_code}"
            body = body_of(response)
            assert not [m for m in leaks if m in body], f"{role} {method.upper()} {url} shows the other trust"
        assert 404 in statuses, f"{role} {url}: no method reached the object lookup"


@pytest.mark.parametrize("route", PLAIN_ROUTES, ids=lambda r: r.name)
def test_plain_urls_never_show_the_other_trust(world, route):
    url = reverse(route.name)
    leaks = markers_of(world.b)
    for role in ROLES:
        client = client_for(world.a.users[role])
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in {200, 302, 403, 404, 405, 503}, f"{role} {method} {url}"
            # every page, whatever its answer, carries the strict Content-Security-Policy
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], url
            body = body_of(response)
            assert not [m for m in leaks if m in body], f"{role} {method.upper()} {url} shows the other trust"


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: r.name)
def test_a_consultant_with_roles_in_both_trusts_sees_only_the_active_one(world, route):
    from schools.models import Membership
    from send.tenancy import tenant_context

    consultant = world.a.users["senco"]
    with tenant_context(world.b.trust.pk):
        Membership.objects.create(user=consultant, role="admin", school=None)
    client = client_for(consultant)
    client.post(reverse("switch"), {"trust": world.a.trust.pk})
    url = reverse(route.name, kwargs={arg: FILLERS[arg](world.b) for arg in route.arguments})
    statuses = {client.get(url).status_code, client.post(url).status_code}
    assert 404 in statuses and statuses <= {404, 405}
