"""Who sees deadlines (with the pupil), who tracks them (the statutory calendar, the feed), and whose reminders
are whose."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from pupils.models import Pupil
from reviews.deadlines.models import Deadline, Digest, NotificationPreference, Reminder
from reviews.policy import PLAN_LEADS
from schools.models import ClassStaff, ClassStaffRole, Role
from schools.selectors import roles_of
from send import policy
from send.tenancy import current_trust_id


@policy.register(Deadline)
class DeadlineRule(policy.Rule):
    """`view`: with the pupil. `track` (the statutory calendar, the calendar feed): the trust SEND lead; the SENCO,
    assistant SENCO and headteacher for their schools; a class teacher for the pupils of the classes they teach.
    Deadlines are written by the services only, never by a person."""

    actions = ("view", "track")

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        if action == "view":
            return queryset.filter(pupil__in=policy.visible(user, Pupil, "view").values("pk"))
        if action != "track":
            return queryset.none()
        roles = roles_of(user)
        if roles.is_send_lead:
            return queryset
        # by the pupil's school today (a pupil who moved takes their deadlines to the new school)
        whole = Q(pupil__school_id__in=roles.schools_with(*PLAN_LEADS, Role.HEADTEACHER))
        taught = ClassStaff.objects.filter(user_id=user.pk, role=ClassStaffRole.TEACHER).values("school_class_id")
        teacher = Q(pupil__school_id__in=roles.schools_with(Role.CLASS_TEACHER), pupil__school_class_id__in=taught)
        return queryset.filter(whole | teacher)

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id():
            return False
        if action == "view":
            return policy.can(user, "view", obj.pupil)
        return action == "track" and self.visible(user, Deadline.objects.filter(pk=obj.pk), action).exists()


class OwnRowsRule(policy.Rule):
    """A person's reminders and preferences are theirs alone."""

    actions = ("view", "change")

    owner_field = "recipient_id"

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        return queryset.filter(**{self.owner_field: user.pk})

    def can(self, user: Any, action: str, obj: Any) -> bool:
        return bool(obj.trust_id == current_trust_id() and getattr(obj, self.owner_field) == user.pk)


policy.register(Reminder)(type("ReminderRule", (OwnRowsRule,), {}))
policy.register(Digest)(type("DigestRule", (OwnRowsRule,), {}))
policy.register(NotificationPreference)(type("NotificationPreferenceRule", (OwnRowsRule,), {"owner_field": "user_id"}))
