"""Who reads and writes looked-after pupils' care records, PEPs and Virtual Schools (ARCHITECTURE.md roles).

`view`: the designated teacher for the looked-after and previously looked-after pupils of their schools; the
SENCO, assistant SENCO and headteacher for every pupil of theirs; the trust SEND lead for all. `write`: the
designated teacher and the SENCO (and the trust SEND lead), while the pupil is looked after: a pupil who has left
care keeps their PEPs as a read-only history. Governors, class teachers and TAs: never."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from pupils.models import Pupil
from reviews.pep.models import CareEvent, CareRecord, Pep, PepTarget, PepTransition, VirtualSchool, VirtualSchoolTerm
from reviews.pep.ppp_models import PppAllocation, PppEntry
from schools.landing import register_landing
from schools.models import Role
from schools.policy import register_trust_action
from schools.selectors import Roles, roles_of
from send import policy
from send.pdf import register_subject, visible_subject
from send.tenancy import current_trust_id

PEP_WRITERS = (Role.SENCO, Role.DESIGNATED_TEACHER)
WHOLE_SCHOOL_READERS = (Role.SENCO, Role.ASSISTANT_SENCO, Role.HEADTEACHER)


def sees_looked_after(roles: Roles) -> bool:
    """The looked-after pupils' home and the Virtual Schools list."""
    return roles.is_send_lead or bool(roles.schools_with(*WHOLE_SCHOOL_READERS, Role.DESIGNATED_TEACHER))


def keeps_virtual_schools(roles: Roles) -> bool:
    """The Virtual Schools the trust works with, their terms and final dates."""
    return roles.is_send_lead or bool(roles.schools_with(*PEP_WRITERS))


def lands_on_looked_after(roles: Roles) -> bool:
    """A designated teacher who does not also lead SEND or a school starts on their looked-after pupils."""
    if roles.is_send_lead or roles.schools_with(*WHOLE_SCHOOL_READERS):
        return False
    return bool(roles.schools_with(Role.DESIGNATED_TEACHER))


register_landing("reviews:pep_home", lands_on_looked_after)
register_trust_action("view_looked_after", sees_looked_after)
register_trust_action("manage_virtual_schools", keeps_virtual_schools)


def looked_after_pupils(user: Any, pupils: QuerySet[Pupil]) -> QuerySet[Pupil]:
    """The looked-after and previously looked-after pupils whose PEPs the user sees (the designated teacher's
    home): the same rule as `LookedAfterRule`'s `view`, on the pupils themselves."""
    roles = roles_of(user)
    cared = pupils.filter(Q(is_looked_after=True) | Q(is_previously_looked_after=True))
    if roles.is_send_lead:
        return cared
    return cared.filter(school_id__in=roles.schools_with(*WHOLE_SCHOOL_READERS, Role.DESIGNATED_TEACHER))


def _in_care_or_was(pupil: Pupil) -> bool:
    return pupil.is_looked_after or pupil.is_previously_looked_after


class LookedAfterRule(policy.Rule):
    """A record of one looked-after pupil (the pupil reached through `pupil_path`)."""

    actions = ("view", "write")
    pupil_path = "pupil"
    # PP+ for a previously looked-after pupil is the school's to track: written while PLAC too
    write_while_plac = False

    def _pupil(self, obj: Any) -> Pupil:
        for name in self.pupil_path.split("__"):
            obj = getattr(obj, name)
        return obj

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        roles = roles_of(user)
        path = self.pupil_path
        if action not in self.actions:
            return queryset.none()
        writable = Q(**{f"{path}__is_looked_after": True})
        if self.write_while_plac:
            writable |= Q(**{f"{path}__is_previously_looked_after": True})
        if roles.is_send_lead:
            return queryset if action == "view" else queryset.filter(writable)
        if action == "view":
            whole = Q(**{f"{path}__school_id__in": roles.schools_with(*WHOLE_SCHOOL_READERS)})
            cared = Q(**{f"{path}__is_looked_after": True}) | Q(**{f"{path}__is_previously_looked_after": True})
            designated = Q(**{f"{path}__school_id__in": roles.schools_with(Role.DESIGNATED_TEACHER)}) & cared
            return queryset.filter(whole | designated)
        return queryset.filter(writable, **{f"{path}__school_id__in": roles.schools_with(*PEP_WRITERS)})

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id() or action not in self.actions:
            return False
        pupil = self._pupil(obj)
        roles = roles_of(user)
        if action == "view":
            return (
                roles.is_send_lead
                or roles.at_school(pupil.school_id, *WHOLE_SCHOOL_READERS)
                or (roles.at_school(pupil.school_id, Role.DESIGNATED_TEACHER) and _in_care_or_was(pupil))
            )
        writable = pupil.is_looked_after or (self.write_while_plac and pupil.is_previously_looked_after)
        return writable and (roles.is_send_lead or roles.at_school(pupil.school_id, *PEP_WRITERS))


for _model, _path in (
    (CareRecord, "pupil"),
    (CareEvent, "care_record__pupil"),
    (Pep, "pupil"),
    (PepTarget, "pep__pupil"),
    (PepTransition, "pep__pupil"),
):
    policy.register(_model)(type(f"{_model.__name__}Rule", (LookedAfterRule,), {"pupil_path": _path}))

_ppp_models: tuple[tuple[type[Any], str], ...] = ((PppAllocation, "pupil"), (PppEntry, "allocation__pupil"))
for _ppp_model, _ppp_path in _ppp_models:
    _attributes = {"pupil_path": _ppp_path, "write_while_plac": True}
    policy.register(_ppp_model)(type(f"{_ppp_model.__name__}Rule", (LookedAfterRule,), _attributes))


class VirtualSchoolRule(policy.Rule):
    """The trust's Virtual Schools: seen by whoever sees looked-after pupils, kept by the PEP writers."""

    actions = ("view", "change")

    def _allowed(self, user: Any, action: str) -> bool:
        if current_trust_id() is None or action not in self.actions:
            return False
        test = sees_looked_after if action == "view" else keeps_virtual_schools
        return test(roles_of(user))

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        return queryset if self._allowed(user, action) else queryset.none()

    def can(self, user: Any, action: str, obj: Any) -> bool:
        return obj.trust_id == current_trust_id() and self._allowed(user, action)


policy.register(VirtualSchool)(VirtualSchoolRule)
policy.register(VirtualSchoolTerm)(type("VirtualSchoolTermRule", (VirtualSchoolRule,), {}))

# Prepared PDFs are re-authorised at download (send.pdf): the requester must still see the PEP.
register_subject("pep", visible_subject(Pep))
