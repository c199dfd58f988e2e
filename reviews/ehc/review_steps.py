"""Which events meet the steps before an annual review meeting (DOMAIN.md, reg. 20): every *required* person
invited at least 2 weeks ahead, not the first one; pure, so the deadline table and the review page agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from reviews.ehc.models import Party, ReviewInvitation
from send.dates import add_weeks

# Who must be invited (reg. 20(2)): the label shown when they are missing, and the parties that count.
REQUIRED_INVITEES: tuple[tuple[str, frozenset[str]], ...] = (
    ("the parent or young person", frozenset({Party.PARENT, Party.PUPIL})),
    ("the head or principal", frozenset({Party.HEAD})),
    ("an LA SEN officer", frozenset({Party.LA})),
    ("health", frozenset({Party.HEALTH})),
    ("social care", frozenset({Party.SOCIAL_CARE})),
)


@dataclass(frozen=True)
class InviteeCheck:
    """For each required invitee: the day first invited (None when not yet); met when all were in time."""

    due_on: dt.date
    rows: tuple[tuple[str, dt.date | None], ...]
    missing: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)

    @property
    def met_on(self) -> dt.date | None:
        """The day the last required person was invited; None while anyone is missing."""
        if self.missing:
            return None
        return max(day for _, day in self.rows if day is not None)

    @property
    def summary(self) -> str:
        parts = []
        if self.missing:
            parts.append("not invited: " + ", ".join(self.missing))
        if self.late:
            parts.append("invited late: " + ", ".join(self.late))
        text = "; ".join(parts)
        return text[:1].upper() + text[1:]


def check_invitees(invitations: Iterable[ReviewInvitation], meeting: dt.date) -> InviteeCheck:
    due = add_weeks(meeting, -2)
    invitations = list(invitations)
    rows, missing, late = [], [], []
    for label, parties in REQUIRED_INVITEES:
        first = min((i.invited_on for i in invitations if i.party in parties), default=None)
        rows.append((label, first))
        if first is None:
            missing.append(label)
        elif first > due:
            late.append(label)
    return InviteeCheck(due, tuple(rows), missing, late)
