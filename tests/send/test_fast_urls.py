"""`{% uuid_url %}` gives the address `reverse()` gives, without reversing per row."""

from __future__ import annotations

import uuid

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse

from send.templatetags.fast_urls import uuid_url


@pytest.mark.parametrize(
    ("name", "count"),
    [("pupils:record", 1), ("pupils:register_entry", 1), ("provision:group", 1), ("provision:member_edit", 2)],
)
def test_the_same_address_as_reverse(name, count):
    keys = [uuid.uuid4() for _ in range(count)]
    assert uuid_url(name, *keys) == reverse(name, args=keys)
    assert uuid_url(name, *(str(key) for key in keys)) == reverse(name, args=keys)


def test_in_a_template():
    key = uuid.uuid4()
    html = Template("{% load fast_urls %}{% uuid_url 'pupils:record' key %}").render(Context({"key": key}))
    assert html == reverse("pupils:record", args=[key])


def test_something_that_is_not_a_uuid_is_refused():
    with pytest.raises(ValueError):
        uuid_url("pupils:record", "not-a-uuid")


def test_an_unknown_name_is_refused():
    with pytest.raises(NoReverseMatch):
        uuid_url("pupils:nothing", uuid.uuid4())
