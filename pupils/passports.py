"""Pupil passports: versions written by class teachers, approved or returned by the SENCO, flagged when old."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from pupils.models import PassportStatus, PassportVersion, Pupil, SenStatus
from schools.models import School, SchoolClass, Term

FIELDS = (
    "about_me",
    "important_to_me",
    "how_to_support",
    "what_helps",
    "what_does_not_help",
    "pupil_voice",
    "key_strategies",
)


def latest_version(pupil: Pupil) -> PassportVersion | None:
    return pupil.passport_versions.select_related("written_by", "reviewed_by").order_by("-number").first()


@transaction.atomic
def save_passport(pupil: Pupil, *, written_by: Any, **fields: str) -> PassportVersion:
    """A new version, awaiting the SENCO's approval; the previous versions stay as they were."""
    if not fields.get("key_strategies", "").strip():
        raise ValidationError(
            {"key_strategies": "Write at least one strategy that helps: it is what staff read first."}
        )
    if not any(fields.get(name, "").strip() for name in FIELDS if name != "key_strategies"):
        raise ValidationError("Write at least one section besides the key strategies.")
    Pupil.objects.select_for_update().filter(pk=pupil.pk).first()  # one new version number at a time
    number = (pupil.passport_versions.aggregate(top=Max("number"))["top"] or 0) + 1
    return PassportVersion.objects.create(
        pupil=pupil, number=number, written_by=written_by, **{name: fields.get(name, "").strip() for name in FIELDS}
    )


@transaction.atomic
def review_passport(version: PassportVersion, *, approve: bool, comment: str, reviewed_by: Any) -> PassportVersion:
    latest = version.pupil.passport_versions.order_by("-number").first()
    if latest is None or latest.pk != version.pk:
        raise ValidationError("A newer version has been written since: review that one.")
    if not approve and not comment.strip():
        raise ValidationError({"comment": "Say what needs changing when you return a passport."})
    version.status = PassportStatus.APPROVED if approve else PassportStatus.RETURNED
    version.senco_comment = comment.strip()
    version.reviewed_by = reviewed_by
    version.reviewed_at = timezone.now()
    version.save(update_fields=["status", "senco_comment", "reviewed_by", "reviewed_at", "updated_at"])
    return version


def update_cutoff(school: School, today: dt.date | None = None) -> dt.date:
    """Passports last written before this date need updating: the start of the school's Nth most recent term
    (N = the school's setting, default one term); without term dates, 13 weeks per term."""
    today = today or timezone.localdate()
    terms = max(school.passport_max_age_terms, 1)
    starts = list(
        Term.objects.filter(school=school, starts_on__lte=today)
        .order_by("-starts_on")
        .values_list("starts_on", flat=True)[:terms]
    )
    if len(starts) == terms:
        return starts[-1]
    return today - dt.timedelta(weeks=13 * terms)


def needs_updating(version: PassportVersion | None, school: School, today: dt.date | None = None) -> bool:
    return version is None or timezone.localtime(version.created_at).date() < update_cutoff(school, today)


def class_passports(
    school_class: SchoolClass, visible_pupils: QuerySet[Pupil]
) -> list[tuple[Pupil, PassportVersion | None]]:
    """Every SEND pupil (K, E or monitored) of the class with their latest passport, in two queries."""
    latest_ids = PassportVersion.objects.filter(pupil=OuterRef("pk")).order_by("-number").values("pk")[:1]
    pupils = list(
        visible_pupils.filter(school_class=school_class)
        .exclude(sen_status=SenStatus.NO_SEN, on_monitoring_list=False)
        .annotate(latest_passport_id=Subquery(latest_ids))
        .order_by("legal_last_name", "legal_first_name")
    )
    versions = PassportVersion.objects.in_bulk([p.latest_passport_id for p in pupils if p.latest_passport_id])
    return [(pupil, versions.get(pupil.latest_passport_id)) for pupil in pupils]
