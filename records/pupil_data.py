"""Every row the trust holds on one pupil, found from the models themselves, for subject access and destruction.

A model holds a pupil's data when it has a foreign key to the pupil, or to a row that does (two steps further at
most: a target of a plan of the pupil, a reminder of a deadline of the pupil). The audit history is included:
pghistory's event tables carry the same keys. So a new model with a pupil key is found without anyone listing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from pghistory.models import Event

from pupils.models import Pupil
from send.models import AccessEvent
from send.uploads import StoredFile

DEPTH = 3
# Kinds of row that often hold other people's information (a professional's advice, a parent's words, a report):
# listed for the SENCO to review before release.
THIRD_PARTY = {"pupils.contact", "pupils.contactlogentry", "pupils.pupilnote", "reviews.reviewinvitation"}


def pupil_models() -> dict[type[Model], str]:
    """{model: the lookup from its rows to the pupil's id}, the pupil first."""
    found: dict[type[Model], str] = {Pupil: "pk"}
    frontier: dict[type[Model], str] = {Pupil: ""}
    for _ in range(DEPTH):
        reached: dict[type[Model], str] = {}
        for model in apps.get_models():
            if model in found or model._meta.proxy:
                continue
            for field in model._meta.concrete_fields:
                target = field.related_model if field.many_to_one else None
                if target in frontier and isinstance(target, type):
                    parent_path = frontier[target]
                    reached[model] = field.name + (f"__{parent_path}" if parent_path else "")
                    break
        found.update(reached)
        frontier = reached
    return found


def rows_of(pupil: Pupil) -> Iterator[tuple[type[Model], QuerySet[Any]]]:
    """Each model's rows of this pupil (in the current trust: every query is scoped and under row-level security)."""
    for model, path in pupil_models().items():
        yield model, model._default_manager.filter(**{path: pupil.pk}).order_by("pk")
    yield AccessEvent, AccessEvent.objects.filter(object_type="pupils.pupil", object_id=str(pupil.uuid)).order_by("pk")


def files_of_rows(keys: dict[type[Model], list[Any]]) -> QuerySet[StoredFile]:
    """The stored files owned by any of these rows (documents of the pupil, of their plans, their photo)."""
    condition = Q(pk__in=[])
    for model, pks in keys.items():
        if pks and not issubclass(model, Event):
            owner_type = ContentType.objects.get_for_model(model)
            condition |= Q(owner_type=owner_type, owner_id__in=[str(pk) for pk in pks])
    return StoredFile.objects.filter(condition).order_by("uploaded_at")
