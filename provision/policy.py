"""Who sees and changes the catalogue, the rates, the groups and their sessions (ARCHITECTURE.md roles)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from provision.models import Attendance, GroupMember, GroupStaff, Intervention, InterventionGroup, Session, StaffRate
from pupils.models import Pupil
from schools.models import Role, Trust
from schools.policy import SCHOOL_READERS, register_trust_action
from schools.selectors import roles_of
from send import policy
from send.pdf import register_subject, visible_subject
from send.tenancy import current_trust_id

PROVISION_EDITORS = (Role.SENCO, Role.ASSISTANT_SENCO)
PROVISION_STAFF = (*SCHOOL_READERS, Role.CLASS_TEACHER, Role.TEACHING_ASSISTANT, Role.DESIGNATED_TEACHER)


# intervention catalogue entries for every school of the trust
register_trust_action("publish_catalogue", lambda roles: roles.is_send_lead)


@policy.register(Intervention)
class InterventionRule(policy.Rule):
    """`view`: everyone who works with pupils at a school sees its catalogue and the trust's. `change`: the
    school's SENCO (or assistant) its own entries; the trust SEND lead the trust's (published to all schools)."""

    actions = ("view", "change")

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        roles = roles_of(user)
        if roles.is_send_lead:
            return queryset
        if action == "view":
            schools = roles.schools_with(*PROVISION_STAFF)
            return queryset.filter(Q(school_id__in=schools) | Q(school__isnull=True)) if schools else queryset.none()
        if action == "change":
            return queryset.filter(school_id__in=roles.schools_with(*PROVISION_EDITORS))
        return queryset.none()

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id():
            return False
        roles = roles_of(user)
        if roles.is_send_lead:
            return action in {"view", "change"}
        if action == "view":
            schools = roles.schools_with(*PROVISION_STAFF)
            return bool(schools) and (obj.school_id is None or obj.school_id in schools)
        if action == "change":
            return obj.school_id is not None and roles.at_school(obj.school_id, *PROVISION_EDITORS)
        return False


@policy.register(StaffRate)
class StaffRateRule(policy.Rule):
    """Rates are money: the SENCO (and assistant) set them; the head and the trust SEND lead read them."""

    actions = ("view", "change")

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        roles = roles_of(user)
        if roles.is_send_lead:
            return queryset
        wanted = SCHOOL_READERS if action == "view" else PROVISION_EDITORS
        return queryset.filter(school_id__in=roles.schools_with(*wanted))


@policy.register(InterventionGroup)
class InterventionGroupRule(policy.Rule):
    """`view`: the school's SENCO, assistant and head, the trust SEND lead, and the group's named staff.
    `change` (plan, members, measures): SENCO, assistant, lead. `record_session`: those and the named staff."""

    actions = ("view", "record_session", "change")

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        roles = roles_of(user)
        if roles.is_send_lead:
            return queryset
        # Named staff see their groups only while they hold a role at the group's school, as with classes.
        named = Q(
            pk__in=GroupStaff.objects.filter(user_id=user.pk).values("group_id"),
            school_id__in=roles.schools_with(*PROVISION_STAFF),
        )
        if action == "view":
            return queryset.filter(Q(school_id__in=roles.schools_with(*SCHOOL_READERS)) | named)
        if action == "record_session":
            return queryset.filter(Q(school_id__in=roles.schools_with(*PROVISION_EDITORS)) | named)
        if action == "change":
            return queryset.filter(school_id__in=roles.schools_with(*PROVISION_EDITORS))
        return queryset.none()


class FollowsGroupRule(policy.Rule):
    """Members and sessions are seen with their group; changing them is the group's `change`."""

    actions = ("view", "change", "record_session")

    group_path = "group"
    write_action = "change"

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        wanted = "view" if action == "view" else self.write_action
        groups = policy.visible(user, InterventionGroup, wanted).values("pk")
        return queryset.filter(**{f"{self.group_path}__in": groups})


@policy.register(GroupMember)
class GroupMemberRule(FollowsGroupRule):
    """A pupil's provision is also seen by whoever may open the pupil (their teacher plans with it)."""

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        in_groups = super().visible(user, queryset, action)
        if action != "view":
            return in_groups
        pupils = policy.visible(user, Pupil, "view").values("pk")
        return queryset.filter(Q(pk__in=in_groups.values("pk")) | Q(pupil__in=pupils))


policy.register(Session)(type("SessionRule", (FollowsGroupRule,), {"write_action": "record_session"}))
policy.register(Attendance)(
    type("AttendanceRule", (FollowsGroupRule,), {"group_path": "session__group", "write_action": "record_session"})
)
policy.register(GroupStaff)(type("GroupStaffRule", (FollowsGroupRule,), {}))


def _may_see_provision_map(user: Any, job: Any) -> bool:
    trust = Trust.objects.filter(pk=job.trust_id).first()
    return trust is not None and policy.can(user, "view_pupils", trust)


# Prepared PDFs are re-authorised at download (send.pdf).
register_subject("costed_provision", visible_subject(Pupil))
register_subject("provision_map", _may_see_provision_map)
