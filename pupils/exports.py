"""The register as CSV, streamed: a trust's whole register never sits in memory, and the query count is fixed."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from pupils.models import Pupil

COLUMNS = [
    "School",
    "URN",
    "UPN",
    "Legal surname",
    "Legal forename",
    "Preferred name",
    "Date of birth",
    "Year group",
    "Class",
    "SEN status",
    "Status since",
    "Primary need",
    "Secondary need",
    "Monitoring",
    "LAC",
    "PLAC",
    "EAL",
    "Pupil premium",
]
CHUNK = 2000  # rows per fetch (and per needs prefetch): a school register fits in one


class _Echo:
    def write(self, value: str) -> str:
        return value


FORMULA_STARTS = ("=", "+", "-", "@")


def safe_cell(value: Any) -> str:
    """Spreadsheets run cells that start with = + - @ (even after spaces), and some read a leading tab or
    carriage return as the start of one: prefix them all so a name can never be a formula."""
    text = "" if value is None else str(value)
    if text[:1] in {"\t", "\r", "\n"} or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


def register_rows(pupils: Iterable[Pupil]) -> Iterator[list[str]]:
    yield COLUMNS
    for pupil in pupils:
        needs = {need.rank: need.need_type.code for need in pupil.needs.all()}
        preferred = f"{pupil.preferred_first_name} {pupil.preferred_last_name}".strip()
        yield [
            safe_cell(v)
            for v in (
                pupil.school.name,
                pupil.school.urn,
                pupil.upn,
                pupil.legal_last_name,
                pupil.legal_first_name,
                preferred,
                pupil.date_of_birth.isoformat(),
                pupil.get_year_group_display(),
                pupil.school_class.name if pupil.school_class else "",
                pupil.sen_status,
                pupil.sen_status_since.isoformat() if pupil.sen_status_since else "",
                needs.get(1, ""),
                needs.get(2, ""),
                "Y" if pupil.on_monitoring_list else "",
                "Y" if pupil.is_looked_after else "",
                "Y" if pupil.is_previously_looked_after else "",
                "Y" if pupil.is_eal else "",
                "Y" if pupil.is_pupil_premium else "",
            )
        ]


def stream_csv(pupils: Any) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in register_rows(pupils.iterator(chunk_size=CHUNK)):
        yield writer.writerow(row)
