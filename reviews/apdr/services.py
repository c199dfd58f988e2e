"""Writes to APDR plans: start a cycle, edit it, its targets, evidence and views, and move it through its states.

States: draft → (submit) → submitted → (sign off) → active → (start review, or the daily scan) → due →
(close review) → reviewed, which starts the next cycle as a draft with the unmet targets the reviewer chose.
While a plan is active its review date is a row of the deadline table (reviews.deadlines), which gives
the class teacher their reminders through the same outbox as the statutory deadlines.
A SENCO may sign off a draft directly, and returns a submitted plan to draft with a comment. Every change of
state is a PlanTransition row (and pghistory keeps every field change).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from provision.models import InterventionGroup
from pupils.models import Pupil
from reviews.apdr.deadlines import sync_plan_review_deadline
from reviews.apdr.models import (
    UNMET,
    Contribution,
    Evidence,
    Plan,
    PlanSource,
    PlanState,
    PlanTransition,
    Progress,
    Target,
)
from schools.models import School, Term, User

PLAN_FIELDS = (
    "starts_on",
    "review_on",
    "concerns",
    "strengths",
    "data",
    "specialist_advice",
    "strategies",
    "who_does_what",
)


def default_review_date(school: School, starts_on: dt.date) -> dt.date:
    """The end of the term the plan starts in, less the school's days; the next term's if that is under 4 weeks
    away; 12 weeks on when the school has no term dates."""
    days = dt.timedelta(days=school.plan_review_days_before_term_end)
    for term in Term.objects.filter(school=school, ends_on__gte=starts_on).order_by("starts_on")[:3]:
        review = term.ends_on - days
        if review >= starts_on + dt.timedelta(weeks=4):
            return review
    return starts_on + dt.timedelta(weeks=12)


def _check_dates(starts_on: dt.date | None, review_on: dt.date | None, errors: dict[str, list[str]]) -> None:
    if starts_on and review_on and review_on < starts_on:
        errors["review_on"] = ["The review date cannot be before the plan starts."]


def _record(plan: Plan, action: str, before: str, by: User | None, comment: str = "") -> None:
    """Every change of state: its row, and the plan's review date kept in step in the deadline table."""
    PlanTransition.objects.create(
        plan=plan, action=action, from_state=before, to_state=plan.state, comment=comment, by=by
    )
    sync_plan_review_deadline(plan)


@transaction.atomic
def start_plan(pupil: Pupil, *, by: User, **fields: Any) -> Plan:
    """Open the pupil's next cycle as a draft (one open cycle at a time)."""
    errors: dict[str, list[str]] = {}
    fields.setdefault("starts_on", timezone.localdate())
    if not fields.get("review_on"):
        fields["review_on"] = default_review_date(pupil.school, fields["starts_on"])
    _check_dates(fields.get("starts_on"), fields.get("review_on"), errors)
    if Plan.objects.filter(pupil=pupil).exclude(state=PlanState.REVIEWED).exists():
        errors["starts_on"] = ["This pupil already has an open plan: review it before starting the next."]
    if errors:
        raise ValidationError(errors)
    last = Plan.objects.filter(pupil=pupil).order_by("-cycle").values_list("cycle", flat=True).first() or 0
    plan = Plan(pupil=pupil, cycle=last + 1, written_by=by, **{k: v for k, v in fields.items() if k in PLAN_FIELDS})
    plan.trust_id = pupil.trust_id
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as error:  # two people starting a plan at once
        raise ValidationError({"starts_on": ["This pupil already has an open plan."]}) from error
    _record(plan, "start", "", by)
    return plan


@transaction.atomic
def update_plan(
    plan: Plan,
    *,
    by: User,
    contact_log_used: list[Any] | None = None,
    documents_used: list[Any] | None = None,
    **fields: Any,
) -> Plan:
    """Change the Assess and Plan stages; once the plan is reviewed it is a record and no longer changes."""
    if plan.state == PlanState.REVIEWED:
        raise ValidationError("A reviewed plan is a record: start the next cycle to plan again.")
    errors: dict[str, list[str]] = {}
    _check_dates(fields.get("starts_on", plan.starts_on), fields.get("review_on", plan.review_on), errors)
    if errors:
        raise ValidationError(errors)
    for key, value in fields.items():
        if key in PLAN_FIELDS:
            setattr(plan, key, value)
    plan.save()
    sync_plan_review_deadline(plan)
    if contact_log_used is not None or documents_used is not None:
        # only the pupil's own conversations and documents can be sources of their plan
        entries = [e for e in contact_log_used or [] if e.pupil_id == plan.pupil_id]
        documents = [
            d for d in documents_used or [] if d.owner_id == str(plan.pupil_id) and d.trust_id == plan.trust_id
        ]
        PlanSource.objects.filter(plan=plan).delete()
        PlanSource.objects.bulk_create(
            [PlanSource(plan=plan, trust_id=plan.trust_id, contact_log_entry=e) for e in entries]
            + [PlanSource(plan=plan, trust_id=plan.trust_id, document=d) for d in documents]
        )
    return plan


@transaction.atomic
def save_target(plan: Plan, target: Target | None, **fields: Any) -> Target:
    errors: dict[str, list[str]] = {}
    if plan.state == PlanState.REVIEWED:
        raise ValidationError("A reviewed plan is a record and no longer changes.")
    if not (fields.get("wording") or "").strip():
        errors["wording"] = ["Write the target: what the pupil will be able to do."]
    provision: InterventionGroup | None = fields.get("provision")
    if provision is not None and provision.school_id != plan.pupil.school_id:
        errors["provision"] = ["Choose provision of the pupil's school."]
    if errors:
        raise ValidationError(errors)
    target = target or Target(plan=plan, position=plan.targets.count())
    for key in ("outcome", "wording", "success_criteria", "provision", "who"):
        if key in fields:
            setattr(target, key, fields[key].strip() if isinstance(fields[key], str) else fields[key])
    target.save()
    return target


@transaction.atomic
def add_evidence(plan: Plan, *, by: User, kind: str, happened_on: dt.date, text: str) -> Evidence:
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = ["Write what was seen or done."]
    if happened_on > timezone.localdate():
        errors["happened_on"] = ["Evidence is recorded after it happens: the date cannot be in the future."]
    if errors:
        raise ValidationError(errors)
    return Evidence.objects.create(plan=plan, kind=kind, happened_on=happened_on, text=text.strip(), recorded_by=by)


@transaction.atomic
def add_contribution(plan: Plan, *, by: User, **fields: Any) -> Contribution:
    """A parent's or the pupil's view, with the date and how it was gathered."""
    errors: dict[str, list[str]] = {}
    if not (fields.get("text") or "").strip():
        errors["text"] = ["Write their view, in their words where you can."]
    if fields.get("given_on") and fields["given_on"] > timezone.localdate():
        errors["given_on"] = ["The date cannot be in the future."]
    if errors:
        raise ValidationError(errors)
    return Contribution.objects.create(plan=plan, recorded_by=by, **fields)


# --- States -----------------------------------------------------------------------------------------------

# action: (states it may start from, the state it leads to, the permission it needs)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "submit": (frozenset({PlanState.DRAFT}), PlanState.SUBMITTED, "write"),
    "sign_off": (frozenset({PlanState.DRAFT, PlanState.SUBMITTED}), PlanState.ACTIVE, "sign_off"),
    "return": (frozenset({PlanState.SUBMITTED}), PlanState.DRAFT, "sign_off"),
    "start_review": (frozenset({PlanState.ACTIVE}), PlanState.DUE, "write"),
}
ACTION_LABELS = {
    "submit": "send for sign-off",
    "sign_off": "sign off",
    "return": "return",
    "start_review": "start the review of",
    "close_review": "close the review of",
}


def _allowed(plan: Plan, action: str, states: frozenset[str]) -> None:
    if plan.state not in states:
        state = PlanState(plan.state).label.lower()
        raise ValidationError(f"You cannot {ACTION_LABELS[action]} a plan that is {state}.")


def permission_for(action: str) -> str:
    """The plan action (policy) a transition needs: the view checks it before calling `transition`."""
    return TRANSITIONS[action][2]


@transaction.atomic
def transition(plan: Plan, action: str, *, by: User, comment: str = "") -> Plan:
    if action not in TRANSITIONS:
        raise ValidationError(f"Unknown action {action!r}.")
    plan = Plan.objects.select_for_update().select_related("pupil").get(pk=plan.pk)
    states, target_state, _ = TRANSITIONS[action]
    _allowed(plan, action, states)
    if action in {"submit", "sign_off"}:
        targets = list(plan.targets.all())
        if not targets:
            raise ValidationError({"targets": ["Add at least one target before the plan is signed off."]})
        if any(not t.wording.strip() for t in targets):
            raise ValidationError({"targets": ["Every target needs its wording."]})
    if action == "return" and not comment.strip():
        raise ValidationError({"comment": ["Say what needs changing, for the teacher."]})
    before = plan.state
    plan.state = target_state
    if action in {"return", "sign_off"} and comment.strip():
        plan.senco_comment = comment.strip()
    plan.save()
    _record(plan, action, before, by, comment.strip())
    return plan


@transaction.atomic
def close_review(
    plan: Plan,
    *,
    by: User,
    reviewed_on: dt.date,
    progress: dict[int, tuple[str, str]],
    what_worked: str,
    next_steps: str,
    carry_forward: set[int],
    next_review_on: dt.date | None = None,
) -> Plan | None:
    """Record the review (progress per target, what worked, next steps), close the cycle, and start the next one
    with the unmet targets chosen to carry forward. Returns the next plan (None if none was wanted)."""
    plan = Plan.objects.select_for_update().select_related("pupil__school").get(pk=plan.pk)
    _allowed(plan, "close_review", frozenset({PlanState.ACTIVE, PlanState.DUE}))
    targets = list(plan.targets.all())
    errors: dict[str, list[str]] = {}
    missing = [t for t in targets if progress.get(t.pk, ("", ""))[0] not in Progress.values]
    if missing:
        errors["progress"] = [f"Give the progress on every target ({len(missing)} without)."]
    if reviewed_on < plan.starts_on:
        errors["reviewed_on"] = ["The review cannot be before the plan started."]
    if reviewed_on > timezone.localdate():
        errors["reviewed_on"] = ["The review is recorded on or after the day it was held."]
    met = [t for t in targets if t.pk in carry_forward and progress.get(t.pk, ("", ""))[0] not in UNMET]
    if met:
        errors["carry_forward"] = ["Only targets not met or partly met are carried forward."]
    if next_review_on is not None and next_review_on < reviewed_on:
        errors["next_review_on"] = ["The next review cannot be before this one."]
    if errors:
        raise ValidationError(errors)
    for target in targets:
        target.progress, target.progress_note = progress[target.pk][0], progress[target.pk][1].strip()
    Target.objects.bulk_update(targets, ["progress", "progress_note"])
    before = plan.state
    plan.state, plan.reviewed_on = PlanState.REVIEWED, reviewed_on
    plan.what_worked, plan.next_steps = what_worked.strip(), next_steps.strip()
    plan.save()
    _record(plan, "close_review", before, by)
    next_plan = Plan(
        pupil=plan.pupil,
        cycle=plan.cycle + 1,
        starts_on=reviewed_on,
        review_on=next_review_on or default_review_date(plan.pupil.school, reviewed_on),
        strategies=plan.strategies,
        who_does_what=plan.who_does_what,
        written_by=by,
    )
    next_plan.save()
    _record(next_plan, "start", "", by, f"Next cycle after the review of {reviewed_on:%-d %B %Y}")
    Target.objects.bulk_create(
        [
            Target(
                plan=next_plan,
                trust_id=next_plan.trust_id,
                outcome=t.outcome,
                wording=t.wording,
                success_criteria=t.success_criteria,
                provision=t.provision,
                who=t.who,
                carried_from=t,
                position=i,
            )
            for i, t in enumerate(t for t in targets if t.pk in carry_forward)
        ]
    )
    return next_plan
