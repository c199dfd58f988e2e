"""Where the home page sends a person first: the apps above schools register a landing page for the people they
serve (reviews: the designated teacher's looked-after pupils), so that schools never imports them. The first
registered test that a person's roles pass wins; with none, `schools.views.home` falls back to its own rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from schools.selectors import Roles


@dataclass(frozen=True)
class Landing:
    url_name: str
    test: Callable[[Roles], bool]


_landings: list[Landing] = []


def register_landing(url_name: str, test: Callable[[Roles], bool]) -> None:
    """`test(roles)` says whether a person with these roles in the current trust lands on `url_name`."""
    if all(landing.url_name != url_name for landing in _landings):
        _landings.append(Landing(url_name, test))


def landing_for(roles: Roles) -> str | None:
    return next((landing.url_name for landing in _landings if landing.test(roles)), None)
