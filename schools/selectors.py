"""Reads of trusts, schools, staff and memberships, always inside the current tenant."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from schools.models import (
    TRUST_WIDE_ROLES,
    ClassStaff,
    InsetDay,
    Membership,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    Term,
    Trust,
    User,
)
from send import policy
from send.dates import SchoolCalendar
from send.tenancy import own_rows_context, require_trust_id


@dataclass(frozen=True)
class Roles:
    """A user's roles in the current trust: trust-wide ones and, per role, the schools where they hold it."""

    trust_wide: frozenset[str] = frozenset()
    at_schools: dict[str, frozenset[int]] = field(default_factory=dict)

    def has_trust_wide(self, *roles: str) -> bool:
        return any(role in self.trust_wide for role in roles)

    def schools_with(self, *roles: str) -> frozenset[int]:
        found: set[int] = set()
        for role in roles:
            found |= self.at_schools.get(role, frozenset())
        return frozenset(found)

    def at_school(self, school_id: int | None, *roles: str) -> bool:
        return school_id is not None and school_id in self.schools_with(*roles)

    @property
    def is_send_lead(self) -> bool:
        """The trust SEND lead sees and changes every pupil's SEND record in the trust."""
        return Role.TRUST_SEND_LEAD in self.trust_wide

    @property
    def all_roles(self) -> frozenset[str]:
        return self.trust_wide | frozenset(self.at_schools)

    @property
    def is_empty(self) -> bool:
        return not self.trust_wide and not self.at_schools


def memberships_in_trust(user: Any) -> list[Membership]:
    """The user's memberships in the current trust, loaded once per user object (one query)."""
    trust_id = require_trust_id()
    cache: dict[int, list[Membership]] = user.__dict__.setdefault("_send_memberships", {})
    if trust_id not in cache:
        cache[trust_id] = list(Membership.objects.filter(user_id=user.pk).select_related("school"))
    return cache[trust_id]


def roles_of(user: Any) -> Roles:
    trust_wide: set[str] = set()
    at_schools: dict[str, set[int]] = {}
    for membership in memberships_in_trust(user):
        if membership.school_id is None:
            trust_wide.add(membership.role)
        else:
            at_schools.setdefault(membership.role, set()).add(membership.school_id)
    return Roles(frozenset(trust_wide), {role: frozenset(ids) for role, ids in at_schools.items()})


@dataclass(frozen=True)
class TrustChoice:
    trust: Trust
    roles: tuple[str, ...]


def trusts_of_user(user: Any) -> list[TrustChoice]:
    """Every trust where the user holds a role: read outside any trust, through the own-rows policy."""
    with own_rows_context(user.pk):
        rows = list(Membership.objects.filter(user_id=user.pk).values_list("trust_id", "role"))
    roles_by_trust: dict[int, set[str]] = {}
    for trust_id, role in rows:
        roles_by_trust.setdefault(trust_id, set()).add(role)
    trusts = Trust.objects.filter(pk__in=roles_by_trust).order_by("name")
    order = [r.value for r in Role]
    return [TrustChoice(trust, tuple(sorted(roles_by_trust[trust.pk], key=order.index))) for trust in trusts]


def schools_for_user(user: Any) -> QuerySet[School]:
    return policy.visible(user, School.objects.select_related("federation"), "view").order_by("name")


def staff_memberships(user: Any) -> QuerySet[Membership]:
    return policy.visible(user, Membership.objects.select_related("user", "school"), "view").order_by(
        "user__full_name", "user__email", "role"
    )


def staff_users(user: Any) -> QuerySet[User]:
    """Users with any role in the current trust, for the trust admin's staff list."""
    trust_id = require_trust_id()
    return User.objects.filter(memberships__trust_id=trust_id).distinct().order_by("full_name", "email")


def terms_for_school(user: Any, school: School) -> QuerySet[Term]:
    return policy.visible(user, Term.objects.filter(school=school).select_related("school_year"), "view")


def school_years() -> QuerySet[SchoolYear]:
    return SchoolYear.objects.all().order_by("-starts_on")


def classes_taught_by(user: Any, roles: Iterable[str] = ("teacher", "ta")) -> QuerySet[SchoolClass]:
    return SchoolClass.objects.filter(
        pk__in=ClassStaff.objects.filter(user_id=user.pk, role__in=list(roles)).values("school_class_id")
    )


def school_calendar(school_id: int) -> SchoolCalendar:
    """The school's term dates and INSET days, for school-day arithmetic (send.dates)."""
    return SchoolCalendar.of(
        Term.objects.filter(school_id=school_id).values_list("starts_on", "ends_on"),
        InsetDay.objects.filter(school_id=school_id).values_list("date", flat=True),
    )


__all__ = ["TRUST_WIDE_ROLES", "Roles", "memberships_in_trust", "roles_of", "school_calendar", "trusts_of_user"]
