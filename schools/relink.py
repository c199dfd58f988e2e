"""Re-linking records to a new MIS during a declared switch: a pre-pass in front of each bulk upsert.

When a school moves MIS every record arrives with a new `mis_id`. While a switch of the school is open
(`MisSwitch`), a record from the switch's client whose `mis_id` we do not know, but whose natural key
(pupils: UPN; staff: email; classes: name, year group and school year) matches one of the school's records,
*adopts* that record: the pre-pass gives the row the new `mis_id`, and the ordinary upsert (unchanged, in each
app's services) then finds it by that id and updates it as usual. The outcome says `adopted`, the old id is kept
in `MisIdChange` (with the client: the audit of the adoption), and everything the source sent in the window is
noted in `MisSwitchMatch`, so that what it never sent can be listed when the window closes.

Only rows of the switch's school are matched (and only in the current trust: every query is tenant-scoped), a
row is adopted at most once per switch, and two records claiming one row are both refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from schools import mis_services
from schools.models import Membership, MisIdChange, MisResource, MisSwitch, MisSwitchMatch, School, SchoolClass, User
from send import policy
from send.bulk import BulkResult, Records
from send.tenancy import require_trust_id

UpsertService = Callable[[Any, Records, BulkResult], BulkResult]
# Given a record's fields and the id of its school, the school's row it matches by natural key, or None.
Finder = Callable[[dict[str, Any], int], Any]


@dataclass(frozen=True)
class Matcher:
    """How one resource is matched: its model, the record field named in errors, and a loader that reads the
    candidate rows of some schools for some records in one query and returns a `Finder`."""

    resource: str  # a MisResource value
    model: type[Model]
    label: str  # "pupil"
    key_label: str  # "UPN"
    key_field: str  # the record's field that errors name, e.g. "upn"
    load: Callable[[set[int], list[dict[str, Any]]], Finder]


@dataclass
class Claim:
    index: int
    fields: dict[str, Any]
    switch: MisSwitch
    row: Any


@dataclass
class RelinkPlan:
    """What the pre-pass will change before the ordinary upsert runs."""

    records: Records
    adoptions: dict[int, Claim] = field(default_factory=dict)  # row pk -> the one record that claims it
    releases: dict[int, Claim] = field(default_factory=dict)  # row pk -> the record that needs its old id
    switch_of: dict[int, MisSwitch] = field(default_factory=dict)  # record index -> its school's open switch

    @property
    def changing(self) -> set[int]:
        """Indexes of the records whose acceptance depends on the pre-pass's changes."""
        return {c.index for c in self.adoptions.values()} | {c.index for c in self.releases.values()}

    def without(self, indexes: set[int]) -> RelinkPlan:
        return RelinkPlan(
            records=[(i, f) for i, f in self.records if i not in indexes],
            adoptions={pk: c for pk, c in self.adoptions.items() if c.index not in indexes},
            releases={pk: c for pk, c in self.releases.items() if c.index not in indexes},
            switch_of={i: s for i, s in self.switch_of.items() if i not in indexes},
        )


@dataclass(frozen=True)
class BulkResource:
    """A resource of `POST /api/v1/<name>/bulk/`: how its records are checked and applied."""

    name: str
    label: str
    serializer: Any
    upsert: UpsertService


_bulk_resources: dict[str, BulkResource] = {}
BULK_ORDER = ("pupils", "staff", "classes", "contacts")


def register_bulk_resource(name: str, label: str, viewset: Any) -> None:
    """Each app registers its bulk viewsets (in `ready()`), so the administrator's dry run is the API's own."""
    _bulk_resources[name] = BulkResource(name, label, viewset.write_serializer_class, viewset.upsert_service)


def bulk_resources() -> dict[str, BulkResource]:
    order = {name: position for position, name in enumerate(BULK_ORDER)}
    return dict(sorted(_bulk_resources.items(), key=lambda item: order.get(item[0], len(order))))


def open_switches(client: Any, school_keys: set[Any]) -> list[MisSwitch]:
    """The open switches of these schools (by uuid) that adopt for this client: its own, and re-links of schools
    it may write to. One query."""
    if not getattr(client, "is_api_client", False) or not school_keys:
        return []
    now = timezone.now()
    writable: QuerySet[School] = policy.visible(client, School.objects.filter(uuid__in=school_keys), "write")
    return list(
        MisSwitch.objects.filter(school__in=writable, opens_at__lte=now, closes_at__gt=now)
        .filter(Q(api_client__isnull=True) | Q(api_client_id=client.pk))
        .select_related("school")
    )


def relinking(upsert: UpsertService, matcher: Matcher) -> UpsertService:
    """`upsert` with the switch pre-pass in front: the same signature, for a viewset's `upsert_service`."""

    def upsert_relinking(client: Any, records: Records, result: BulkResult) -> BulkResult:
        return relink_and_upsert(client, records, result, upsert=upsert, matcher=matcher)

    upsert_relinking.__name__ = f"{upsert.__name__}_relinking"
    upsert_relinking.__doc__ = upsert.__doc__
    return upsert_relinking


class _Undo(Exception):
    """Rolls back a trial in which a record the pre-pass changed a row for was rejected by the upsert."""

    def __init__(self, rejected: set[int], trial: BulkResult) -> None:
        super().__init__("undo the trial")
        self.rejected = rejected
        self.trial = trial


@transaction.atomic
def relink_and_upsert(
    client: Any, records: Records, result: BulkResult, *, upsert: UpsertService, matcher: Matcher
) -> BulkResult:
    """Adopt what the open switches allow, then run the ordinary upsert.

    Nothing of a rejected record is saved: when the upsert rejects a record whose row the pre-pass re-keyed
    (its class unknown, say), the whole trial is rolled back and run again without that record, which keeps
    the errors the upsert gave it. A request without an open switch costs one query more.
    """
    switches = open_switches(client, {fields["school"] for _, fields in records if "school" in fields})
    if not switches:
        return upsert(client, records, result)
    plan = plan_relink(records, result, switches, matcher)
    while True:
        trial = BulkResult(outcomes=list(result.outcomes))
        try:
            with transaction.atomic():
                _apply(plan, matcher)
                upsert(client, plan.records, trial)
                rejected = {o.index for o in trial.outcomes if o.status == "rejected"} & plan.changing
                if rejected:
                    raise _Undo(rejected, trial)
        except _Undo as undo:
            result.outcomes.extend(o for o in undo.trial.outcomes if o.index in undo.rejected)
            plan = plan.without(undo.rejected)
            continue
        break
    result.outcomes = trial.outcomes
    _record(plan, result, client, matcher)
    return result


def plan_relink(records: Records, result: BulkResult, switches: list[MisSwitch], matcher: Matcher) -> RelinkPlan:
    """Decide which rows the records adopt, and refuse the records that claim a row they may not. Three queries."""
    by_school = {switch.school.uuid: switch for switch in switches}
    candidates = [(i, f, by_school[f["school"]]) for i, f in records if f.get("school") in by_school]
    plan = RelinkPlan(records=list(records), switch_of={i: s for i, _, s in candidates})
    if not candidates:
        return plan
    find = matcher.load({s.school_id for s in switches}, [f for _, f, _ in candidates])
    found = {i: find(f, s.school_id) for i, f, s in candidates}
    manager: Any = matcher.model._default_manager
    holders = {row.mis_id: row for row in manager.filter(mis_id__in=[f["mis_id"] for _, f, _ in candidates])}
    uuids = [row.uuid for row in (*found.values(), *holders.values()) if row is not None]
    matched = set(
        MisSwitchMatch.objects.filter(
            switch__in=switches, resource=matcher.resource, object_uuid__in=uuids
        ).values_list("object_uuid", flat=True)
    )
    # The row each record's own mis_id would update: a row sent under its current id is not up for adoption.
    updated_in_request = {f["mis_id"]: found[i] for i, f, _ in candidates}
    label, key = matcher.label, matcher.key_label
    claims: dict[int, list[Claim]] = {}
    pending_releases: dict[int, Claim] = {}
    refused: dict[int, dict[str, list[str]]] = {}
    for index, fields, switch in candidates:
        mis_id = fields["mis_id"]
        row, holder = found[index], holders.get(mis_id)
        # The old MIS's id on another record of the school, not yet matched in this switch: the new MIS's
        # ids win, so the stale one comes off (that record can still be adopted by its own natural key).
        stale_holder = holder is not None and holder.school_id == switch.school_id and holder.uuid not in matched
        if row is None:
            if holder is not None and stale_holder:
                pending_releases[holder.pk] = Claim(index, fields, switch, holder)
            continue
        if holder is not None and holder.pk == row.pk:
            continue  # the record under the id it already has: the ordinary update
        if row.uuid in matched:
            refused[index] = {
                matcher.key_field: [
                    f"The {label} with this {key} was already matched in this MIS switch, with mis_id "
                    f"{row.mis_id or '(none)'}; it is not adopted twice."
                ]
            }
        elif row.mis_id and getattr(updated_in_request.get(row.mis_id), "pk", None) == row.pk:
            refused[index] = {
                matcher.key_field: [
                    f"The {label} with this {key} is also in this request under its current mis_id {row.mis_id}."
                ]
            }
        elif holder is not None and not stale_holder:
            refused[index] = {
                "mis_id": [
                    f"This mis_id belongs to another {label} of this trust, so it cannot be given to the "
                    f"{label} with this {key}."
                ]
            }
        else:
            claims.setdefault(row.pk, []).append(Claim(index, fields, switch, row))
            if holder is not None:
                pending_releases[holder.pk] = Claim(index, fields, switch, holder)
    for claimants in claims.values():
        if len(claimants) > 1:
            others = ", ".join(c.fields["mis_id"] for c in claimants)
            for claim in claimants:
                refused[claim.index] = {
                    matcher.key_field: [
                        f"{len(claimants)} records of this request (mis_ids {others}) claim the existing {label} "
                        f"with this {key}: send only the right one."
                    ]
                }
        else:
            plan.adoptions[claimants[0].row.pk] = claimants[0]
    mis_ids = {index: str(fields["mis_id"]) for index, fields in records}
    for index, errors in refused.items():
        result.reject(index, mis_ids[index], errors)
    plan = plan.without(set(refused))
    plan.releases = {
        pk: claim for pk, claim in pending_releases.items() if claim.index not in refused and pk not in plan.adoptions
    }
    return plan


def _apply(plan: RelinkPlan, matcher: Matcher) -> None:
    """Re-key the adopted rows and release the stale ids, in two statements whatever the number of rows.

    Rows whose current id another row is about to take are blanked first, so that swaps never meet the unique
    constraint on (trust, mis_id).
    """
    if not plan.adoptions and not plan.releases:
        return
    now = timezone.now()
    manager = matcher.model._default_manager
    targets = {claim.fields["mis_id"] for claim in plan.adoptions.values()}
    blank = set(plan.releases) | {pk for pk, claim in plan.adoptions.items() if claim.row.mis_id in targets}
    if blank:
        manager.filter(pk__in=blank).update(mis_id="", updated_at=now)
    rows = []
    for claim in plan.adoptions.values():
        row = manager.model(pk=claim.row.pk, mis_id=claim.fields["mis_id"], updated_at=now)
        rows.append(row)
    if rows:
        manager.bulk_update(rows, ["mis_id", "updated_at"])


def _record(plan: RelinkPlan, result: BulkResult, client: Any, matcher: Matcher) -> None:
    """Mark the adopted outcomes, keep the old ids with who changed them, and note what the source sent."""
    now, trust_id = timezone.now(), require_trust_id()
    adopted = {claim.index: claim for claim in plan.adoptions.values()}
    for outcome in result.outcomes:
        claim = adopted.get(outcome.index)
        if claim is not None and outcome.status in {"updated", "unchanged"}:
            outcome.status = "adopted"
            outcome.previous_mis_id = claim.row.mis_id
    changes = [
        MisIdChange(
            trust_id=trust_id,
            switch=claim.switch,
            school_id=claim.switch.school_id,
            resource=matcher.resource,
            object_uuid=claim.row.uuid,
            kind=kind,
            old_mis_id=claim.row.mis_id,
            new_mis_id=claim.fields["mis_id"] if kind == MisIdChange.Kind.ADOPTED else "",
            api_client=client,
            api_client_name=client.name,
            changed_at=now,
        )
        for kind, claims in ((MisIdChange.Kind.RELEASED, plan.releases), (MisIdChange.Kind.ADOPTED, plan.adoptions))
        for claim in claims.values()
    ]
    if changes:
        MisIdChange.objects.bulk_create(changes)
    matches = [
        MisSwitchMatch(
            trust_id=trust_id,
            switch=plan.switch_of[outcome.index],
            resource=matcher.resource,
            object_uuid=outcome.id,
        )
        for outcome in result.outcomes
        if outcome.index in plan.switch_of and outcome.status != "rejected" and outcome.id is not None
    ]
    if matches:
        MisSwitchMatch.objects.bulk_create(matches, ignore_conflicts=True)


# --- Staff and classes ---------------------------------------------------------------------------------------


def _load_staff(school_ids: set[int], records: list[dict[str, Any]]) -> Finder:
    """Teachers' and TAs' roles at these schools by the person's email (the MIS's roles only: never a SENCO's)."""
    emails = {User.objects.normalize_email(fields["email"]).lower() for fields in records}
    rows = Membership.objects.filter(
        school_id__in=school_ids, role__in=list(mis_services.MIS_STAFF_ROLES), user__email__in=emails
    ).select_related("user")
    by_key: dict[tuple[int | None, str], list[Membership]] = {}
    for membership in rows:
        by_key.setdefault((membership.school_id, membership.user.email), []).append(membership)

    def find(fields: dict[str, Any], school_id: int) -> Membership | None:
        held = by_key.get((school_id, User.objects.normalize_email(fields["email"]).lower()), [])
        if len(held) == 1:
            return held[0]
        # A person who is both teacher and TA at the school: the role the record names.
        return next((membership for membership in held if membership.role == fields["role"]), None)

    return find


def _load_classes(school_ids: set[int], records: list[dict[str, Any]]) -> Finder:
    """Classes of these schools by school year, name and year group."""
    rows = SchoolClass.objects.filter(
        school_id__in=school_ids, name__in={fields["name"] for fields in records}
    ).select_related("school_year")
    by_key = {(c.school_id, c.school_year.name, c.name, c.year_group): c for c in rows}

    def find(fields: dict[str, Any], school_id: int) -> SchoolClass | None:
        return by_key.get((school_id, fields["school_year"], fields["name"], fields["year_group"]))

    return find


STAFF = Matcher(MisResource.STAFF, Membership, "staff record", "email", "email", _load_staff)
CLASSES = Matcher(MisResource.CLASS, SchoolClass, "class", "name, year group and school year", "name", _load_classes)

# The bulk upserts of the API, with the pre-pass in front.
upsert_staff_relinking = relinking(mis_services.upsert_staff, STAFF)
upsert_classes_relinking = relinking(mis_services.upsert_classes, CLASSES)
