"""Bulk upserts keyed by an MIS id: the per-record outcome, and saving a planned batch in a few queries.

Apps decide, record by record, what to create or change (their rules, in their services); this module
saves the plan with one INSERT and one UPDATE, whatever the number of records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone
from psycopg import sql

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
    # rows of any synced model (a pupil, class, staff role, contact): each has trust_id, uuid, mis_id, updated_at
    existing: Any = None
    instance: Any = None
    force: bool = False  # changed elsewhere (e.g. its related rows): counts as updated even with equal values


def save_planned(model: type[Model], planned: list[Planned], result: BulkResult) -> list[Planned]:
    """Create the new rows and update the changed ones, two statements in all; note each outcome.

    Returns the plans that were created or updated, each with its saved `instance`. What each plan does is
    decided here (new, changed, or the same values again); the writing is `insert_rows` and `update_rows`.
    """
    now = timezone.now()
    trust_id = require_trust_id()
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    creates: list[Planned] = []
    updates: list[Planned] = []
    changed: set[str] = set()
    for plan in planned:
        if plan.existing is None:
            instance: Any = model(**{"mis_id": plan.mis_id, **plan.values})
            instance.trust_id = trust_id
            instance.updated_at = now
            plan.instance = instance
            creates.append(plan)
            continue
        instance = plan.existing
        plan.instance = instance
        differing = {name for name, value in plan.values.items() if getattr(instance, name) != value}
        if not differing and not plan.force:
            result.outcomes.append(RecordOutcome(plan.index, plan.mis_id, "unchanged", id=str(instance.uuid)))
            continue
        for name in differing:
            setattr(instance, name, plan.values[name])
        instance.updated_at = now
        changed |= differing
        updates.append(plan)
    if creates:
        insert_rows(model, [plan.instance for plan in creates])
    if updates:
        fields = [by_attname[name] for name in sorted(changed | {"updated_at"})]
        update_rows(model, [plan.instance for plan in updates], fields)
    for status, plans in (("created", creates), ("updated", updates)):
        for plan in plans:
            result.outcomes.append(RecordOutcome(plan.index, plan.mis_id, status, id=str(plan.instance.uuid)))
    return creates + updates


# --- Set-based writes: one statement for any number of rows, one array parameter per column -----------------
#
# Django's bulk_create sends one placeholder per value (25,000 for 1,000 pupils) and bulk_update builds a
# CASE WHEN per column and row in Python. These send each column as one array and let PostgreSQL unnest them,
# so the statement is the same short text whatever the number of rows. They go through Django's cursor, so the
# tenant setting, row-level security, the audit context and every trigger apply as to any other write.


def _column(field: Field, instances: list[Model], connection: Any, add: bool) -> list[Any]:
    if add:
        return [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for obj in instances]
    return [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in instances]


def _array(field: Field, connection: Any) -> sql.Composable:
    """A placeholder for one column's values as an array of the column's type, e.g. `%s::varchar(100)[]`."""
    return sql.SQL("%s::") + sql.SQL(field.db_type(connection) or "text") + sql.SQL("[]")


def _text(statement: sql.Composable) -> str:
    connection.ensure_connection()
    return statement.as_string(connection.connection)


def insert_rows(model: type[Model], instances: list[Model]) -> None:
    """INSERT the instances in one statement (`INSERT ... SELECT FROM unnest(...)`); sets their primary keys.

    The keys come back in the order the rows went in, as with Django's bulk_create on PostgreSQL.
    """
    if not instances:
        return
    meta = model._meta
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if f is not pk]
    statement = sql.SQL("INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) RETURNING {pk}").format(
        table=sql.Identifier(meta.db_table),
        columns=sql.SQL(", ").join(sql.Identifier(f.column) for f in fields),
        arrays=sql.SQL(", ").join(_array(f, connection) for f in fields),
        pk=sql.Identifier(pk.column),
    )
    params = [_column(f, instances, connection, add=True) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(_text(statement), params)
        keys = [row[0] for row in cursor.fetchall()]
    for obj, key in zip(instances, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = connection.alias


def update_rows(model: type[Model], instances: list[Model], fields: list[Field]) -> None:
    """UPDATE `fields` of the instances (by primary key) in one statement (`UPDATE ... FROM unnest(...)`)."""
    if not instances:
        return
    meta = model._meta
    pk: Field = meta.pk
    names = [sql.Identifier(f"v{n}") for n in range(len(fields) + 1)]
    statement = sql.SQL(
        "UPDATE {table} AS t SET {assignments} FROM unnest({arrays}) AS v({names}) WHERE t.{pk} = v.{key}"
    ).format(
        table=sql.Identifier(meta.db_table),
        assignments=sql.SQL(", ").join(
            sql.SQL("{} = v.{}").format(sql.Identifier(f.column), name)
            for f, name in zip(fields, names[1:], strict=True)
        ),
        arrays=sql.SQL(", ").join(_array(f, connection) for f in [pk, *fields]),
        names=sql.SQL(", ").join(names),
        pk=sql.Identifier(pk.column),
        key=names[0],
    )
    params = [[obj.pk for obj in instances], *(_column(f, instances, connection, add=False) for f in fields)]
    with connection.cursor() as cursor:
        cursor.execute(_text(statement), params)
