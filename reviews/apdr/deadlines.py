"""A SEN support plan's review date on the deadline engine: a row while the plan is active, met when reviewed."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from reviews.apdr.models import Plan
from reviews.deadlines.models import DeadlineKind
from reviews.deadlines.services import Wanted, apply_deadlines, table_sql
from send.tenancy import require_trust_id

PLAN_REVIEW_RULE = "The review date agreed for the plan: the graduated approach reviews each cycle, usually termly"
OPEN_PLAN_STATES = ("active", "due")


def sync_plan_review_deadline(plan: Plan) -> None:
    """A SEN support plan's review date is a deadline while the plan is active; met when it is reviewed."""
    key = f"plan:{plan.pk}:review"
    wanted: list[Wanted] = []
    if plan.state in OPEN_PLAN_STATES:
        wanted.append(Wanted(key, DeadlineKind.PLAN_REVIEW, plan.review_on, PLAN_REVIEW_RULE, f"Cycle {plan.cycle}"))
    elif plan.state == "reviewed":
        wanted.append(
            Wanted(
                key,
                DeadlineKind.PLAN_REVIEW,
                plan.review_on,
                PLAN_REVIEW_RULE,
                f"Cycle {plan.cycle}",
                met_on=plan.reviewed_on or plan.review_on,
            )
        )
    apply_deadlines(plan.pupil, {"plan": plan}, wanted, f"plan:{plan.pk}:")


# The same, for every plan of the trust at once: the morning scan's catch-all (and the first fill of the table).
SYNC_PLAN_REVIEWS = """
INSERT INTO {deadline} (trust_id, uuid, school_id, pupil_id, plan_id, key, kind, due_on, rule, detail, state,
                        updated_at)
SELECT p.trust_id, gen_random_uuid(), pu.school_id, p.pupil_id, p.id, 'plan:' || p.id || ':review', 'plan_review',
       p.review_on, %(rule)s, 'Cycle ' || p.cycle, 'open', now()
  FROM {plan} p JOIN {pupil} pu ON pu.id = p.pupil_id
 WHERE p.trust_id = %(trust)s AND p.state = ANY(%(open_states)s)
ON CONFLICT (trust_id, key) DO UPDATE
   SET due_on = EXCLUDED.due_on, school_id = EXCLUDED.school_id, state = 'open', met_on = NULL, updated_at = now()
 WHERE {deadline}.due_on <> EXCLUDED.due_on OR {deadline}.school_id <> EXCLUDED.school_id
    OR {deadline}.state <> 'open'
"""

MEET_REVIEWED_PLANS = """
UPDATE {deadline} d SET state = 'met', met_on = coalesce(p.reviewed_on, p.review_on), updated_at = now()
  FROM {plan} p
 WHERE d.trust_id = %(trust)s AND d.plan_id = p.id AND d.state = 'open' AND NOT p.state = ANY(%(open_states)s)
"""


def sync_all_plan_review_deadlines() -> None:
    params: dict[str, Any] = {
        "trust": require_trust_id(),
        "rule": PLAN_REVIEW_RULE,
        "open_states": list(OPEN_PLAN_STATES),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(table_sql(SYNC_PLAN_REVIEWS), params)
        cursor.execute(table_sql(MEET_REVIEWED_PLANS), params)
