"""The provision map as CSV: one row per pupil per group, spreadsheet-safe, with the cost in the period."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from provision.costs import money
from provision.selectors import YEAR_LABELS, ProvisionMap
from pupils.exports import safe_cell

COLUMNS = [
    "UPN",
    "Surname",
    "Forename",
    "Year group",
    "Class",
    "SEN status",
    "Intervention",
    "Wave",
    "Areas of need",
    "Group",
    "Staff role",
    "Sessions a week",
    "Minutes a session",
    "Joined",
    "Left",
    "Funding",
    "Entry score",
    "Exit score",
    "Progress",
    "Cost in period (£)",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def rows(provision: ProvisionMap) -> Iterator[list[str]]:
    yield COLUMNS
    for line in provision.lines:
        pupil, group, member = line.pupil, line.group, line.member
        progress = member.progress
        yield [
            safe_cell(v)
            for v in (
                pupil.upn,
                pupil.legal_last_name,
                pupil.legal_first_name,
                YEAR_LABELS.get(pupil.year_group, pupil.year_group),
                pupil.school_class.name if pupil.school_class else "",
                pupil.sen_status,
                group.intervention.name,
                group.intervention.get_wave_display(),
                "; ".join(group.intervention.need_area_labels),
                group.name,
                group.staff_role,
                group.sessions_per_week,
                group.session_minutes,
                member.joined_on.isoformat(),
                member.left_on.isoformat() if member.left_on else "",
                group.get_funding_source_display(),
                member.entry_score if member.entry_score is not None else "",
                member.exit_score if member.exit_score is not None else "",
                progress if progress is not None else "",
                money(line.cost),
            )
        ]


def stream_csv(provision: ProvisionMap) -> Iterator[Any]:
    writer = csv.writer(_Echo())
    for row in rows(provision):
        yield writer.writerow(row)
