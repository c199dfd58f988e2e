"""Sections that later apps add to the pupil record and the passport PDF.

Apps depend downward (schools <- pupils <- provision <- reviews), so pupils cannot import provision; instead a
later app registers a section here in its `ready()`, and the record and the PDF render whatever is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (template, provider): the provider returns the template's context for (user, pupil), or None to skip it.
Provider = Callable[[Any, Any], dict[str, Any] | None]
_record_sections: list[tuple[str, Provider]] = []
_passport_sections: list[tuple[str, Provider]] = []


def register_record_section(template: str, provider: Provider) -> None:
    if (template, provider) not in _record_sections:
        _record_sections.append((template, provider))


def register_passport_section(template: str, provider: Provider) -> None:
    if (template, provider) not in _passport_sections:
        _passport_sections.append((template, provider))


def _render(sections: list[tuple[str, Provider]], user: Any, pupil: Any) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for template, provider in sections:
        context = provider(user, pupil)
        if context is not None:
            found.append((template, context))
    return found


def record_sections(user: Any, pupil: Any) -> list[tuple[str, dict[str, Any]]]:
    return _render(_record_sections, user, pupil)


def passport_sections(user: Any, pupil: Any) -> list[tuple[str, dict[str, Any]]]:
    return _render(_passport_sections, user, pupil)
