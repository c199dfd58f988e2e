"""Sections that later apps add to the pupil record and the passport PDF.

Apps depend downward (schools <- pupils <- provision <- reviews), so pupils cannot import provision; instead a
later app registers a section here in its `ready()`, and the record and the PDF render whatever is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (template, provider): the provider returns the template's context for (user, pupil), or None to skip it.
Provider = Callable[[Any, Any], dict[str, Any] | None]
# For many pupils at once (a class's passports): {pupil pk: context or None}, in a fixed number of queries.
BatchProvider = Callable[[Any, list[Any]], dict[Any, dict[str, Any] | None]]
_record_sections: list[tuple[str, Provider]] = []
_passport_sections: list[tuple[str, Provider]] = []
_passport_batches: dict[str, BatchProvider] = {}


def register_record_section(template: str, provider: Provider) -> None:
    if (template, provider) not in _record_sections:
        _record_sections.append((template, provider))


def register_passport_section(template: str, provider: Provider, batch: BatchProvider | None = None) -> None:
    """`batch`, if given, makes the section for many pupils at once (the class PDF), in a fixed number of queries."""
    if (template, provider) not in _passport_sections:
        _passport_sections.append((template, provider))
    if batch is not None:
        _passport_batches[template] = batch


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


def passport_sections_for(user: Any, pupils: list[Any]) -> dict[Any, list[tuple[str, dict[str, Any]]]]:
    """`passport_sections` of each pupil, {pupil pk: sections}: one batch per section where the app gives one,
    so a class's passports cost the same number of queries as one pupil's."""
    found: dict[Any, list[tuple[str, dict[str, Any]]]] = {pupil.pk: [] for pupil in pupils}
    for template, provider in _passport_sections:
        batch = _passport_batches.get(template)
        contexts = batch(user, pupils) if batch else {pupil.pk: provider(user, pupil) for pupil in pupils}
        for pupil in pupils:
            context = contexts.get(pupil.pk)
            if context is not None:
                found[pupil.pk].append((template, context))
    return found
