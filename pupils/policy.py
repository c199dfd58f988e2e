"""Who sees and changes which pupils (ARCHITECTURE.md, roles table)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from pupils.models import (
    AccessArrangement,
    Contact,
    ContactLogEntry,
    PassportVersion,
    Pupil,
    PupilNeed,
    PupilNote,
    RegisterChange,
)
from schools.models import ClassStaff, ClassStaffRole, Role, SchoolClass
from schools.policy import SCHOOL_READERS
from schools.selectors import roles_of
from send import policy
from send.pdf import register_subject, visible_subject
from send.tenancy import current_trust_id

REGISTER_EDITORS = (Role.SENCO,)


def _granted(user: Any, queryset: QuerySet[Any], perm: str) -> QuerySet[Any]:
    """Object grants beyond roles (a TA given one pupil), only ever inside the scoped queryset."""
    return get_objects_for_user(user, perm, klass=queryset, accept_global_perms=False, with_superuser=False).values(
        "pk"
    )


@policy.register(Pupil)
class PupilRule(policy.Rule):
    """`view`: open the pupil's SEND record. `change`: change the register entry."""

    actions = ("view", "change", "change_flags", "manage_record", "add_note", "review_passport", "edit_passport")

    client_school_path = "school"

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        roles = roles_of(user)
        if action == "view":
            if roles.is_send_lead:
                return queryset
            looked_after = Q(is_looked_after=True) | Q(is_previously_looked_after=True)
            teaches = ClassStaff.objects.filter(user_id=user.pk, role=ClassStaffRole.TEACHER)
            supports = ClassStaff.objects.filter(user_id=user.pk, role=ClassStaffRole.SUPPORT)
            condition = (
                Q(school_id__in=roles.schools_with(*SCHOOL_READERS))
                | (Q(school_id__in=roles.schools_with(Role.DESIGNATED_TEACHER)) & looked_after)
                | Q(
                    school_id__in=roles.schools_with(Role.CLASS_TEACHER),
                    school_class_id__in=teaches.values("school_class_id"),
                )
                | Q(
                    school_id__in=roles.schools_with(Role.TEACHING_ASSISTANT),
                    school_class_id__in=supports.values("school_class_id"),
                )
                | Q(pk__in=_granted(user, self.model._default_manager.all(), "pupils.view_pupil"))
            )
            return queryset.filter(condition)
        if action == "change":
            if roles.is_send_lead:
                return queryset
            return queryset.filter(school_id__in=roles.schools_with(*REGISTER_EDITORS))
        return queryset.none()

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id():
            return False
        roles = roles_of(user)
        if action == "change":
            return roles.is_send_lead or roles.at_school(obj.school_id, *REGISTER_EDITORS)
        if action == "change_flags":
            # the designated teacher keeps the looked-after flags (checked per flag in the view)
            return roles.is_send_lead or roles.at_school(
                obj.school_id, Role.SENCO, Role.ASSISTANT_SENCO, Role.DESIGNATED_TEACHER
            )
        if action == "manage_record":
            # contacts, the contact log, documents and access arrangements
            return roles.is_send_lead or roles.at_school(obj.school_id, Role.SENCO, Role.ASSISTANT_SENCO)
        if action == "add_note":
            # everyone who works with the pupil may add a note: whoever may open the record, but not the head
            if roles.is_send_lead or roles.at_school(obj.school_id, Role.SENCO, Role.ASSISTANT_SENCO):
                return True
            if roles.schools_with(Role.HEADTEACHER) and not roles.schools_with(
                Role.CLASS_TEACHER, Role.TEACHING_ASSISTANT, Role.DESIGNATED_TEACHER
            ):
                return False
            return super().can(user, "view", obj)
        if action == "review_passport":
            return roles.is_send_lead or roles.at_school(obj.school_id, Role.SENCO)
        if action == "edit_passport":
            if roles.is_send_lead or roles.at_school(obj.school_id, Role.SENCO):
                return True
            # class teachers: the pupils of the classes they teach, and only those
            return (
                roles.at_school(obj.school_id, Role.CLASS_TEACHER)
                and ClassStaff.objects.filter(
                    user_id=user.pk, role=ClassStaffRole.TEACHER, school_class_id=obj.school_class_id
                ).exists()
            )
        return super().can(user, action, obj)


class FollowsPupilRule(policy.Rule):
    """Rows that belong to one pupil are seen by whoever may open the pupil; changing them is the pupil's
    `write_action` (or the same action on the pupil, when None)."""

    actions = ("view", "change", "delete")
    write_action: str | None = "manage_record"
    client_school_path = "pupil__school"

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        return queryset.filter(pupil__in=policy.visible(user, Pupil, "view").values("pk"))

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if action == "view" or self.write_action is None:
            return policy.can(user, action, obj.pupil)
        return policy.can(user, self.write_action, obj.pupil)


for _model, _write in (
    (PupilNeed, None),
    (RegisterChange, None),
    (PassportVersion, "edit_passport"),
    (Contact, "manage_record"),
    (ContactLogEntry, "manage_record"),
    (PupilNote, "manage_record"),
    (AccessArrangement, "manage_record"),
):
    policy.register(_model)(type(f"{_model.__name__}Rule", (FollowsPupilRule,), {"write_action": _write}))


# Prepared PDFs are re-authorised at download: the requester must still see the pupil, or the class.
register_subject("passport", visible_subject(Pupil))
register_subject("class_passports", visible_subject(SchoolClass))
