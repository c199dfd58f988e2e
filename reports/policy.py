"""Who opens the SENCO's home and where report readers land (registered with schools.policy and
schools.landing, so that the apps below never import this one)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from reports.models import GovernorVisit, NotionalSenBudget
from schools.landing import register_landing
from schools.models import Role, School
from schools.policy import PUPIL_ROLES, register_trust_action
from schools.selectors import Roles, roles_of
from send import policy
from send.tenancy import current_trust_id

HOME_ROLES = (Role.SENCO, Role.ASSISTANT_SENCO)


def keeps_the_senco_home(roles: Roles) -> bool:
    """The SENCO, the assistant SENCO (at their schools) and the trust SEND lead (every school)."""
    return roles.is_send_lead or bool(roles.schools_with(*HOME_ROLES))


def reads_figures_only(roles: Roles) -> bool:
    """A governor (with no role that opens pupils or runs the trust) starts on the aggregate figures."""
    if roles.all_roles & PUPIL_ROLES or roles.has_trust_wide(Role.TRUST_ADMIN):
        return False
    return bool(roles.schools_with(Role.GOVERNOR))


register_trust_action("view_senco_home", keeps_the_senco_home)
register_landing("reports:home", keeps_the_senco_home)
register_landing("reports:summary", reads_figures_only)


VISIT_READERS = (Role.GOVERNOR, Role.HEADTEACHER, Role.SENCO, Role.ASSISTANT_SENCO)
VISIT_WRITERS = (Role.GOVERNOR, Role.SENCO)


@policy.register(GovernorVisit)
class GovernorVisitRule(policy.Rule):
    """`view`: the school's governors, head, SENCO and assistant SENCO, and the trust SEND lead. `write` (record a
    visit): the school's governor (the SEN governor) or SENCO, and the trust SEND lead."""

    actions = ("view", "write")

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        roles = roles_of(user)
        if action not in self.actions:
            return queryset.none()
        if roles.is_send_lead:
            return queryset
        return queryset.filter(
            school_id__in=roles.schools_with(*(VISIT_READERS if action == "view" else VISIT_WRITERS))
        )

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id():
            return False
        roles = roles_of(user)
        wanted = VISIT_READERS if action == "view" else VISIT_WRITERS
        return action in self.actions and (roles.is_send_lead or roles.at_school(obj.school_id, *wanted))


def keeps_visits(roles: Roles) -> bool:
    """Who opens the visits page: anyone who reads a school's visits."""
    return roles.is_send_lead or bool(roles.schools_with(*VISIT_READERS))


register_trust_action("view_governor_visits", keeps_visits)


def schools_recording_visits(user: Any, schools: QuerySet[School]) -> QuerySet[School]:
    """The schools for which the user may record a governor's visit."""
    roles = roles_of(user)
    return schools if roles.is_send_lead else schools.filter(pk__in=roles.schools_with(*VISIT_WRITERS))


HEAD_REPORT_READERS = (Role.HEADTEACHER, Role.SENCO, Role.ASSISTANT_SENCO)


def reads_head_reports(roles: Roles) -> bool:
    """Exact figures per school: the head, SENCO and assistant SENCO of the school, and the trust SEND lead."""
    return roles.is_send_lead or bool(roles.schools_with(*HEAD_REPORT_READERS))


def head_report_schools(user: Any, schools: QuerySet[School]) -> QuerySet[School]:
    roles = roles_of(user)
    return schools if roles.is_send_lead else schools.filter(pk__in=roles.schools_with(*HEAD_REPORT_READERS))


register_trust_action("view_head_report", reads_head_reports)


@policy.register(NotionalSenBudget)
class NotionalSenBudgetRule(policy.Rule):
    """`view`: whoever reads the school's head report. `write` (enter the budget): the school's head or SENCO, and
    the trust SEND lead."""

    actions = ("view", "write")

    def _roles(self, action: str) -> tuple[str, ...]:
        return HEAD_REPORT_READERS if action == "view" else BUDGET_WRITERS

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        roles = roles_of(user)
        if action not in self.actions:
            return queryset.none()
        return (
            queryset if roles.is_send_lead else queryset.filter(school_id__in=roles.schools_with(*self._roles(action)))
        )

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id() or action not in self.actions:
            return False
        roles = roles_of(user)
        return roles.is_send_lead or roles.at_school(obj.school_id, *self._roles(action))


BUDGET_WRITERS = (Role.HEADTEACHER, Role.SENCO)


def budget_schools(user: Any, schools: QuerySet[School]) -> QuerySet[School]:
    roles = roles_of(user)
    return schools if roles.is_send_lead else schools.filter(pk__in=roles.schools_with(*BUDGET_WRITERS))


register_trust_action("view_trust_report", lambda roles: roles.is_send_lead)
