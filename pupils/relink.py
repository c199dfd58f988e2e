"""Pupils in an MIS switch: adopted by UPN within the school, and those the new MIS never sent.

The engine is `schools.relink`; this module says how a pupil is matched, and lists for the SENCO the pupils
of a school whose switch window has closed that the new MIS never sent (never deleted: they may have left, or
the new MIS may be missing them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from pupils import services
from pupils.models import Pupil
from pupils.upn import validate_upn
from schools.models import MisIdChange, MisResource, MisSwitch, MisSwitchMatch
from schools.relink import Finder, Matcher, relinking
from send import policy


def _upn(value: Any) -> str | None:
    try:
        return validate_upn(str(value or ""))
    except ValidationError:
        return None  # the upsert names what is wrong with it


def _load_pupils(school_ids: set[int], records: list[dict[str, Any]]) -> Finder:
    """Pupils of these schools by UPN (unique in the trust, so at most one)."""
    upns = {upn for upn in (_upn(fields.get("upn")) for fields in records) if upn}
    by_key = {(p.school_id, p.upn): p for p in Pupil.objects.filter(school_id__in=school_ids, upn__in=upns)}

    def find(fields: dict[str, Any], school_id: int) -> Pupil | None:
        upn = _upn(fields.get("upn"))
        return by_key.get((school_id, upn)) if upn else None

    return find


PUPILS = Matcher(MisResource.PUPIL, Pupil, "pupil", "UPN", "upn", _load_pupils)

# The API's bulk upsert of pupils, with the switch pre-pass in front.
upsert_pupils_relinking = relinking(services.upsert_pupils, PUPILS)


# --- Reads: what the new MIS never sent, and a pupil's old MIS ids ---------------------------------------------


@dataclass
class Unmatched:
    """A school's latest closed switch and its pupils (on roll, visible to the user) that it never matched."""

    switch: MisSwitch
    pupils: list[Pupil]


def closed_switches(user: Any) -> list[MisSwitch]:
    """Per school, its latest switch whose window has closed (after being open), among those the user may see."""
    switches: QuerySet[MisSwitch] = policy.visible(
        user,
        MisSwitch.objects.filter(closes_at__lte=timezone.now(), opens_at__lt=F("closes_at")).select_related(
            "school", "api_client"
        ),
        "view_unmatched",
    ).order_by("school_id", "-closes_at")
    latest: dict[int, MisSwitch] = {}
    for switch in switches:
        latest.setdefault(switch.school_id, switch)
    return list(latest.values())


def _unmatched_pupils(user: Any, switches: list[MisSwitch]) -> QuerySet[Pupil]:
    today = timezone.localdate()
    matched = MisSwitchMatch.objects.filter(switch__in=switches, resource=MisResource.PUPIL).values("object_uuid")
    return (
        policy.visible(user, Pupil.objects.all(), "view")
        .filter(school_id__in=[switch.school_id for switch in switches])
        .filter(Q(leaving_date__isnull=True) | Q(leaving_date__gt=today))
        .exclude(uuid__in=matched)
    )


def unmatched_by_school(user: Any) -> list[Unmatched]:
    """For the SENCO: the pupils the new MIS never sent, school by school. Never deleted: they may have left (record
    a leaving date and they leave the list), or the new MIS may be missing them. Three queries."""
    switches = closed_switches(user)
    if not switches:
        return []
    pupils = (
        _unmatched_pupils(user, switches)
        .select_related("school_class")
        .order_by("year_group", "legal_last_name", "legal_first_name")
    )
    by_school: dict[int, list[Pupil]] = {}
    for pupil in pupils:
        by_school.setdefault(pupil.school_id, []).append(pupil)
    ordered = sorted(switches, key=lambda switch: switch.school.name)
    return [Unmatched(switch, by_school.get(switch.school_id, [])) for switch in ordered]


def unmatched_count(user: Any) -> int:
    """How many pupils the user may see that a closed switch never matched (for the register's notice)."""
    switches = closed_switches(user)
    return _unmatched_pupils(user, switches).count() if switches else 0


def mis_id_history(pupil: Pupil) -> list[MisIdChange]:
    """The pupil's earlier MIS ids, oldest first, with the client that replaced each and when."""
    return list(
        MisIdChange.objects.filter(resource=MisResource.PUPIL, object_uuid=pupil.uuid).order_by("changed_at", "id")
    )
