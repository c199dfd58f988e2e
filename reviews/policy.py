"""What the reviews app's rules share: who leads plans at a school, and who teaches a pupil. Each process's rules
are in its own sub-package (`apdr.policy`, `ehc.policy`, `deadlines.policy`)."""

from __future__ import annotations

from typing import Any

from pupils.models import Pupil
from schools.models import ClassStaff, ClassStaffRole, Role
from schools.policy import register_trust_action
from schools.selectors import roles_of

PLAN_LEADS = (Role.SENCO, Role.ASSISTANT_SENCO)

# the SENCO's list of reviews due, the quality checks of plans, and the statutory calendar
register_trust_action(
    "oversee_plans",
    lambda roles: roles.is_send_lead or bool(roles.schools_with(*PLAN_LEADS, Role.HEADTEACHER)),
)


def leads(user: Any, school_id: int) -> bool:
    roles = roles_of(user)
    return roles.is_send_lead or roles.at_school(school_id, *PLAN_LEADS)


def teaches(user: Any, pupil: Pupil) -> bool:
    return roles_of(user).at_school(pupil.school_id, Role.CLASS_TEACHER) and (
        ClassStaff.objects.filter(
            user_id=user.pk, role=ClassStaffRole.TEACHER, school_class_id=pupil.school_class_id
        ).exists()
    )
