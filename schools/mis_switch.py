"""Declaring and ending a school's MIS switch, the trust administrator's views of it, and their dry run.

A switch opens a window in which the new MIS's records adopt the school's existing ones (`schools.relink`).
It is declared with a step-up by a trust administrator, for one school, for one API client (the new MIS) or
for any client that may write to the school (a re-link), from a day to a day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from schools.models import ApiClient, MisIdChange, MisResource, MisSwitch, MisSwitchMatch, School, User
from schools.relink import bulk_resources
from send import policy
from send.audit import record_security_event
from send.bulk import BulkResult
from send.tenancy import require_trust_id

MAX_WINDOW_DAYS = 120


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the site's time zone (Europe/London)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _client_errors(client: ApiClient, school: School) -> list[str]:
    if client.trust_id != require_trust_id():
        return ["Choose an API client of this trust."]
    if not client.is_active:
        return ["This API client is revoked: choose one that works."]
    if not client.can_write:
        return ["This API client cannot write: give it the Write scope first (Trust admin → API clients)."]
    if not client.all_schools and school.pk not in client.school_ids:
        return [f"This API client may not write to {school.name}: add the school to it first."]
    return []


@transaction.atomic
def declare_mis_switch(
    *,
    school: School,
    api_client: ApiClient | None,
    opens_on: dt.date,
    closes_on: dt.date,
    note: str = "",
    declared_by: User | None,
    request: Any = None,
) -> MisSwitch:
    """Open (or schedule) a switch window for a school. One window at a time per school; at most 120 days."""
    if school.trust_id != require_trust_id():
        raise ValidationError({"school": "Choose a school of this trust."})
    School.objects.select_for_update().filter(pk=school.pk).first()  # one declaration at a time per school
    errors: dict[str, list[str]] = {}
    if api_client is not None:
        client_errors = _client_errors(api_client, school)
        if client_errors:
            errors["api_client"] = client_errors
    today = timezone.localdate()
    if opens_on < today:
        errors["opens_on"] = ["The window cannot open in the past: choose today or a later day."]
    if closes_on < opens_on:
        errors["closes_on"] = ["The window must close on or after the day it opens."]
    elif (closes_on - opens_on).days + 1 > MAX_WINDOW_DAYS:
        errors["closes_on"] = [f"A window lasts at most {MAX_WINDOW_DAYS} days; declare another one later if needed."]
    if errors:
        raise ValidationError(errors)
    opens_at = timezone.now() if opens_on == today else start_of_day(opens_on)
    closes_at = start_of_day(closes_on + dt.timedelta(days=1))
    clash = MisSwitch.objects.filter(school=school, closes_at__gt=opens_at, opens_at__lt=closes_at).first()
    if clash is not None:
        last_day = timezone.localtime(clash.closes_at - dt.timedelta(microseconds=1)).date()
        raise ValidationError(
            {
                "opens_on": (
                    f"{school.name} already has a switch window from {timezone.localtime(clash.opens_at):%-d %B %Y} "
                    f"to {last_day:%-d %B %Y}: end it first, or choose days after it."
                )
            }
        )
    switch = MisSwitch.objects.create(
        school=school,
        api_client=api_client,
        opens_at=opens_at,
        closes_at=closes_at,
        note=note.strip(),
        declared_by=declared_by,
    )
    # A switch lets a client take over the school's pupils' records: who opened it, when and for whom is kept.
    record_security_event(request, "mis_switch_declared", actor=declared_by, detail=_switch_detail(switch))
    return switch


def _switch_detail(switch: MisSwitch) -> dict[str, Any]:
    return {
        "switch": str(switch.uuid),
        "school": switch.school.name,
        "client": switch.api_client.name if switch.api_client else "any (re-link)",
        "opens_at": switch.opens_at.isoformat(),
        "closes_at": switch.closes_at.isoformat(),
    }


@transaction.atomic
def end_mis_switch(switch: MisSwitch, *, by: User | None, request: Any = None) -> MisSwitch:
    """Close the window now (a scheduled one never opens). What was adopted stays adopted."""
    switch = MisSwitch.objects.select_for_update(of=("self",)).select_related("school", "api_client").get(pk=switch.pk)
    now = timezone.now()
    if switch.closes_at <= now:
        raise ValidationError("This switch window has already closed.")
    switch.closes_at = now
    switch.opens_at = min(switch.opens_at, now)
    switch.ended_by = by
    switch.save(update_fields=["opens_at", "closes_at", "ended_by"])
    record_security_event(request, "mis_switch_ended", actor=by, detail=_switch_detail(switch))
    return switch


# --- Reads ---------------------------------------------------------------------------------------------------


def _count(model: Any, resource: str, **extra: Any) -> Coalesce:
    rows = (
        model.objects.filter(switch=OuterRef("pk"), resource=resource, **extra)
        .order_by()
        .values("switch")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def switches_for_admin(user: Any) -> QuerySet[MisSwitch]:
    """Every switch of the trust with what it adopted and matched so far, in one query."""
    adopted = MisIdChange.Kind.ADOPTED
    return (
        policy.visible(user, MisSwitch.objects.select_related("school", "api_client", "declared_by"), "view")
        .annotate(
            adopted_pupils=_count(MisIdChange, MisResource.PUPIL, kind=adopted),
            adopted_staff=_count(MisIdChange, MisResource.STAFF, kind=adopted),
            adopted_classes=_count(MisIdChange, MisResource.CLASS, kind=adopted),
            matched_pupils=_count(MisSwitchMatch, MisResource.PUPIL),
            matched_staff=_count(MisSwitchMatch, MisResource.STAFF),
            matched_classes=_count(MisSwitchMatch, MisResource.CLASS),
        )
        .order_by("-opens_at")
    )


def id_changes(switch: MisSwitch) -> QuerySet[MisIdChange]:
    """The switch's MIS id changes, oldest first: the audit of its adoptions."""
    return MisIdChange.objects.filter(switch=switch).order_by("changed_at", "id")


def writing_clients(school: School) -> list[ApiClient]:
    """Live clients that may write to the school: those a re-link's dry run can be tried as."""
    clients = ApiClient.objects.filter(revoked_at__isnull=True, can_write=True).filter(
        Q(all_schools=True) | Q(school_ids__contains=[school.pk])
    )
    return list(clients.order_by("name"))


# --- The administrator's dry run -----------------------------------------------------------------------------


def dry_run_switch(switch: MisSwitch, *, client: ApiClient, resource: str, data: Any) -> BulkResult:
    """What the API would answer if `client` sent these records now with the switch's window open.

    Exactly the API's validation and upsert (`POST /api/v1/<resource>/bulk/?dry_run=1`), run as the client, in a
    transaction that is rolled back: a scheduled window is opened for the trial, and nothing is kept.
    Raises ValidationError for an envelope the API would refuse (not an array, more than 1,000 records).
    """
    from rest_framework.exceptions import APIException

    from send.api import validate_batch

    if switch.state() == "closed":
        raise ValidationError("This switch window has closed: nothing would be adopted now.")
    if switch.api_client_id is not None and client.pk != switch.api_client_id:
        raise ValidationError({"api_client": "This switch is for another API client."})
    client_errors = _client_errors(client, switch.school)  # revoked, or no longer writing to the school
    if client_errors:
        raise ValidationError({"api_client": client_errors})
    chosen = bulk_resources().get(resource)
    if chosen is None:
        raise ValidationError({"resource": "Choose pupils, staff, classes or contacts."})
    try:
        records, result = validate_batch(None, chosen.serializer, data=data)
    except APIException as error:
        detail = error.detail
        if isinstance(detail, dict):
            detail = [message for messages in detail.values() for message in messages]
        elif not isinstance(detail, list):
            detail = [detail]
        raise ValidationError({"file": [str(message) for message in detail]}) from None
    if not records:
        return result
    with transaction.atomic():
        if switch.state() == "scheduled":
            MisSwitch.objects.filter(pk=switch.pk).update(opens_at=timezone.now())
        chosen.upsert(client, records, result)
        transaction.set_rollback(True)
    return result
