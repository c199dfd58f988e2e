"""Demo APDR plans for the demo teacher's class: one active and soon due, one awaiting sign-off, one reviewed with
its next cycle started. Registered with schools.demo; idempotent (a trust with plans is left as it is)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from provision.models import GroupMember
from pupils.models import Pupil, SenStatus
from reviews.apdr import services
from reviews.apdr.models import Contribution, Plan
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
            pupil,
            by=by,
            starts_on=starts,
            review_on=review,
            concerns="Finds it hard to follow instructions with more than one step; loses focus after 10 minutes.",
            strengths="Kind to others, loves building and drawing, good visual memory.",
            data="Reading age 6y 8m (Sept); WellComm red on two sections.",
            specialist_advice="SALT advice, 12 June 2026: chunk instructions, use a now-and-next board.",
            strategies="Now-and-next board\nOne step at a time, checked back\nMovement break every 15 minutes",
            who_does_what="Class teacher: strategies daily. TA: the group. Parents: reading 10 minutes a night.",
        )
        services.save_target(
            plan,
            None,
            outcome="Follows classroom routines independently",
            wording="Follow a two-step instruction without a reminder",
            success_criteria="4 out of 5 times in a week, observed by the TA",
            provision=groups.get(pupil.pk),
            who="Class TA",
        )
        services.save_target(
            plan,
            None,
            outcome="Reads with growing fluency",
            wording="Read 30 high-frequency words on sight",
            success_criteria="Word-list check at the end of each half term",
            provision=None,
            who="Class teacher",
        )
        return plan

    first = plan_for(pupils[0], dt.date(2026, 9, 14), dt.date(2026, 12, 11), teacher)
    services.transition(first, "submit", by=teacher)
    services.transition(first, "sign_off", by=senco, comment="Clear and measurable: thank you.")
    Contribution.objects.create(
        plan=first,
        voice="parent",
        stage="plan",
        given_on=dt.date(2026, 9, 17),
        gathered="meeting",
        text="We'd like help with getting ready in the morning too.",
        recorded_by=teacher,
    )
    second = plan_for(pupils[1], dt.date(2026, 11, 9), dt.date(2027, 2, 5), teacher)
    services.transition(second, "submit", by=teacher)
    third = plan_for(pupils[2], dt.date(2026, 6, 8), dt.date(2026, 7, 10), senco)
    services.transition(third, "sign_off", by=senco)
    targets = list(third.targets.all())
    services.close_review(
        Plan.objects.get(pk=third.pk),
        by=senco,
        reviewed_on=dt.date(2026, 7, 10),
        progress={targets[0].pk: ("partly", "3 of 5 most weeks"), targets[1].pk: ("met", "32 words")},
        what_worked="The now-and-next board; short, frequent reading.",
        next_steps="Keep the board; build to three steps.",
        carry_forward={targets[0].pk},
        next_review_on=dt.date(2026, 12, 4),
    )
    if stdout is not None:
        stdout.write(f"{trust.name}: {Plan.objects.count()} SEN support plans\n")


def seed_ehc(trust: Any, main: School, users: dict[str, Any], stdout: Any) -> None:
    """EHC records relative to today, so the statutory calendar always has something overdue, due this week and
    coming: a plan whose annual review is due in three weeks (meeting scheduled, invitations sent, one advice
    request overdue), a plan transferring phase next September, and a request awaiting the LA's decision."""
    from django.utils import timezone

    from reviews.deadlines.outbox import scan_deadlines
    from reviews.ehc import review_services
    from reviews.ehc import services as ehc_services
    from reviews.ehc.models import EhcAssessmentRequest, EhcPlan

    if EhcPlan.objects.exists() or EhcAssessmentRequest.objects.exists():
        return
    today = timezone.localdate()
    senco = users[Role.SENCO]
    ehc = list(Pupil.objects.filter(school=main, sen_status=SenStatus.EHC_PLAN).order_by("upn")[:2])
    support = Pupil.objects.filter(school=main, sen_status=SenStatus.SEN_SUPPORT).order_by("-upn").first()
    if len(ehc) < 2 or support is None:
        return
    first = ehc_services.save_plan(
        ehc[0],
        None,
        by=senco,
        local_authority="Norfolk",
        case_officer="Sam Patel",
        case_officer_email="sam.patel@norfolk.example",
        issued_on=today - dt.timedelta(days=344),
        section_a="Loves dinosaurs and swimming; wants to make friends and to read on their own.",
        section_b="Speech, language and communication needs; difficulties with attention and listening.",
        section_i="Oakfield Primary (mainstream)",
    )
    outcome = ehc_services.save_outcome(
        first, None, text="Takes part in a conversation of four turns with a peer", timeframe="1y"
    )
    ehc_services.save_outcome(first, None, text="Reads and understands a short story independently", timeframe="ks")
    group = GroupMember.objects.filter(pupil=ehc[0]).values_list("group", flat=True).first()
    ehc_services.save_provision(
        first,
        None,
        description="Speech and language therapy programme delivered by a trained TA",
        frequency="3 × 20 minutes a week",
        delivered_by="Teaching assistant, SALT reviews termly",
        outcome=outcome,
        group=main.intervention_groups.filter(pk=group).first() if group else None,
    )
    review = review_services.schedule_annual_review(
        ehc[0], meeting_on=today + dt.timedelta(days=16), is_phase_transfer=False, by=senco
    )
    invited = today - dt.timedelta(days=2)
    for party, name, advice in (
        ("parent", "Parents", None),
        ("ep", "Educational psychology service", today - dt.timedelta(days=1)),
        ("health", "Speech and language therapy", today + dt.timedelta(days=9)),
    ):
        review_services.save_invitation(
            review, None, party=party, name=name, email="", invited_on=invited, advice_due_on=advice
        )
    ehc_services.save_plan(
        ehc[1],
        None,
        by=senco,
        local_authority="Suffolk",
        issued_on=today - dt.timedelta(days=200),
        phase_transfer_year=today.year + 1 if today.month >= 9 else today.year,
        section_i="Oakfield Primary, then a secondary school to be named at transfer",
    )
    ehc_services.save_request(
        support,
        None,
        by=senco,
        requested_by="school",
        local_authority="Norfolk",
        sent_on=today - dt.timedelta(days=40),
        received_on=today - dt.timedelta(days=38),
        evidence_summary="EP report (May); SALT report (June)",
    )
    scan_deadlines(today)
    if stdout is not None:
        stdout.write(f"{trust.name}: {EhcPlan.objects.count()} EHC plans, 1 assessment request\n")
