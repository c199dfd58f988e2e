"""Who opens the SENCO's home and where report readers land (registered with schools.policy and
schools.landing, so that the apps below never import this one)."""

from __future__ import annotations

from schools.landing import register_landing
from schools.models import Role
from schools.policy import PUPIL_ROLES, register_trust_action
from schools.selectors import Roles

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
