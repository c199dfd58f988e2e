"""Import a Common Transfer File: match by UPN within the trust, add the previous school's SEN history, never
overwrite ours, and list where the file and our record disagree. All pupils of a file in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from pupils import services as pupil_services
from pupils.models import CURRENT_SEN_STATUSES, Flag, NeedType, Pupil, PupilNeed, RegisterChange
from records import ctf_schema as ctf
from records.ctf_reader import CtfFile, CtfPupil, CtfRefused, read_ctf
from records.models import CtfImport, CtfOutcome, ImportedSenEntry
from schools.models import School
from send import policy


@dataclass
class PupilImported:
    ctf_import: CtfImport
    name: str
    upn: str
    added: int = 0


@dataclass
class CtfImportResult:
    pupils: list[PupilImported] = field(default_factory=list)

    def of(self, outcome: str) -> list[PupilImported]:
        return [p for p in self.pupils if p.ctf_import.outcome == outcome]

    @property
    def conflicts(self) -> list[tuple[PupilImported, str]]:
        return [(p, conflict) for p in self.pupils for conflict in p.ctf_import.conflicts]


def _destination(parsed: CtfFile, school: School | None, user: Any | None) -> School:
    if parsed.destination_known:
        found = School.objects.filter(la_code=parsed.dest_lea, establishment_number=parsed.dest_estab).first()
        if found is None:
            raise CtfRefused(
                [
                    f"{ctf.HEADER}/{ctf.DEST_SCHOOL}: this CTF is addressed to LAESTAB "
                    f"{parsed.dest_lea}{parsed.dest_estab}, "
                    "which is not a school of this trust: it belongs to another school, and nothing was imported."
                ]
            )
        school = found
    elif school is None:
        raise CtfRefused(
            [
                f"{ctf.HEADER}/{ctf.DEST_SCHOOL}: the destination is not known "
                f"({ctf.UNKNOWN_LEA}/{ctf.UNKNOWN_ESTAB}); "
                "choose the school the pupil joins."
            ]
        )
    if user is not None and not policy.can(user, "add_pupil", school):
        raise PermissionDenied(f"You may not add pupils at {school.name}.")
    return school


def _source(parsed: CtfFile) -> str:
    return f"{parsed.source_school or 'the previous school'}" + (
        f" ({parsed.source_laestab})" if parsed.source_laestab else ""
    )


def _identity_conflicts(pupil: Pupil, incoming: CtfPupil) -> list[str]:
    found = []
    for label, ours, theirs in (
        ("surname", pupil.legal_last_name, incoming.surname),
        ("forename", pupil.legal_first_name, incoming.forename),
        ("date of birth", pupil.date_of_birth, incoming.date_of_birth),
        ("gender", pupil.gender, incoming.gender),
    ):
        if ours != theirs:
            found.append(f"line {incoming.line}: the file gives the {label} {theirs}; we hold {ours}, which is kept.")
    if incoming.in_care is not None and incoming.in_care != pupil.is_looked_after:
        state = "looked after" if incoming.in_care else "not looked after"
        found.append(f"line {incoming.line}: the file says the pupil is {state}; our flag is kept.")
    return found


def _create_pupil(incoming: CtfPupil, school: School, source: str, user: Any | None) -> Pupil:
    pupil = pupil_services.save_pupil(
        None,
        school=school,
        legal_first_name=incoming.forename,
        legal_last_name=incoming.surname,
        preferred_first_name=incoming.preferred_forename,
        preferred_last_name=incoming.preferred_surname,
        date_of_birth=incoming.date_of_birth,
        gender=incoming.gender,
        upn=incoming.upn,
        year_group=incoming.year_group,
    )
    if incoming.in_care:
        pupil_services.set_flag(
            pupil, flag=Flag.LAC, holds=True, on=timezone.localdate(), reason=f"From the CTF of {source}", by=user
        )
    return pupil


def _add_history(
    pupil: Pupil, incoming: CtfPupil, record: CtfImport, needs: dict[str, NeedType], source: str, user: Any | None
) -> tuple[int, list[str]]:
    """Add the file's SEN entries before our own history; those that would change our history are conflicts."""
    conflicts = [
        f"line {need.line}: {need.code} at rank {need.rank} is not kept: the register holds a primary and a "
        "secondary need."
        for need in incoming.needs
        if need.rank > 2
    ]
    history = list(pupil.register_changes.all())
    imported = set(
        ImportedSenEntry.objects.filter(register_change__pupil=pupil).values_list("register_change_id", flat=True)
    )
    own_starts = [c.starts_on for c in history if c.pk not in imported]
    first_own = min(own_starts) if own_starts else None
    present = {(c.starts_on, c.status, c.primary_need_id, c.secondary_need_id) for c in history}
    added = 0
    for index, entry in enumerate(incoming.sen):
        codes = incoming.needs_on(entry.starts_on, latest=index == len(incoming.sen) - 1)
        primary, secondary = needs.get(codes.get(1, "")), needs.get(codes.get(2, ""))
        key = (entry.starts_on, entry.status, primary.pk if primary else None, secondary.pk if secondary else None)
        if key in present:
            continue  # already here (the same file read twice)
        if first_own is not None and entry.starts_on >= first_own:
            conflicts.append(
                f"line {entry.line}: the previous school recorded {entry.status} from {entry.starts_on}; our register "
                f"history from {first_own} is kept."
            )
            continue
        change = RegisterChange.objects.create(
            pupil=pupil,
            status=entry.status,
            primary_need=primary,
            secondary_need=secondary,
            starts_on=entry.starts_on,
            reason=f"Imported from the CTF of {source}",
            recorded_by=user,
        )
        ImportedSenEntry.objects.create(register_change=change, ctf_import=record)
        present.add(key)
        added += 1
    if first_own is None and added:
        conflicts.extend(_follow_latest(pupil, incoming))
    elif incoming.sen and incoming.sen[-1].status != pupil.sen_status:
        latest = incoming.sen[-1]
        conflicts.append(
            f"line {latest.line}: the previous school's latest status is {latest.status} from {latest.starts_on}; "
            f"ours ({pupil.sen_status}) is kept."
        )
    return added, conflicts


def _follow_latest(pupil: Pupil, incoming: CtfPupil) -> list[str]:
    """With no history of our own, the pupil's current place on the register is the file's latest entry."""
    latest = pupil.register_changes.order_by("-starts_on", "-recorded_at").first()
    if latest is None:
        return []
    if latest.status not in CURRENT_SEN_STATUSES:
        return [
            f"line {incoming.sen[-1].line}: the latest status, {latest.status}, is from before 2014: "
            "set the current register entry by hand."
        ]
    pupil.sen_status = latest.status
    pupil.sen_status_since = latest.starts_on
    pupil.save(update_fields=["sen_status", "sen_status_since", "updated_at"])
    PupilNeed.objects.filter(pupil=pupil).delete()
    for rank, need in ((1, latest.primary_need), (2, latest.secondary_need)):
        if need is not None:
            PupilNeed.objects.create(pupil=pupil, need_type=need, rank=rank)
    return []


def import_ctf(
    content: bytes, *, file_name: str, school: School | None = None, user: Any | None = None
) -> CtfImportResult:
    """Read a CTF into the current trust. Refused as a whole (CtfRefused, PermissionDenied) or imported as a whole.

    `school` is where pupils join when the file's destination is not known; `user` None is the command line.
    """
    needs = {need.code: need for need in NeedType.objects.all()}
    parsed = read_ctf(content, set(needs))
    target = _destination(parsed, school, user)
    source = _source(parsed)
    result = CtfImportResult()
    with transaction.atomic():
        held = {p.upn: p for p in Pupil.objects.select_related("school").filter(upn__in=[p.upn for p in parsed.pupils])}
        for incoming in parsed.pupils:
            pupil = held.get(incoming.upn)
            if pupil is not None and user is not None and not policy.can(user, "change", pupil):
                raise CtfRefused(
                    [
                        f"line {incoming.line}, {ctf.PUPIL}/{ctf.UPN}: this UPN belongs to a pupil of this trust "
                        "whose register you may not change; ask their school's SENCO to import it. "
                        "Nothing was imported."
                    ]
                )
            conflicts = _identity_conflicts(pupil, incoming) if pupil is not None else []
            try:
                created = pupil is None
                if pupil is None:
                    pupil = _create_pupil(incoming, target, source, user)
            except ValidationError as error:
                raise CtfRefused([f"line {incoming.line}, {ctf.PUPIL}: {' '.join(error.messages)}"]) from None
            record = CtfImport.objects.create(
                school=target,
                pupil=pupil,
                file_name=file_name[:255],
                source_school=parsed.source_school[:200],
                source_laestab=parsed.source_laestab,
                outcome=CtfOutcome.CREATED,
                imported_by=user,
            )
            added, history_conflicts = _add_history(pupil, incoming, record, needs, source, user)
            record.conflicts = conflicts + history_conflicts
            if not created:
                record.outcome = CtfOutcome.UPDATED if added else CtfOutcome.UNCHANGED
            record.save(update_fields=["conflicts", "outcome"])
            result.pupils.append(PupilImported(record, pupil.display_name, pupil.upn, added))
    return result


@transaction.atomic
def resolve_conflicts(record: CtfImport, user: Any) -> CtfImport:
    """The SENCO has dealt with what the file and our record disagreed on."""
    if not record.conflicts:
        raise ValidationError("This import left no conflicts.")
    record.conflicts_resolved_by = user
    record.conflicts_resolved_at = dt.datetime.now(dt.UTC)
    record.save(update_fields=["conflicts_resolved_by", "conflicts_resolved_at"])
    return record
