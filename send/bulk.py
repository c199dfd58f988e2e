"""Bulk upserts keyed by an MIS id: the per-record outcome, and saving a planned batch in a few queries.

Apps decide, record by record, what to create or change (their rules, in their services); this module
saves the plan with one INSERT and one UPDATE, whatever the number of records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.utils import timezone

from send.tenancy import require_trust_id

OUTCOME_STATUSES = ("created", "updated", "unchanged", "adopted", "rejected")

# Records of a bulk request that passed field validation: (index in the request, validated fields).
Records = list[tuple[int, dict[str, Any]]]


@dataclass
class RecordOutcome:
    index: int
    mis_id: str
    status: str  # created, updated, unchanged, adopted (see schools.relink), rejected
    id: str | None = None
    errors: dict[str, list[str]] | None = None
    previous_mis_id: str | None = None  # adopted: the record's MIS id before the new MIS's replaced it

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"index": self.index, "mis_id": self.mis_id, "status": self.status}
        if self.id is not None:
            data["id"] = self.id
        if self.previous_mis_id is not None:
            data["previous_mis_id"] = self.previous_mis_id
        if self.errors is not None:
            data["errors"] = self.errors
        return data


@dataclass
class BulkResult:
    outcomes: list[RecordOutcome] = field(default_factory=list)

    def reject(self, index: int, mis_id: str, errors: dict[str, list[str]]) -> None:
        self.outcomes.append(RecordOutcome(index, mis_id, "rejected", errors=errors))

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    def as_dict(self) -> dict[str, Any]:
        ordered = sorted(self.outcomes, key=lambda outcome: outcome.index)
        summary = dict.fromkeys(OUTCOME_STATUSES, 0)
        for outcome in ordered:
            summary[outcome.status] += 1
        return {"summary": summary, "results": [outcome.as_dict() for outcome in ordered]}


@dataclass
class Planned:
    """One accepted record: its values by attribute name (`school_id`, not `school`) and the row it updates."""

    index: int
    mis_id: str
    values: dict[str, Any]
    existing: Model | None = None
    instance: Model | None = None
    force: bool = False  # changed elsewhere (e.g. its related rows): counts as updated even with equal values


def save_planned(model: type[Model], planned: list[Planned], result: BulkResult) -> list[Planned]:
    """Create the new rows and update the changed ones, two statements in all; note each outcome.

    Returns the plans that were created or updated, each with its saved `instance`.
    """
    now = timezone.now()
    trust_id = require_trust_id()
    by_attname = {f.attname: f.name for f in model._meta.concrete_fields}
    creates: list[Planned] = []
    updates: list[Planned] = []
    changed: set[str] = set()
    for plan in planned:
        if plan.existing is None:
            instance = model(**{"mis_id": plan.mis_id, **plan.values})
            instance.trust_id = trust_id  # type: ignore[attr-defined]
            instance.updated_at = now  # type: ignore[attr-defined]
            plan.instance = instance
            creates.append(plan)
            continue
        instance = plan.existing
        plan.instance = instance
        differing = {name for name, value in plan.values.items() if getattr(instance, name) != value}
        if not differing and not plan.force:
            result.outcomes.append(RecordOutcome(plan.index, plan.mis_id, "unchanged", id=str(instance.uuid)))  # type: ignore[attr-defined]
            continue
        for name in differing:
            setattr(instance, name, plan.values[name])
        instance.updated_at = now  # type: ignore[attr-defined]
        changed |= differing
        updates.append(plan)
    if creates:
        model._default_manager.bulk_create([plan.instance for plan in creates])  # type: ignore[misc]
    if updates:
        fields = sorted({by_attname[name] for name in changed} | {"updated_at"})
        model._default_manager.bulk_update([plan.instance for plan in updates], fields)  # type: ignore[misc]
    for status, plans in (("created", creates), ("updated", updates)):
        for plan in plans:
            result.outcomes.append(RecordOutcome(plan.index, plan.mis_id, status, id=str(plan.instance.uuid)))  # type: ignore[union-attr]
    return creates + updates
