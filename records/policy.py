"""Who moves records in and out (registered with send.policy).

Importing a CTF adds pupils at a school (the school's `add_pupil`: its SENCO, the trust SEND lead); exporting one
sends the pupil's register history, which only those who keep the register (the pupil's `change`) may do.
The imports and the conflicts they left are the business of the SENCOs of the school they were read into.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from pupils.models import Pupil
from records.models import CtfImport, ImportedSenEntry
from schools.models import Role
from schools.policy import register_trust_action
from schools.selectors import roles_of
from send import policy
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
