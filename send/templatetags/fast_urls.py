"""`{% uuid_url "pupils:record" pupil.uuid %}`: a row's link without a full URL reversal per row.

`{% url %}` resolves the pattern again for every row (a list of 400 pupils spent most of its link time there).
Addresses of records take UUIDs only, so the pattern is reversed once per name with a placeholder UUID and each
row's UUID is put in its place: the same address `reverse()` gives, checked by a test.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

_PLACEHOLDERS = tuple(str(uuid.UUID(int=n, version=4)) for n in range(1, 4))


@lru_cache(maxsize=256)
def _pattern(name: str, count: int, urlconf: str | None, prefix: str) -> str:
    return reverse(name, args=_PLACEHOLDERS[:count], urlconf=urlconf)


def uuid_url(name: str, *keys: Any) -> str:
    """`reverse(name, args=keys)` for a route whose arguments are all UUIDs."""
    if not 1 <= len(keys) <= len(_PLACEHOLDERS):
        return reverse(name, args=keys)
    address = _pattern(name, len(keys), get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    for placeholder, key in zip(_PLACEHOLDERS, keys, strict=False):
        value = key if isinstance(key, uuid.UUID) else uuid.UUID(str(key))
        address = address.replace(placeholder, str(value), 1)
    return address


register.simple_tag(uuid_url, name="uuid_url")
