"""The transfer section of the pupil record (registered with pupils.extensions): CTF export, imports from CTFs."""

from __future__ import annotations

from typing import Any

from pupils import extensions
from records import selectors
from send import policy


def pupil_transfer_section(user: Any, pupil: Any) -> dict[str, Any] | None:
    if not policy.can(user, "change", pupil):
        return None  # only those who keep the register send or read its history
    return {"pupil": pupil, "imports": selectors.imports_of_pupil(user, pupil)}


extensions.register_record_section("records/_pupil_section.html", pupil_transfer_section)
