"""The LA's timeliness: per local authority, how many of its statutory steps were on time, late (by how much),
still overdue or under an exemption claimed, with the deadlines behind each figure, so that a SENCO or trust lead
has evidence for a complaint. One query, whatever the number of deadlines; dates are those the school received."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from pupils.exports import safe_cell
from reviews.deadlines.models import Deadline, DeadlineKind, DeadlineState
from reviews.deadlines.selectors import pupil_initials
from send import policy

# The LA's own steps, in the order of an assessment and a review.
LA_STEPS = {
    DeadlineKind.DECIDE_TO_ASSESS: "Decisions whether to assess (6 weeks)",
    DeadlineKind.NOTIFY_NO_PLAN: "Notices of no plan after assessing (16 weeks)",
    DeadlineKind.FINAL_PLAN: "Final EHC plans (20 weeks)",
    DeadlineKind.LA_DECISION_BY: "Decisions after an annual review (4 weeks)",
    DeadlineKind.AMENDED_PLAN_BY: "Amended plans (8 weeks from the proposals)",
}
OUTCOMES = {"on_time": "On time", "late": "Late", "overdue": "Overdue, not yet received", "exempt": "Exemption"}


@dataclass(frozen=True)
class Case:
    deadline: Deadline
    outcome: str
    days_late: int

    @property
    def outcome_label(self) -> str:
        return OUTCOMES[self.outcome]


@dataclass
class Step:
    label: str
    cases: list[Case] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.cases if c.outcome == outcome)

    @property
    def counts(self) -> list[tuple[str, int]]:
        return [(label, self.count(key)) for key, label in OUTCOMES.items()]

    @property
    def most_days_late(self) -> int:
        return max((c.days_late for c in self.cases), default=0)


def _local_authority(deadline: Deadline) -> str:
    if deadline.request is not None:
        return deadline.request.local_authority
    if deadline.review is not None:
        return deadline.review.ehc_plan.local_authority
    return deadline.ehc_plan.local_authority if deadline.ehc_plan is not None else "Unknown"


def _case(deadline: Deadline, today: dt.date) -> Case | None:
    if deadline.state == DeadlineState.EXEMPT:
        return Case(deadline, "exempt", 0)
    if deadline.state == DeadlineState.MET and deadline.met_on is not None:
        late = (deadline.met_on - deadline.due_on).days
        return Case(deadline, "late" if late > 0 else "on_time", max(late, 0))
    if deadline.state == DeadlineState.OPEN and deadline.due_on < today:
        return Case(deadline, "overdue", (today - deadline.due_on).days)
    return None  # not yet due: nothing to say about the LA


def la_timeliness(user: Any, today: dt.date) -> dict[str, list[Step]]:
    """Local authority → its steps (those with at least one case), each with its cases."""
    rows: QuerySet[Deadline] = (
        policy.visible(user, Deadline.objects.all(), "track")
        .filter(kind__in=list(LA_STEPS), state__in=[DeadlineState.MET, DeadlineState.OPEN, DeadlineState.EXEMPT])
        .select_related("pupil", "request", "ehc_plan", "review__ehc_plan")
        .order_by("due_on", "pk")
    )
    found: dict[str, dict[str, Step]] = {}
    for deadline in rows:
        case = _case(deadline, today)
        if case is None:
            continue
        steps = found.setdefault(_local_authority(deadline), {})
        steps.setdefault(deadline.kind, Step(LA_STEPS[DeadlineKind(deadline.kind)])).cases.append(case)
    return {la: [steps[kind] for kind in LA_STEPS if kind in steps] for la, steps in sorted(found.items())}


CSV_HEADER = [
    "Local authority",
    "Step",
    "Pupil",
    "Due by",
    "Received on",
    "Outcome",
    "Days late",
    "Exemption ground",
    "Exemption reason",
    "Rule",
]


def timeliness_csv(report: dict[str, list[Step]]) -> Iterator[str]:
    """One line per case. Pupils by initials and year group: the file leaves our hands."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for la, steps in report.items():
        for step in steps:
            for case in step.cases:
                d = case.deadline
                writer.writerow(
                    [
                        safe_cell(la),
                        step.label,
                        pupil_initials(d.pupil),
                        d.due_on.isoformat(),
                        d.met_on.isoformat() if d.met_on else "",
                        case.outcome_label,
                        case.days_late,
                        d.get_exemption_ground_display() if d.exemption_ground else "",
                        safe_cell(d.exemption_reason),
                        d.rule,
                    ]
                )
    yield buffer.getvalue()
