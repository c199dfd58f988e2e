"""Policy rules for trusts, schools, staff and term dates (registered with send.policy)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from schools.models import (
    ApiClient,
    ClassStaff,
    Federation,
    InsetDay,
    Membership,
    MisSwitch,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    Term,
    Trust,
)
from schools.selectors import Roles, roles_of
from send import policy
from send.tenancy import current_trust_id

# Roles that open named pupils' records (and so must pass a second factor first).
PUPIL_ROLES = frozenset(
    {
        Role.TRUST_SEND_LEAD,
        Role.SENCO,
        Role.ASSISTANT_SENCO,
        Role.DESIGNATED_TEACHER,
        Role.CLASS_TEACHER,
        Role.TEACHING_ASSISTANT,
        Role.HEADTEACHER,
    }
)
# Roles that read the SEND register and reports of a whole school.
SCHOOL_READERS = (Role.SENCO, Role.ASSISTANT_SENCO, Role.HEADTEACHER)
REPORT_READERS = (Role.SENCO, Role.ASSISTANT_SENCO, Role.HEADTEACHER, Role.GOVERNOR)


TrustActionTest = Callable[[Roles], bool]
# Actions on the trust as a whole, each answered from the user's roles in it. The apps above add their own with
# `register_trust_action` (provision: `publish_catalogue`; reviews: `oversee_plans`).
_trust_actions: dict[str, TrustActionTest] = {
    "view": lambda roles: not roles.is_empty,
    # schools, term dates, staff and roles, API clients
    "manage": lambda roles: roles.has_trust_wide(Role.TRUST_ADMIN),
    # aggregate figures
    "view_reports": lambda roles: roles.is_send_lead or bool(roles.schools_with(*REPORT_READERS)),
    # named pupils' records (a second factor first)
    "view_pupils": lambda roles: bool(roles.all_roles & PUPIL_ROLES),
}


def register_trust_action(action: str, test: TrustActionTest) -> None:
    """An app's own action on the trust (e.g. who oversees plans), answered from the user's roles."""
    _trust_actions[action] = test


@policy.register(Trust)
class TrustRule(policy.Rule):
    """Trust-level actions (`view`, `manage`, `view_reports`, `view_pupils`, and those the apps register)."""

    def all_actions(self) -> tuple[str, ...]:
        return (*_trust_actions, *policy.CLIENT_SCOPES)

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        trust_id = current_trust_id()
        if trust_id is None:
            return queryset.none()
        return queryset.filter(pk=trust_id) if self.can_in_current(user, action) else queryset.none()

    def can(self, user: Any, action: str, obj: Any) -> bool:
        return obj.pk == current_trust_id() and self.can_in_current(user, action)

    def client_can(self, client: Any, action: str, obj: Any) -> bool:
        """An API client acts on its own trust only, and only with the scopes (`read`, `write`) it holds."""
        return obj.pk == current_trust_id() == client.trust_id and action in client.scopes

    def client_visible(self, client: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        trust_id = current_trust_id()
        if trust_id is None or trust_id != client.trust_id or action not in client.scopes:
            return queryset.none()
        return queryset.filter(pk=trust_id)

    def can_in_current(self, user: Any, action: str) -> bool:
        return _trust_actions[action](roles_of(user))


@policy.register(School)
class SchoolRule(policy.Rule):
    """Anyone with a role at a school sees it; trust-wide roles see every school; only admins change them."""

    actions = ("view", "view_reports", "change", "delete", "add_pupil", "plan_provision")

    client_school_path = "pk"

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        roles = roles_of(user)
        if action == "view":
            if roles.has_trust_wide(Role.TRUST_ADMIN, Role.TRUST_SEND_LEAD):
                return queryset
            return queryset.filter(pk__in=roles.schools_with(*roles.at_schools))
        if action == "view_reports":
            if roles.is_send_lead:
                return queryset
            return queryset.filter(pk__in=roles.schools_with(*REPORT_READERS))
        if action in {"change", "delete"} and roles.has_trust_wide(Role.TRUST_ADMIN):
            return queryset
        if action == "add_pupil":
            if roles.is_send_lead:
                return queryset
            return queryset.filter(pk__in=roles.schools_with(Role.SENCO))
        if action == "plan_provision":
            # the school's catalogue entries, staff rates and intervention groups
            if roles.is_send_lead:
                return queryset
            return queryset.filter(pk__in=roles.schools_with(Role.SENCO, Role.ASSISTANT_SENCO))
        return queryset.none()

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id():
            return False
        roles = roles_of(user)
        # the same rules as `visible`, answered from the roles without a query
        if action == "add_pupil":
            return roles.has_trust_wide(Role.TRUST_SEND_LEAD) or roles.at_school(obj.pk, Role.SENCO)
        if action == "plan_provision":
            return roles.has_trust_wide(Role.TRUST_SEND_LEAD) or roles.at_school(
                obj.pk, Role.SENCO, Role.ASSISTANT_SENCO
            )
        if action == "view":
            return roles.has_trust_wide(Role.TRUST_ADMIN, Role.TRUST_SEND_LEAD) or obj.pk in roles.schools_with(
                *roles.at_schools
            )
        if action == "view_reports":
            return roles.is_send_lead or roles.at_school(obj.pk, *REPORT_READERS)
        if action in {"change", "delete"}:
            return roles.has_trust_wide(Role.TRUST_ADMIN)
        return False


class AdminManagedRule(policy.Rule):
    """Trust configuration (staff roles, years, terms, INSET days): trust administrators only."""

    actions = ("view", "change", "delete")

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        if roles_of(user).has_trust_wide(Role.TRUST_ADMIN):
            return queryset
        return queryset.none()

    def can(self, user: Any, action: str, obj: Any) -> bool:
        return obj.trust_id == current_trust_id() and roles_of(user).has_trust_wide(Role.TRUST_ADMIN)


@policy.register(Federation)
class FederationRule(AdminManagedRule):
    pass


@policy.register(Membership)
class MembershipRule(AdminManagedRule):
    client_school_path = "school"  # the MIS syncs staff (teachers and TAs) of its schools

    pass


@policy.register(SchoolYear)
class SchoolYearRule(AdminManagedRule):
    pass


@policy.register(InsetDay)
class InsetDayRule(AdminManagedRule):
    pass


@policy.register(Term)
class TermRule(AdminManagedRule):
    """Admins manage term dates; anyone at the school may read them (deadlines are shown against them)."""

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        if action == "view":
            return queryset.filter(school__in=policy.visible(user, School, "view"))
        return super().visible(user, queryset, action)

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if action == "view":
            return policy.can(user, "view", obj.school)
        return super().can(user, action, obj)


@policy.register(SchoolClass)
class SchoolClassRule(policy.Rule):
    """Whole-school roles see every class of their schools; teachers and TAs see the classes they work in."""

    actions = ("view", "change", "delete")

    client_school_path = "school"

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        roles = roles_of(user)
        if action == "view":
            if roles.has_trust_wide(Role.TRUST_SEND_LEAD, Role.TRUST_ADMIN):
                return queryset
            whole = roles.schools_with(*SCHOOL_READERS, Role.DESIGNATED_TEACHER)
            own = ClassStaff.objects.filter(user_id=user.pk).values("school_class_id")
            staff_schools = roles.schools_with(Role.CLASS_TEACHER, Role.TEACHING_ASSISTANT)
            return queryset.filter(Q(school_id__in=whole) | Q(pk__in=own, school_id__in=staff_schools))
        if action in {"change", "delete"}:
            if roles.has_trust_wide(Role.TRUST_ADMIN, Role.TRUST_SEND_LEAD):
                return queryset
            return queryset.filter(school_id__in=roles.schools_with(Role.SENCO))
        return queryset.none()


@policy.register(ApiClient)
class ApiClientRule(AdminManagedRule):
    """API clients are made, rotated and revoked by trust administrators."""


@policy.register(MisSwitch)
class MisSwitchRule(policy.Rule):
    """Trust administrators declare, end and try MIS switches (`view`, `change`); once a window has closed, the
    school's SENCO, assistant SENCO and headteacher, and the trust SEND lead, see the pupils the new MIS never
    sent (`view_unmatched`). API clients see none."""

    actions = ("view", "change", "view_unmatched")

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        roles = roles_of(user)
        if action in {"view", "change"}:
            return queryset if roles.has_trust_wide(Role.TRUST_ADMIN) else queryset.none()
        if action == "view_unmatched":
            if roles.is_send_lead:
                return queryset
            return queryset.filter(school_id__in=roles.schools_with(*SCHOOL_READERS))
        return queryset.none()
