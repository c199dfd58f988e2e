"""Demo APDR plans for the demo teacher's class: one active and soon due, one awaiting sign-off, one reviewed with
its next cycle started. Registered with schools.demo; idempotent (a trust with plans is left as it is)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from provision.models import GroupMember
from pupils.models import Pupil, SenStatus
from reviews import services
from reviews.models import Contribution, Plan
from schools.models import ClassStaff, Role, School


def seed_plans(trust: Any, main: School, users: dict[str, Any], stdout: Any) -> None:
    if Plan.objects.exists():
        return
    teacher, senco = users[Role.CLASS_TEACHER], users[Role.SENCO]
    classes = ClassStaff.objects.filter(user=teacher, role="teacher").values("school_class_id")
    send_pupils = Pupil.objects.filter(school=main).exclude(sen_status=SenStatus.NO_SEN).order_by("upn")
    taught = list(send_pupils.filter(school_class_id__in=classes)[:2])
    others = list(send_pupils.exclude(school_class_id__in=classes)[:1])
    pupils = taught + others
    if len(taught) < 2 or not others:
        return
    groups = {m.pupil_id: m.group for m in GroupMember.objects.filter(pupil__in=pupils).select_related("group")}

    def plan_for(pupil: Pupil, starts: dt.date, review: dt.date, by: Any) -> Plan:
        plan = services.start_plan(
            pupil, by=by, starts_on=starts, review_on=review,
            concerns="Finds it hard to follow instructions with more than one step; loses focus after 10 minutes.",
            strengths="Kind to others, loves building and drawing, good visual memory.",
            data="Reading age 6y 8m (Sept); WellComm red on two sections.",
            specialist_advice="SALT advice, 12 June 2026: chunk instructions, use a now-and-next board.",
            strategies="Now-and-next board\nOne step at a time, checked back\nMovement break every 15 minutes",
            who_does_what="Class teacher: strategies daily. TA: the group. Parents: reading 10 minutes a night.",
        )  # fmt: skip
        services.save_target(
            plan, None, outcome="Follows classroom routines independently",
            wording="Follow a two-step instruction without a reminder",
            success_criteria="4 out of 5 times in a week, observed by the TA", provision=groups.get(pupil.pk),
            who="Class TA",
        )  # fmt: skip
        services.save_target(
            plan, None, outcome="Reads with growing fluency", wording="Read 30 high-frequency words on sight",
            success_criteria="Word-list check at the end of each half term", provision=None, who="Class teacher",
        )  # fmt: skip
        return plan

    first = plan_for(pupils[0], dt.date(2026, 9, 14), dt.date(2026, 12, 11), teacher)
    services.transition(first, "submit", by=teacher)
    services.transition(first, "sign_off", by=senco, comment="Clear and measurable: thank you.")
    Contribution.objects.create(
        plan=first, voice="parent", stage="plan", given_on=dt.date(2026, 9, 17), gathered="meeting",
        text="We'd like help with getting ready in the morning too.", recorded_by=teacher,
    )  # fmt: skip
    second = plan_for(pupils[1], dt.date(2026, 11, 9), dt.date(2027, 2, 5), teacher)
    services.transition(second, "submit", by=teacher)
    third = plan_for(pupils[2], dt.date(2026, 6, 8), dt.date(2026, 7, 10), senco)
    services.transition(third, "sign_off", by=senco)
    targets = list(third.targets.all())
    services.close_review(
        Plan.objects.get(pk=third.pk), by=senco, reviewed_on=dt.date(2026, 7, 10),
        progress={targets[0].pk: ("partly", "3 of 5 most weeks"), targets[1].pk: ("met", "32 words")},
        what_worked="The now-and-next board; short, frequent reading.",
        next_steps="Keep the board; build to three steps.",
        carry_forward={targets[0].pk}, next_review_on=dt.date(2026, 12, 4),
    )  # fmt: skip
    if stdout is not None:
        stdout.write(f"{trust.name}: {Plan.objects.count()} SEN support plans\n")
