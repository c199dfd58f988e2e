"""Who sees and changes which pupils (ARCHITECTURE.md, roles table)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, Q, QuerySet
from django.db.models.functions import Cast
from guardian.models import GroupObjectPermission, UserObjectPermission

from pupils.models import (
    AccessArrangement,
    Contact,
    ContactLogEntry,
    PassportVersion,
    Pupil,
    PupilNeed,
    PupilNote,
    RegisterChange,
    has_left,
    has_left_q,
)
from schools.models import ClassStaff, ClassStaffRole, Role, SchoolClass
from schools.policy import SCHOOL_READERS, register_trust_action
from schools.selectors import roles_of
from send import policy
from send.pdf import register_subject, visible_subject
from send.tenancy import current_trust_id

REGISTER_EDITORS = (Role.SENCO,)
# A pupil who has left is archived: read-only, seen only by the SENCO and head of their last school (and the
# trust SEND lead), out of every list of current pupils.
ARCHIVE_READERS = (Role.SENCO, Role.HEADTEACHER)

# After a school's MIS switch: the pupils the new MIS never sent (pupils.relink), for whoever keeps the register.
register_trust_action("view_unmatched", lambda roles: roles.is_send_lead or bool(roles.schools_with(*SCHOOL_READERS)))


def _granted(user: Any, model: type[Any], codename: str) -> Q:
    """Object grants beyond roles (a TA given one pupil), to the user or a group of theirs; never global ones.

    A filter on primary keys, applied only inside the trust-scoped queryset (a grant on another trust's row
    finds nothing). Two small subqueries rather than guardian's `get_objects_for_user`, whose nested copies of
    the pupil table cost milliseconds of planning on every list.
    """
    content_type = ContentType.objects.get_for_model(model)
    found = {"content_type": content_type, "permission__codename": codename}
    key = Cast("object_pk", BigIntegerField())
    direct = UserObjectPermission.objects.filter(user_id=user.pk, **found).values_list(key)
    grouped = GroupObjectPermission.objects.filter(group__user=user.pk, **found).values_list(key)
    return Q(pk__in=direct) | Q(pk__in=grouped)


@policy.register(Pupil)
class PupilRule(policy.Rule):
    """`view`: open the pupil's SEND record. `change`: change the register entry. A pupil who has left is
    archived: only `view`, and only for the SENCO and head of their school and the trust SEND lead."""

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
                | _granted(user, self.model, "view_pupil")
            )
            archive = Q(school_id__in=roles.schools_with(*ARCHIVE_READERS))
            return queryset.filter((~has_left_q() & condition) | (has_left_q() & archive))
        queryset = queryset.exclude(has_left_q())  # archived: read-only
        if roles.is_send_lead:
            return queryset
        if action == "change":
            return queryset.filter(school_id__in=roles.schools_with(*REGISTER_EDITORS))
        if action in self.AT_SCHOOL:
            return queryset.filter(school_id__in=roles.schools_with(*self.AT_SCHOOL[action]))
        if action == "add_note":
            keepers = queryset.filter(school_id__in=roles.schools_with(Role.SENCO, Role.ASSISTANT_SENCO))
            if self._head_only(roles):
                return keepers
            return keepers | self.visible(user, queryset, "view")
        if action == "edit_passport":
            teaches = ClassStaff.objects.filter(user_id=user.pk, role=ClassStaffRole.TEACHER)
            return queryset.filter(
                Q(school_id__in=roles.schools_with(Role.SENCO))
                | Q(
                    school_id__in=roles.schools_with(Role.CLASS_TEACHER),
                    school_class_id__in=teaches.values("school_class_id"),
                )
            )
        return queryset.none()

    # The actions granted by a role at the pupil's school, and which roles (besides the trust SEND lead).
    AT_SCHOOL = {
        # the designated teacher keeps the looked-after flags (checked per flag in the view)
        "change_flags": (Role.SENCO, Role.ASSISTANT_SENCO, Role.DESIGNATED_TEACHER),
        # contacts, the contact log, documents and access arrangements
        "manage_record": (Role.SENCO, Role.ASSISTANT_SENCO),
        "review_passport": (Role.SENCO,),
    }

    @staticmethod
    def _head_only(roles: Any) -> bool:
        """A headteacher reads every pupil but adds notes only where they also work with pupils."""
        return bool(roles.schools_with(Role.HEADTEACHER)) and not roles.schools_with(
            Role.CLASS_TEACHER, Role.TEACHING_ASSISTANT, Role.DESIGNATED_TEACHER
        )

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id():
            return False
        if action != "view" and has_left(obj):
            return False  # archived: read-only
        roles = roles_of(user)
        if action == "change":
            return roles.is_send_lead or roles.at_school(obj.school_id, *REGISTER_EDITORS)
        if action in self.AT_SCHOOL:
            return roles.is_send_lead or roles.at_school(obj.school_id, *self.AT_SCHOOL[action])
        if action == "add_note":
            # everyone who works with the pupil may add a note: whoever may open the record, but not the head
            if roles.is_send_lead or roles.at_school(obj.school_id, Role.SENCO, Role.ASSISTANT_SENCO):
                return True
            if self._head_only(roles):
                return False
            return super().can(user, "view", obj)
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

    def pupil_action(self, action: str) -> str:
        """The pupil's action that this row's action needs: viewing it, or changing (or deleting) it."""
        if action == "view":
            return "view"
        return self.write_action or "change"

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        return queryset.filter(pupil__in=policy.visible(user, Pupil, self.pupil_action(action)).values("pk"))

    def can(self, user: Any, action: str, obj: Any) -> bool:
        return policy.can(user, self.pupil_action(action), obj.pupil)


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
