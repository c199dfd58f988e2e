"""What the reviews app's rules share: who leads plans at a school, and who teaches a pupil. Each process's rules
are in its own sub-package (`apdr.policy`, `ehc.policy`, `deadlines.policy`)."""

from __future__ import annotations

from typing import Any

from pupils.models import Pupil
from schools.models import ClassStaff, ClassStaffRole, Role
from schools.selectors import roles_of

PLAN_LEADS = (Role.SENCO, Role.ASSISTANT_SENCO)


def leads(user: Any, school_id: int) -> bool:
    roles = roles_of(user)
    return roles.has_trust_wide(Role.TRUST_SEND_LEAD) or roles.at_school(school_id, *PLAN_LEADS)


def teaches(user: Any, pupil: Pupil) -> bool:
    return roles_of(user).at_school(pupil.school_id, Role.CLASS_TEACHER) and (
        ClassStaff.objects.filter(
            user_id=user.pk, role=ClassStaffRole.TEACHER, school_class_id=pupil.school_class_id
        ).exists()
    )
