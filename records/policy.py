"""Who moves records in and out (registered with send.policy).

Importing a CTF adds pupils at a school (the school's `add_pupil`: its SENCO, the trust SEND lead); exporting one
sends the pupil's register history, which only those who keep the register (the pupil's `change`) may do.
The imports and the conflicts they left are the business of the SENCOs of the school they were read into.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from pupils.models import Pupil
from records.models import AccessRequest, CtfImport, DestructionReview, ImportedSenEntry, LegalHold, Transfer
from schools.models import Role
from schools.policy import register_trust_action
from schools.selectors import roles_of
from send import policy
from send.pdf import register_subject, visible_subject
from send.tenancy import current_trust_id

# Reaching the CTF import page at all: the trust SEND lead, or a SENCO of some school.
register_trust_action("import_ctf", lambda roles: roles.is_send_lead or bool(roles.schools_with(Role.SENCO)))


@policy.register(CtfImport)
class CtfImportRule(policy.Rule):
    """`view`: see an import and its conflicts; `resolve`: mark its conflicts dealt with."""

    actions = ("view", "resolve")

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        roles = roles_of(user)
        if roles.is_send_lead:
            return queryset
        return queryset.filter(school_id__in=roles.schools_with(Role.SENCO))

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id():
            return False
        roles = roles_of(user)
        return roles.is_send_lead or roles.at_school(obj.school_id, Role.SENCO)


@policy.register(ImportedSenEntry)
class ImportedSenEntryRule(policy.Rule):
    """The mark on a register history row follows the row's pupil."""

    actions = ("view",)

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        return queryset.filter(register_change__pupil__in=policy.visible(user, Pupil, "view").values("pk"))


# The archive of pupils who have left: the SENCOs and heads of the schools, and the trust SEND lead.
register_trust_action(
    "view_archive", lambda roles: roles.is_send_lead or bool(roles.schools_with(Role.SENCO, Role.HEADTEACHER))
)


@policy.register(Transfer)
class TransferRule(policy.Rule):
    """`view`: the SENCO and head of the school left or joined, the SEND lead. `change` (record it sent, the LA
    told, prepare the pack): the SENCO of the school left, the SEND lead."""

    actions = ("view", "change")

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        roles = roles_of(user)
        if roles.is_send_lead:
            return queryset
        if action == "change":
            return queryset.filter(from_school_id__in=roles.schools_with(Role.SENCO))
        schools = roles.schools_with(Role.SENCO, Role.HEADTEACHER)
        return queryset.filter(Q(from_school_id__in=schools) | Q(to_school_id__in=schools))

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id():
            return False
        roles = roles_of(user)
        if roles.is_send_lead:
            return True
        if action == "change":
            return roles.at_school(obj.from_school_id, Role.SENCO)
        return any(roles.at_school(s, Role.SENCO, Role.HEADTEACHER) for s in (obj.from_school_id, obj.to_school_id))


# The transfer pack PDF is re-authorised at download: the requester must still see the transfer.
register_subject("transfer_pack", visible_subject(Transfer))


@policy.register(AccessRequest)
class AccessRequestRule(policy.Rule):
    """Subject access and educational-record requests: the SENCO of the pupil's school and the trust SEND lead log
    them, review what they hold and release them (`view`, `change`); nobody else sees them."""

    actions = ("view", "change")

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        roles = roles_of(user)
        if roles.is_send_lead:
            return queryset
        return queryset.filter(pupil__school_id__in=roles.schools_with(Role.SENCO))

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id():
            return False
        roles = roles_of(user)
        return roles.is_send_lead or roles.at_school(obj.pupil.school_id, Role.SENCO)


# Destruction: the SENCOs (the school's DPO acts through a SENCO or the SEND lead's account here) and the SEND lead.
register_trust_action("approve_destruction", lambda roles: roles.is_send_lead or bool(roles.schools_with(Role.SENCO)))


class _SencoOfThePupilsSchool(policy.Rule):
    """Rows about one pupil that only the SENCO of the pupil's school and the trust SEND lead see and act on."""

    actions = ("view", "change")

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        roles = roles_of(user)
        if roles.is_send_lead:
            return queryset.filter(pupil__isnull=False)  # a destroyed pupil's rows are the destruction log's
        return queryset.filter(pupil__school_id__in=roles.schools_with(Role.SENCO))

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id() or obj.pupil_id is None:
            return False
        roles = roles_of(user)
        return roles.is_send_lead or roles.at_school(obj.pupil.school_id, Role.SENCO)


policy.register(DestructionReview)(type("DestructionReviewRule", (_SencoOfThePupilsSchool,), {}))
policy.register(LegalHold)(type("LegalHoldRule", (_SencoOfThePupilsSchool,), {}))
