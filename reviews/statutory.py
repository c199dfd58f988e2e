"""The statutory deadlines of EHC needs assessments and plans (DOMAIN.md, SEND Regulations 2014), as pure
functions: each returns a mapping from the deadline's name to a `Deadline`, the date with the rule it comes from,
so that a SENCO can check it. Arithmetic is `send.dates`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from send.dates import (
    SchoolCalendar,
    add_months,
    add_weeks,
    add_working_days,
    is_working_day,
    last_day_of_months_starting_with,
    last_working_day_on_or_before,
)


def is_under_five(date_of_birth: dt.date, on: dt.date) -> bool:
    """Under 5 on `on`: the LA should consider reviewing the plan every 3 to 6 months (Code of Practice 9.178)."""
    return on < add_months(date_of_birth, 60)


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    rule: str

    def __str__(self) -> str:
        return f"{self.date:%a %-d %b %Y} ({self.rule})"


def ehc_assessment_deadlines(clock_start: dt.date, *, la_became_responsible: bool = False) -> dict[str, Deadline]:
    """From the day the local authority received the request for an EHC needs assessment, or became responsible
    for the child (regs 5, 10 and 13 count from either)."""
    since = "of the LA becoming responsible for the child" if la_became_responsible else "of the request"
    return {
        "decide_to_assess": Deadline(
            add_weeks(clock_start, 6),
            f"The LA decides whether to assess within 6 weeks {since} (reg. 4 and 5)",
        ),
        "notify_no_plan": Deadline(
            add_weeks(clock_start, 16),
            f"Having assessed, the LA decided not to issue a plan: it says so within 16 weeks {since} (reg. 10)",
        ),
        "final_plan": Deadline(
            add_weeks(clock_start, 20), f"The final EHC plan is issued within 20 weeks {since} (reg. 13)"
        ),
    }


def draft_plan_dates(draft_sent_on: dt.date, school_consulted_on: dt.date | None = None) -> dict[str, Deadline]:
    """After the draft plan: the parent's or young person's 15 days to comment and ask for a school, and the 15
    days of the school the LA consults (reg. 13; Children and Families Act 2014, s. 39)."""
    dates = {
        "comments_by": Deadline(
            draft_sent_on + dt.timedelta(days=15),
            "The parent or young person has at least 15 days from the draft to comment and ask for a school (reg. 13)",
        )
    }
    if school_consulted_on is not None:
        dates["school_reply_by"] = Deadline(
            school_consulted_on + dt.timedelta(days=15),
            "The school the LA consulted replies within 15 days (reg. 13; Children and Families Act 2014, s. 39)",
        )
    return dates


ANNUAL_REVIEW_RULE = (
    "The LA reviews the plan in the 12 months starting with the day it was made, then with the day of the last "
    "review: complete (the LA's decision) by the day before the anniversary (Children and Families Act 2014, s. 44(1))"
)
MEETING_BY_RULE = (
    "Planning date, not statutory: the meeting at least 4 weeks before the review is due, so the LA can decide "
    "within the 4 weeks it has after the meeting (reg. 20)"
)


def meeting_by(review_complete_by: dt.date) -> dt.date:
    """The school's planning date for the meeting: 4 weeks before the LA's decision is due."""
    return add_weeks(review_complete_by, -4)


def annual_review_deadlines(plan_issued_or_last_review: dt.date, every_months: int = 12) -> dict[str, Deadline]:
    """`every_months` is 12 by law; for a child under 5 the Code of Practice asks for a review every 3 to 6
    (guidance, shown as guidance). "review_by" is statutory; "meeting_by" is a planning date."""
    if every_months == 12:
        rule = ANNUAL_REVIEW_RULE
    elif 3 <= every_months <= 6:
        rule = (
            f"Guidance for a child under 5: reviewed every {every_months} months starting with the plan's issue or "
            "the last review (Code of Practice 9.178; the law's limit is 12 months, s. 44(1))"
        )
    else:
        raise ValueError("A plan is reviewed every 12 months, or every 3 to 6 months for a child under 5.")
    review_by = last_day_of_months_starting_with(plan_issued_or_last_review, every_months)
    return {
        "review_by": Deadline(review_by, rule),
        "meeting_by": Deadline(meeting_by(review_by), MEETING_BY_RULE),
    }


def review_meeting_deadlines(meeting: dt.date, proposals_sent_on: dt.date | None = None) -> dict[str, Deadline]:
    """Around an annual review meeting. The amended plan is due 8 weeks from the proposed amendments once their
    date is known; until then 12 weeks from the meeting, the outer limit."""
    if proposals_sent_on is not None:
        amended = Deadline(
            add_weeks(proposals_sent_on, 8),
            "The final amended plan within 8 weeks of the proposed amendments being sent (reg. 22(2) and (3); "
            "R (L) v Devon CC [2022])",
        )
    else:
        amended = Deadline(
            add_weeks(meeting, 12),
            "The outer limit until the proposed amendments are recorded: 12 weeks from the meeting (the LA's 4 "
            "weeks to decide and send its proposals, then 8 weeks; reg. 22)",
        )
    return {
        "invitations_by": Deadline(
            add_weeks(meeting, -2),
            "Everyone required (the parent or young person, the head, an LA SEN officer, health and social care) "
            "invited at least 2 weeks before the meeting (reg. 20(2) and (3))",
        ),
        "advice_requests_by": Deadline(
            add_weeks(meeting, -6),
            "Planning date, not statutory: ask for advice 6 weeks before the meeting, so that it can be circulated "
            "2 weeks before it (reg. 20(4))",
        ),
        "advice_circulated_by": Deadline(
            add_weeks(meeting, -2),
            "The advice and information obtained circulated to everyone invited at least 2 weeks before the "
            "meeting (reg. 20(4))",
        ),
        "report_by": Deadline(
            add_weeks(meeting, 2), "The school's review report to the LA and all invited within 2 weeks (reg. 20)"
        ),
        "la_decision_by": Deadline(
            add_weeks(meeting, 4), "The LA decides to keep, amend or cease within 4 weeks of the meeting (reg. 20)"
        ),
        "amended_plan_by": amended,
    }


def phase_transfer_deadlines(
    transfer_year: int, post16: bool = False, calendar: SchoolCalendar | None = None
) -> dict[str, Deadline]:
    """For a pupil moving phase (e.g. Year 6 to Year 7) in September of `transfer_year`.

    The amended plan naming the new school is issued before 15 February of that year (before 31 March for a
    post-16 transfer); the review meeting is planned 12 weeks earlier, moved back to the last school day when the
    school's term dates reach it, or else to the last working day (a planning date, not a statutory one).
    """
    if not 2000 <= transfer_year <= 2100:
        raise ValueError("Give the year of the transfer, for example 2027.")
    if post16:
        plan_by = Deadline(
            dt.date(transfer_year, 3, 30), "Post-16 transfer: the amended plan before 31 March (reg. 18)"
        )
    else:
        plan_by = Deadline(
            dt.date(transfer_year, 2, 14),
            "Phase transfer: the amended plan naming the new school before 15 February (reg. 18)",
        )
    meeting = add_weeks(plan_by.date, -12)
    rule = "The school's planning date: 12 weeks before the amended plan is due"
    school_day = calendar.last_school_day_on_or_before(meeting) if calendar is not None else None
    if school_day is not None:
        if school_day != meeting:
            meeting, rule = school_day, rule + ", moved back to the last school day"
    elif not is_working_day(meeting):
        # no term dates reach that far: at least a working day
        meeting, rule = last_working_day_on_or_before(meeting), rule + ", moved back to the last working day"
    return {"amended_plan_by": plan_by, "review_meeting_by": Deadline(meeting, rule)}


def initial_pep_deadlines(looked_after_on: dt.date) -> dict[str, Deadline]:
    """From the day a child becomes looked after: the PEP started within 10 working days, and ready for the first
    care-plan review, 20 working days on (Care Planning Regulations 2010; statutory guidance on PEPs)."""
    return {
        "started": Deadline(
            add_working_days(looked_after_on, 10),
            "The PEP is started within 10 working days of the child becoming looked after",
        ),
        "ready": Deadline(
            add_working_days(looked_after_on, 20),
            "The PEP is ready for the first care-plan review, 20 working days after the child becomes looked after",
        ),
    }


def new_pep_deadline(changed_on: dt.date) -> Deadline:
    """A significant change (an emergency placement, a new placement, a new school): a new PEP within 10 working
    days."""
    return Deadline(
        add_working_days(changed_on, 10),
        "A new PEP within 10 working days of an emergency placement or a change of placement or school",
    )
