"""Subject access and educational-record requests: the tracked deadline, the worker's zip, the release."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from pupils.models import Pupil
from records import pupil_data
from records.models import AccessRequest, AccessRequestKind
from reviews.deadlines.models import DeadlineKind
from reviews.deadlines.services import Wanted, apply_deadlines
from schools.selectors import school_calendar
from send.dates import add_months, add_working_days
from send.pdf import render_pdf

SUBJECT_ACCESS_RULE = "A subject access request is answered within one month of receipt (UK GDPR art. 12(3))"
EDUCATIONAL_RECORD_RULE = (
    "A parent's request to see the educational record is answered within 15 school days "
    "(Education (Pupil Information) (England) Regulations 2005, reg. 5)"
)


def access_due_on(pupil: Pupil, kind: str, received_on: dt.date) -> tuple[dt.date, str]:
    if kind == AccessRequestKind.SUBJECT_ACCESS:
        return add_months(received_on, 1), SUBJECT_ACCESS_RULE
    due = school_calendar(pupil.school_id).add_school_days(received_on, 15)
    if due is not None:
        return due, EDUCATIONAL_RECORD_RULE
    return add_working_days(
        received_on, 15
    ), EDUCATIONAL_RECORD_RULE + "; term dates not entered that far: working days"


def sync_access_deadline(request: AccessRequest) -> None:
    kind = (
        DeadlineKind.SUBJECT_ACCESS
        if request.kind == AccessRequestKind.SUBJECT_ACCESS
        else DeadlineKind.EDUCATIONAL_RECORD
    )
    apply_deadlines(
        request.pupil,
        {},
        [
            Wanted(
                key=f"access:{request.pk}:answered",
                kind=kind,
                due_on=request.due_on,
                rule=request.due_rule,
                detail=request.requester,
                met_on=request.released_on,
            )
        ],
        prefix=f"access:{request.pk}:",
    )


@transaction.atomic
def record_access_request(pupil: Pupil, *, kind: str, requester: str, received_on: dt.date, by: Any) -> AccessRequest:
    """Log the request and start its deadline; the caller queues the worker's preparation on commit."""
    errors: dict[str, list[str]] = {}
    if kind not in AccessRequestKind.values:
        errors["kind"] = ["Choose the kind of request."]
    if received_on > timezone.localdate():
        errors["received_on"] = ["The date cannot be in the future."]
    if not requester.strip():
        errors["requester"] = ["Say who asked."]
    if errors:
        raise ValidationError(errors)
    due_on, rule = access_due_on(pupil, kind, received_on)
    request = AccessRequest.objects.create(
        pupil=pupil,
        kind=kind,
        requester=requester.strip(),
        received_on=received_on,
        due_on=due_on,
        due_rule=rule,
        recorded_by=by,
    )
    sync_access_deadline(request)
    return request


def _plain(value: Any) -> Any:
    """A value JSON can carry: a file by its stored name (the file itself is in files/)."""
    if isinstance(value, FieldFile):
        return value.name
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def _row(obj: Model) -> dict[str, Any]:
    return {field.attname: _plain(getattr(obj, field.attname)) for field in obj._meta.concrete_fields}


def _describe(obj: Model) -> str:
    """A short label from the row's own fields (no query: str() of a row may follow its keys)."""
    text = next((str(v) for v in _row(obj).values() if isinstance(v, str) and v.strip()), "")
    return f"{obj._meta.verbose_name} {obj.pk}: {text[:120]}"


def _readable(obj: Model) -> list[tuple[str, Any]]:
    skip = {"id", "trust_id", "uuid"}
    return [
        (str(field.verbose_name), getattr(obj, field.attname))
        for field in obj._meta.concrete_fields
        if field.attname not in skip and getattr(obj, field.attname) not in (None, "")
    ]


def collect(pupil: Pupil, on_progress: Any = None) -> dict[str, Any]:
    """Every row that holds the pupil, by model label, and what to review for other people's information."""
    sections: dict[str, list[dict[str, Any]]] = {}
    titles: dict[str, tuple[str, list[list[tuple[str, Any]]]]] = {}
    keys: dict[type[Model], list[Any]] = {}
    third_party: list[dict[str, Any]] = []
    models = list(pupil_data.rows_of(pupil))
    for index, (model, rows) in enumerate(models, 1):
        found = list(rows)
        label = model._meta.label_lower
        sections[label] = [_row(obj) for obj in found]
        titles[label] = (str(model._meta.verbose_name_plural).capitalize(), [_readable(obj) for obj in found])
        keys[model] = [obj.pk for obj in found]
        if label in pupil_data.THIRD_PARTY:
            third_party += [{"model": label, "id": obj.pk, "item": _describe(obj)} for obj in found]
        if on_progress is not None and index % 10 == 0:
            on_progress(int(80 * index / len(models)))
    files = list(pupil_data.files_of_rows(keys))
    sections["send.storedfile"] = [_row(stored) for stored in files]
    third_party += [{"model": "send.storedfile", "id": f.pk, "item": f.original_name} for f in files]
    return {"sections": sections, "titles": titles, "files": files, "third_party": third_party}


def prepare_export(request: AccessRequest) -> AccessRequest:
    """The worker's part: the zip of record.pdf, record.json and files/, with progress as it goes."""

    def progress(percent: int) -> None:
        AccessRequest.objects.filter(pk=request.pk).update(progress=percent)

    pupil = request.pupil
    found = collect(pupil, progress)
    document = {
        "pupil": str(pupil.uuid),
        "request": {"kind": request.kind, "received_on": request.received_on, "requester": request.requester},
        "prepared_at": timezone.now(),
        "tables": found["sections"],
        "to_review_for_third_party_information": found["third_party"],
    }
    pdf = render_pdf(
        "records/pdf/subject_access.html",
        {
            "title": f"Record of {pupil.display_name}",
            "pupil": pupil,
            "request": request,
            "titles": found["titles"],
            "printed": timezone.localtime(),
            "files": found["files"],
        },
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("record.pdf", pdf)
        archive.writestr("record.json", json.dumps(document, cls=DjangoJSONEncoder, indent=1))
        for stored in found["files"]:
            with stored.file.open("rb") as handle:
                archive.writestr(f"files/{stored.uuid}-{stored.original_name}", handle.read())
    request.export.save(f"{request.uuid}.zip", ContentFile(buffer.getvalue()), save=False)
    request.third_party, request.progress, request.prepared_at = found["third_party"], 100, timezone.now()
    request.save(update_fields=["export", "third_party", "progress", "prepared_at"])
    return request


@transaction.atomic
def release(request: AccessRequest, *, released_on: dt.date, by: Any) -> AccessRequest:
    """The SENCO has reviewed the items with other people's information and released the record: the deadline is met."""
    request = AccessRequest.objects.select_for_update(of=("self",)).select_related("pupil").get(pk=request.pk)
    if request.prepared_at is None:
        raise ValidationError({"released_on": ["The export is still being prepared."]})
    if request.released_on is not None:
        raise ValidationError({"released_on": [f"Already released on {request.released_on:%-d %B %Y}."]})
    if released_on > timezone.localdate() or released_on < request.received_on:
        raise ValidationError({"released_on": ["The date must be between the request and today."]})
    request.released_on, request.released_by = released_on, by
    request.save(update_fields=["released_on", "released_by"])
    sync_access_deadline(request)
    return request
