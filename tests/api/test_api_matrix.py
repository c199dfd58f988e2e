"""The API's cross-tenant matrix: every API route, filled with the other trust's objects, is a 404.

The resolver is walked, so a new API route joins the matrix by itself; a route whose resource the matrix
cannot fill fails `test_the_api_matrix_can_fill_every_route` until OBJECTS is taught about it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.api.conftest import api_for
from tests.factories import TrustWorld

pytestmark = pytest.mark.django_db

# The other trust's object for each API resource (the router's basename).
OBJECTS = {
    "school": lambda w: w.schools[0],
    "staff": lambda w: w.memberships["teacher"],
    "class": lambda w: w.school_class,
    "pupil": lambda w: w.pupils[0],
    "contact": lambda w: w.contact,
    "passport": lambda w: w.passport,
}


def api_routes() -> list[str]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "api":
            return sorted({p.name for p in entry.url_patterns if isinstance(p, URLPattern) and p.name})
    raise AssertionError("no api namespace")


ROUTES = api_routes()
DETAIL = [name for name in ROUTES if name.endswith("-detail")]
LISTS = [name for name in ROUTES if name.endswith("-list")]


def with_sen_records(trust_world: TrustWorld) -> TrustWorld:
    from pupils.models import Contact, PassportStatus, PassportVersion
    from send.tenancy import tenant_context

    with tenant_context(trust_world.trust.pk):
        pupil = trust_world.pupils[0]
        trust_world.contact = Contact.objects.create(
            pupil=pupil, kind="parent", name="Parent", relationship="mother", mis_id=f"C-{trust_world.trust.slug}"
        )
        trust_world.passport = PassportVersion.objects.create(
            pupil=pupil, number=1, key_strategies="Now and next board", status=PassportStatus.APPROVED
        )
    return trust_world


def test_the_api_matrix_can_fill_every_route() -> None:
    unknown = {name.removesuffix("-detail") for name in DETAIL} - set(OBJECTS)
    assert not unknown, f"Teach the API matrix the other trust's object for: {sorted(unknown)}"
    assert LISTS


@pytest.mark.parametrize("route", DETAIL)
def test_the_other_trusts_objects_are_404_for_every_method(world: Any, route: str) -> None:
    other = OBJECTS[route.removesuffix("-detail")](with_sen_records(world.b))
    own = OBJECTS[route.removesuffix("-detail")](with_sen_records(world.a))
    http, _ = api_for(world.a)
    url = reverse(f"api:{route}", kwargs={"id": other.uuid})
    for method in ("get", "delete", "put", "patch"):
        response = getattr(http, method)(url)
        assert response.status_code in {404, 405}, f"{method.upper()} {url}: {response.status_code}"
        assert str(other.uuid) not in response.content.decode()
    assert http.get(url).status_code == 404
    assert http.get(reverse(f"api:{route}", kwargs={"id": own.uuid})).status_code == 200


@pytest.mark.parametrize("route", LISTS)
def test_lists_never_show_the_other_trust(world: Any, route: str) -> None:
    with_sen_records(world.a)
    b = with_sen_records(world.b)
    http, _ = api_for(world.a)
    markers = [str(obj.uuid) for obj in (*b.schools, *b.pupils, b.school_class, b.contact, b.passport)]
    markers += [b.trust.name, b.users["teacher"].email, b.contact.mis_id]
    for params in ({}, {"updated_since": "2000-01-01T00:00:00Z"}):
        response = http.get(reverse(f"api:{route}"), params)
        assert response.status_code == 200, (route, response.content)
        body = response.content.decode()
        assert not [m for m in markers if m in body], f"{route} shows the other trust"
