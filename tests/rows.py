"""One plain row of a model, made from its field definitions, for sweeps that need a row in every table.

Foreign keys point at a row that already exists in the current tenant (made first if need be), so the row is
as real as the ORM makes it; required values are the simplest valid ones (the first choice, a date in the
school year). Used where a sweep must not pass for want of rows: the policy sweep and the row-level security
check.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from send.tenancy import current_trust_id

TODAY = dt.date(2026, 10, 1)  # a school day of the test world's school year


def value_for(field: models.Field[Any, Any], made: dict[type[models.Model], models.Model]) -> Any:
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey):
        return one_of(field.related_model, made)
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return TODAY
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.DecimalField):
        return Decimal("1")
    if isinstance(field, models.IntegerField | models.FloatField):
        return 1
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.FileField):
        return "" if field.blank else f"rows/{uuid.uuid4().hex}.bin"
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.CharField | models.TextField):
        return "x" * min(8, field.max_length or 8)
    raise NotImplementedError(f"{field.model.__name__}.{field.name}: teach tests/rows.py a value for {type(field)}")


def needs_value(field: models.Field[Any, Any]) -> bool:
    if not field.concrete or field.primary_key or field.null or field.has_default():
        return False
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return False
    return field.attname != "trust_id"  # the current trust's (see one_of)


def _plan_source(made: dict[type[models.Model], models.Model]) -> dict[str, Any]:
    from send.uploads import StoredFile

    return {"document": one_of(StoredFile, made)}  # one of a document or a conversation, never both


def _of_a_pupil(made: dict[type[models.Model], models.Model]) -> dict[str, Any]:
    from pupils.models import Pupil

    return {"pupil": one_of(Pupil, made)}


# Values the field definitions alone cannot give (a check constraint across fields).
GIVEN: dict[str, Callable[[dict[type[models.Model], models.Model]], dict[str, Any]]] = {
    "PlanSource": _plan_source,
    "DestructionReview": _of_a_pupil,  # without a pupil it is the destruction log's, nobody's to act on
}


def one_of(model: type[models.Model], made: dict[type[models.Model], models.Model]) -> models.Model:
    """A row of `model` in the current tenant: an existing one, or a new one."""
    existing = model._default_manager.order_by("pk").first()
    if existing is not None:
        return existing
    if model not in made:
        values = {f.name: value_for(f, made) for f in model._meta.fields if needs_value(f)}
        values.update(GIVEN[model.__name__](made) if model.__name__ in GIVEN else {})
        if any(f.attname == "trust_id" for f in model._meta.concrete_fields):
            values["trust_id"] = current_trust_id()
        made[model] = model._default_manager.create(**values)
    return made[model]
