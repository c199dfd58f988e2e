"""Retention and destruction: list the records past their retention date each month, and destroy an approved one
through the one privileged, audited path, leaving a log with no personal data."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, FileField, Model, OuterRef
from django.utils import timezone
from pghistory.models import Context, Event

from pupils.models import Pupil, has_left, has_left_q
from records import pupil_data
from records.models import CtfImport, DestructionLog, DestructionReview, DestructionState, LegalHold, RetentionRule
from reviews.apdr.models import PlanTransition
from schools.models import MisIdChange, MisSwitchMatch
from send.dates import add_months
from send.models import AccessEvent, Tombstone
from send.pdf import PdfJob
from send.uploads import StoredFile, StoredFileRemoval

SEN_FILE = "sen_file"
AUDIT_MODELS = (AccessEvent, StoredFile, StoredFileRemoval)
# Append-only tables (send.dbsecurity) that hang off the pupil's rows and so must go before the cascade.
APPEND_ONLY_LIVE = (PlanTransition,)


def destroy_after(pupil: Pupil, rule: RetentionRule) -> dt.date:
    return add_months(pupil.date_of_birth, 12 * rule.years_after_birth)


def list_due_for_destruction(today: dt.date | None = None) -> int:
    """The month's list: pupils who have left, past their retention date, with no open legal hold and not listed
    yet. Each becomes a review for the SENCO or DPO to approve. Returns how many were listed."""
    today = today or timezone.localdate()
    rule = RetentionRule.objects.get(kind=SEN_FILE)
    born_by = add_months(today, -12 * rule.years_after_birth)
    held = LegalHold.objects.filter(pupil=OuterRef("pk"), lifted_at__isnull=True)
    listed = DestructionReview.objects.filter(pupil=OuterRef("pk"))
    due = Pupil.objects.filter(has_left_q(), date_of_birth__lte=born_by).exclude(Exists(held)).exclude(Exists(listed))
    reviews = [
        DestructionReview(trust_id=pupil.trust_id, pupil=pupil, rule=rule, due_on=destroy_after(pupil, rule))
        for pupil in due
    ]
    DestructionReview.objects.bulk_create(reviews)
    return len(reviews)


def _refusals(review: DestructionReview, pupil: Pupil | None, today: dt.date) -> list[str]:
    if review.state != DestructionState.DUE or pupil is None:
        return ["This record has already been destroyed."]
    problems = []
    if not has_left(pupil):
        problems.append("The pupil is still on roll: a current pupil's record is never destroyed.")
    if LegalHold.objects.filter(pupil=pupil, lifted_at__isnull=True).exists():
        problems.append("A legal hold is open on this record: lift it first, if it no longer applies.")
    if destroy_after(pupil, review.rule) > today:
        problems.append(f"The record is kept until {destroy_after(pupil, review.rule):%-d %B %Y}.")
    return problems


def _doomed_rows(pupil: Pupil) -> dict[type[Model], list[Any]]:
    """Every row that holds the pupil, history included, by model."""
    found: dict[type[Model], list[Any]] = {}
    for model, rows in pupil_data.rows_of(pupil):
        found[model] = list(rows.values_list("pk", flat=True))
    return found


def _history_of(live: dict[type[Model], list[Any]]) -> dict[type[Model], list[Any]]:
    """The event rows of those rows (their delete events too, once deleted), through each event's tracked row."""
    found: dict[type[Model], list[Any]] = {}
    events: list[type[Model]] = [m for m in pupil_data.pupil_models() if issubclass(m, Event)]
    for event_model in events:
        tracked = cast(type[Model], event_model._meta.get_field("pgh_obj").related_model)
        pks = live.get(tracked, [])
        if pks:
            rows = event_model._default_manager.filter(**{"pgh_obj_id__in": pks})
            found[event_model] = list(rows.values_list("pk", flat=True))
    return found


@transaction.atomic
def destroy_record(review: DestructionReview, *, approved_by: Any) -> DestructionLog:
    """Approved destruction: the pupil's rows, their files, their audit history and the access log's entries about
    them, then a log of what kind of record, whose approval and when. Refused for a pupil on roll, under a legal
    hold, or not yet due; all or nothing."""
    review = DestructionReview.objects.select_for_update(of=("self",)).select_related("rule").get(pk=review.pk)
    pupil = Pupil.objects.select_related("school").filter(pk=review.pupil_id).first() if review.pupil_id else None
    problems = _refusals(review, pupil, timezone.localdate())
    if problems or pupil is None:
        raise ValidationError(problems)
    approved_at, school, uuid = timezone.now(), pupil.school, str(pupil.uuid)
    live = _doomed_rows(pupil)
    files = list(pupil_data.files_of_rows(live))
    public_ids = _public_ids(live)
    jobs = list(PdfJob.objects.filter(subject_id__in=public_ids))
    kept_files = _own_files(live)  # files rows keep in their own fields (a subject access zip)
    id_changes = list(MisIdChange.objects.filter(object_uuid__in=public_ids).values_list("pk", flat=True))
    # append-only rows that the cascade below would have to delete: erased first, through the privileged path
    _erase(review, {m._meta.db_table: ids for m, ids in live.items() if ids and m in APPEND_ONLY_LIVE}, finish=False)
    _erase(review, {MisIdChange._meta.db_table: id_changes}, finish=False)
    # the live rows (their delete triggers add history and tombstones, erased below with the rest)
    CtfImport.objects.filter(pupil=pupil).delete()
    MisSwitchMatch.objects.filter(object_uuid__in=public_ids).delete()
    pupil.delete()
    for kept in kept_files:
        kept.delete(save=False)
    for job in jobs:
        if job.file:
            job.file.delete(save=False)
    PdfJob.objects.filter(pk__in=[job.pk for job in jobs]).delete()
    Context.objects.filter(metadata__icontains=uuid).update(metadata={"erased": "a destroyed record"})
    removed: dict[type[Model], set[Any]] = {}
    for rows in (live, _history_of(live)):
        for model, keys in rows.items():
            removed.setdefault(model, set()).update(keys)
    audit: dict[str, list[Any]] = {}
    for model, ids in removed.items():
        if ids and (issubclass(model, Event) or model in AUDIT_MODELS):
            audit[model._meta.db_table] = sorted(ids)
    audit["send_storedfile"] = [f.pk for f in files]
    audit["send_storedfileremoval"] = list(
        StoredFileRemoval.objects.filter(file__in=files).values_list("pk", flat=True)
    )
    audit["send_tombstone"] = list(Tombstone.objects.filter(object_uuid__in=public_ids).values_list("pk", flat=True))
    for stored in files:
        stored.file.delete(save=False)
    _erase(review, audit, finish=True)
    counts = Counter({model._meta.label_lower: len(ids) for model, ids in removed.items() if ids})
    counts["send.storedfile"] = len(files)
    return DestructionLog.objects.create(
        record_kind=review.rule.label,
        school=school,
        approved_by=approved_by,
        approved_at=approved_at,
        rows_removed=dict(counts),
        files_removed=len(files),
    )


def refuse_append_only_delete(sender: Any, instance: Model, **kwargs: Any) -> None:
    """Never reached in a destruction (those rows are erased before the cascade); anywhere else, a clear error."""
    raise PermissionError(f"{sender.__name__} rows are append-only: only an approved destruction erases them.")


def _erase(review: DestructionReview, rows: dict[str, list[Any]], *, finish: bool) -> None:
    """The one privileged path (records_erase_audit_rows, SECURITY DEFINER): audit rows, never anything else."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT records_erase_audit_rows(%s, %s::jsonb, %s)", [str(review.uuid), json.dumps(rows), finish]
        )


def _public_ids(live: dict[type[Model], list[Any]]) -> list[str]:
    """The UUIDs the pupil's rows are known by in URLs and prepared documents."""
    found = []
    for model, pks in live.items():
        if pks and not issubclass(model, Event) and any(f.name == "uuid" for f in model._meta.concrete_fields):
            found += [str(u) for u in model._default_manager.filter(pk__in=pks).values_list("uuid", flat=True)]
    return found


@transaction.atomic
def place_legal_hold(pupil: Pupil, *, reason: str, by: Any) -> LegalHold:
    if not reason.strip():
        raise ValidationError({"reason": ["Say what needs the record kept (a claim, a complaint, an inquiry)."]})
    return LegalHold.objects.create(pupil=pupil, reason=reason.strip()[:300], placed_by=by)


def _own_files(live: dict[type[Model], list[Any]]) -> list[Any]:
    found = []
    for model, pks in live.items():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, FileField)]
        if pks and fields and not issubclass(model, Event) and model not in AUDIT_MODELS:
            for obj in model._default_manager.filter(pk__in=pks):
                found += [getattr(obj, name) for name in fields if getattr(obj, name)]
    return found
