"""Every URL pattern of the project, walked from the URL conf, and how to fill its arguments with real objects.

The route sweeps (the cross-tenant matrix, the unverified-user sweep) share this, so a new URL joins all of them
and one that cannot be filled fails all of them. A filler is chosen by argument name, and by route where the same
name means different objects (`plan_uuid` is an SEN support plan in `reviews:plan*` and an EHC plan in
`reviews:ehc_*`): a wrong kind of object would make every answer 404 and prove nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import PNG_BYTES, TrustWorld, World


@dataclass(frozen=True)
class Route:
    name: str  # with its namespaces, as reverse() takes it
    arguments: tuple[str, ...]

    @property
    def namespace(self) -> str:
        return self.name.split(":", 1)[0] if ":" in self.name else ""


def walk(patterns: list[Any], namespace: str = "", prefix: str = "") -> Iterator[Route | str]:
    """Named patterns as Routes; unnamed ones as their full pattern text."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or ""
            yield from walk(
                entry.url_patterns, f"{namespace}{inner}:" if inner else namespace, prefix + str(entry.pattern)
            )
        elif isinstance(entry, URLPattern):
            if entry.name:
                yield Route(f"{namespace}{entry.name}", tuple(entry.pattern.regex.groupindex))
            else:
                yield prefix + str(entry.pattern)


def all_routes() -> list[Route]:
    return sorted({r for r in walk(get_resolver().url_patterns) if isinstance(r, Route)}, key=lambda r: r.name)


def unnamed_patterns() -> list[str]:
    return sorted({r for r in walk(get_resolver().url_patterns) if isinstance(r, str)})


def mis_switch_of(world: TrustWorld) -> Any:
    """An open MIS switch of the world's first school (made when a URL first needs one)."""
    from django.utils import timezone

    from schools.mis_switch import declare_mis_switch
    from schools.models import MisSwitch
    from send.tenancy import tenant_context

    with tenant_context(world.trust.pk):
        existing = MisSwitch.objects.filter(school=world.school).first()
        if existing is not None:
            return existing
        today = timezone.localdate()
        return declare_mis_switch(
            school=world.school,
            api_client=world.api_client,
            opens_on=today,
            closes_on=today + dt.timedelta(days=7),
            declared_by=world.users["admin"],
        )


def peps_of(world: TrustWorld) -> Any:
    """The world's Virtual Schools and its looked-after pupil's PEP (made when a URL first needs them)."""
    from reviews.pep.models import Pep
    from send.tenancy import tenant_context
    from tests.reviews.pep.support import add_pep

    # A module's world outlives each test's rollback: made again when the rows it names were rolled back.
    made = world.__dict__.get("peps")
    with tenant_context(world.trust.pk):
        if made is None or not Pep.objects.filter(pk=made.pep.pk).exists():
            world.__dict__["peps"] = made = add_pep(world)
    return made


def destruction_review_of(world: TrustWorld) -> Any:
    """A record of the world's first pupil listed for destruction (made when a URL first needs one)."""
    import datetime as dt

    from records.models import DestructionReview, RetentionRule
    from send.tenancy import tenant_context

    with tenant_context(world.trust.pk):
        return DestructionReview.objects.filter(pupil=world.pupils[0]).first() or DestructionReview.objects.create(
            pupil=world.pupils[0], rule=RetentionRule.objects.get(kind="sen_file"), due_on=dt.date(2048, 3, 1)
        )


def legal_hold_of(world: TrustWorld) -> Any:
    """An open legal hold on the world's first pupil (made when a URL first needs one)."""
    from records.models import LegalHold
    from send.tenancy import tenant_context

    with tenant_context(world.trust.pk):
        return LegalHold.objects.filter(pupil=world.pupils[0]).first() or LegalHold.objects.create(
            pupil=world.pupils[0], reason="A claim"
        )


def access_request_of(world: TrustWorld) -> Any:
    """A subject access request for the world's first pupil (made when a URL first needs one)."""
    import datetime as dt

    from records.models import AccessRequest
    from send.tenancy import tenant_context

    with tenant_context(world.trust.pk):
        existing = AccessRequest.objects.filter(pupil=world.pupils[0]).first()
        if existing is not None:
            return existing
        day = dt.date(2026, 10, 16)
        return AccessRequest.objects.create(
            pupil=world.pupils[0], kind="subject_access", requester="x", received_on=day, due_on=day, due_rule="x"
        )


def transfer_of(world: TrustWorld) -> Any:
    """A transfer of the world's first pupil, not yet sent (made when a URL first needs one)."""
    import datetime as dt

    from records.models import Transfer
    from send.tenancy import tenant_context

    with tenant_context(world.trust.pk):
        existing = Transfer.objects.filter(pupil=world.pupils[0]).first()
        if existing is not None:
            return existing
        day = dt.date(2026, 10, 16)
        return Transfer.objects.create(
            pupil=world.pupils[0],
            from_school=world.school,
            left_on=day,
            destination="unknown",
            due_on=day,
            due_rule="x",
        )


def ctf_import_of(world: TrustWorld) -> Any:
    """A CTF read into the world's first school, with a conflict (made when a URL first needs one)."""
    from records.models import CtfImport
    from send.tenancy import tenant_context

    with tenant_context(world.trust.pk):
        existing = CtfImport.objects.filter(school=world.school).first()
        if existing is not None:
            return existing
        return CtfImport.objects.create(
            school=world.school, pupil=world.pupils[0], file_name="ctf.xml", outcome="updated", conflicts=["x"]
        )


def request_deadline_of(world: TrustWorld) -> Any:
    """The world's EHC request's first deadline (the 6 weeks, on which an exemption can be claimed)."""
    from reviews.models import Deadline
    from send.tenancy import tenant_context

    with tenant_context(world.trust.pk):
        return Deadline.objects.get(request=world.ehc_request, kind="decide_to_assess")


def _job(world: TrustWorld) -> Any:
    assert world.pdf_job is not None
    return world.pdf_job.uuid


def _file(world: TrustWorld) -> Any:
    assert world.file is not None
    return world.file.uuid


def visit_of(world: TrustWorld) -> Any:
    """A governor's visit of the world's first school, made afresh in the asking test's transaction (a cached one
    would be rolled back with the first test that made it)."""

    from reports.visit_services import record_governor_visit
    from send.tenancy import tenant_context

    with tenant_context(world.trust.pk):
        return record_governor_visit(
            world.school,
            by=world.users["governor"],
            visited_on=dt.date(2026, 11, 20),
            focus=f"Provision maps at {world.trust.name}",
            what_they_saw="The provision map and its costs",
        )


# How to fill each URL argument of the pages with an object of a given trust.
FILLERS: dict[str, Callable[[TrustWorld], Any]] = {
    "school_uuid": lambda w: w.school.uuid,
    "term_uuid": lambda w: w.term.uuid,
    "membership_uuid": lambda w: w.memberships["teacher"].uuid,
    "pupil_uuid": lambda w: w.pupils[0].uuid,
    "class_uuid": lambda w: w.school_class.uuid,
    "section": lambda w: "note",
    "job_uuid": _job,
    "file_uuid": _file,
    "client_uuid": lambda w: w.api_client.uuid,
    "intervention_uuid": lambda w: w.intervention.uuid,
    "rate_uuid": lambda w: w.staff_rate.uuid,
    "group_uuid": lambda w: w.group.uuid,
    "member_uuid": lambda w: w.members[0].uuid,
    "plan_uuid": lambda w: w.plan.uuid,
    "target_uuid": lambda w: w.target.uuid,
    "action": lambda w: "submit",
    "request_uuid": lambda w: w.ehc_request.uuid,
    "outcome_uuid": lambda w: w.ehc_outcome.uuid,
    "item_uuid": lambda w: w.ehc_provision.uuid,
    "review_uuid": lambda w: w.annual_review.uuid,
    "invitation_uuid": lambda w: w.invitation.uuid,
    "switch_uuid": lambda w: mis_switch_of(w).uuid,
    "token": lambda w: w.feed_token,
    "pep_uuid": lambda w: peps_of(w).pep.uuid,
    "pep_target_uuid": lambda w: peps_of(w).target.uuid,
    "vs_uuid": lambda w: peps_of(w).norfolk.uuid,
    "import_uuid": lambda w: ctf_import_of(w).uuid,
    "transfer_uuid": lambda w: transfer_of(w).uuid,
    "access_request_uuid": lambda w: access_request_of(w).uuid,
    "destruction_uuid": lambda w: destruction_review_of(w).uuid,
    "hold_uuid": lambda w: legal_hold_of(w).uuid,
    "deadline_uuid": lambda w: request_deadline_of(w).uuid,
    "visit_uuid": lambda w: visit_of(w).uuid,
}

# Where an argument's name means another kind of object on some routes.
EHC_PLAN = {"plan_uuid": lambda w: w.ehc_plan.uuid}
# The looked-after pupil's pages: of the pupil in care (with a PEP), not of any pupil.
LOOKED_AFTER = {"pupil_uuid": lambda w: peps_of(w).record.pupil.uuid}
ROUTE_FILLERS: dict[str, dict[str, Callable[[TrustWorld], Any]]] = {
    "reviews:ehc_plan": EHC_PLAN,
    "reviews:ehc_plan_edit": EHC_PLAN,
    "reviews:ehc_plan_cease": EHC_PLAN,
    "reviews:ehc_outcome": EHC_PLAN,
    "reviews:ehc_outcome_add": EHC_PLAN,
    "reviews:ehc_provision": EHC_PLAN,
    "reviews:ehc_provision_add": EHC_PLAN,
    "reviews:ehc_amendment_add": EHC_PLAN,
    **{
        f"reviews:{name}": LOOKED_AFTER
        for name in ("pep_pupil", "care_edit", "care_event_new", "leave_care", "pep_new", "pupil_ppp")
    },
}


def filler(route: Route, argument: str) -> Callable[[TrustWorld], Any]:
    return ROUTE_FILLERS.get(route.name, {}).get(argument) or FILLERS[argument]


def can_fill(route: Route) -> bool:
    return all(arg in ROUTE_FILLERS.get(route.name, {}) or arg in FILLERS for arg in route.arguments)


def url_of(route: Route, world: TrustWorld, **given: Any) -> str:
    """The route's address filled with `world`'s objects (or the arguments given)."""
    kwargs = {arg: given[arg] if arg in given else filler(route, arg)(world) for arg in route.arguments}
    return reverse(route.name, kwargs=kwargs)


def a_photo_of_pupil_0(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from send.tenancy import tenant_context
    from tests.conftest import client_for

    with tenant_context(world.a.trust.pk):
        world.a.school.pupil_photos = True
        world.a.school.save(update_fields=["pupil_photos"])
    url = reverse("pupils:record_add", kwargs={"pupil_uuid": world.a.pupils[0].uuid, "section": "photo"})
    photo = SimpleUploadedFile("photo.png", PNG_BYTES, "image/png")
    assert client_for(world.a.users["senco"]).post(url, {"photo": photo}).status_code == 302


# What a positive control adds first (in its test's own transaction) for the page to have something to show.
def an_access_request_export(world: World) -> None:
    """The subject access zip exists (the worker made it), so its download has something to give."""
    from django.core.files.base import ContentFile

    from send.tenancy import tenant_context

    with tenant_context(world.a.trust.pk):
        found = access_request_of(world.a)
        if not found.export:
            found.export.save("export.zip", ContentFile(b"PK\x05\x06" + bytes(18)))


PREPARE: dict[str, Callable[[World], None]] = {
    "pupils:photo": a_photo_of_pupil_0,
    "records:access_request_download": an_access_request_export,
}


def prepare(route: Route, world: World) -> None:
    if route.name in PREPARE:
        PREPARE[route.name](world)
