"""The register as CSV, streamed: a trust's whole register never sits in memory, and the query count is fixed."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from pupils.models import Pupil
from pupils.selectors import with_register_columns
from schools.models import YearGroup

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
CHUNK = 2000  # rows per fetch: a school register fits in one
ROWS_PER_CHUNK = 500  # rows per piece of the streamed answer


FORMULA_STARTS = ("=", "+", "-", "@")


def safe_cell(value: Any) -> str:
    """Spreadsheets run cells that start with = + - @ (even after spaces), and some read a leading tab or
    carriage return as the start of one: prefix them all so a name can never be a formula."""
    text = "" if value is None else str(value)
    if text[:1] in {"\t", "\r", "\n"} or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


FIELDS = (
    "school__name",
    "school__urn",
    "upn",
    "legal_last_name",
    "legal_first_name",
    "preferred_first_name",
    "preferred_last_name",
    "date_of_birth",
    "year_group",
    "school_class__name",
    "sen_status",
    "sen_status_since",
    "primary_need_code",
    "secondary_need_code",
    "on_monitoring_list",
    "is_looked_after",
    "is_previously_looked_after",
    "is_eal",
    "is_pupil_premium",
)
YEAR_LABELS = dict(YearGroup.choices)


def register_rows(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[str]]:
    """CSV rows from tuples of `FIELDS` (plain values, no model instances: a trust's register is large).

    Only text typed by people can start like a formula; dates, codes and flags are written as they are.
    """
    yield COLUMNS
    for (
        school,
        urn,
        upn,
        last,
        first,
        preferred_first,
        preferred_last,
        born,
        year,
        klass,
        status,
        since,
        primary,
        secondary,
        monitoring,
        lac,
        plac,
        eal,
        pp,
    ) in rows:
        yield [
            safe_cell(school),
            urn,
            upn,
            safe_cell(last),
            safe_cell(first),
            safe_cell(f"{preferred_first} {preferred_last}".strip()),
            born.isoformat(),
            YEAR_LABELS.get(year, year),
            safe_cell(klass or ""),
            status,
            since.isoformat() if since else "",
            primary or "",
            secondary or "",
            "Y" if monitoring else "",
            "Y" if lac else "",
            "Y" if plac else "",
            "Y" if eal else "",
            "Y" if pp else "",
        ]


class _Buffer(list[str]):
    def write(self, value: str) -> None:
        self.append(value)


def stream_csv(pupils: QuerySet[Pupil]) -> Iterator[str]:
    """`pupils` from `selectors.register_list`: read in chunks of plain rows, written a chunk at a time."""
    buffer = _Buffer()
    writer = csv.writer(buffer)
    rows = with_register_columns(pupils).values_list(*FIELDS)
    for row in register_rows(rows.iterator(chunk_size=CHUNK)):
        writer.writerow(row)
        if len(buffer) >= ROWS_PER_CHUNK:
            yield "".join(buffer)
            buffer.clear()
    if buffer:
        yield "".join(buffer)
