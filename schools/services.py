"""Writes for trusts, schools, term dates and staff: validation, the transaction, and the audit context."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from schools.models import (
    TRUST_WIDE_ROLES,
    ApiClient,
    ClassStaff,
    ClassStaffRole,
    Federation,
    InsetDay,
    Invitation,
    Membership,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    Term,
    User,
)
from send import policy
from send.audit import record_security_event
from send.bulk import BulkResult, Planned, Records, save_planned
from send.tenancy import require_trust_id, tenant_context

INVITATION_DAYS = 30  # an invitation to a person of another trust lapses after this


def _school_in_trust(school: School | None) -> None:
    if school is not None and school.trust_id != require_trust_id():
        raise ValidationError({"school": "Choose a school of this trust."})


@transaction.atomic
def save_school(*, school: School | None = None, **fields: Any) -> School:
    school = school or School()
    federation: Federation | None = fields.get("federation")
    if federation is not None and federation.trust_id != require_trust_id():
        raise ValidationError({"federation": "Choose a federation of this trust."})
    for name, value in fields.items():
        setattr(school, name, value)
    school.full_clean(exclude=["trust"])
    if School.objects.filter(urn=school.urn).exclude(pk=school.pk).exists():
        raise ValidationError({"urn": "Another school of this trust already has this URN."})
    school.save()
    return school


@transaction.atomic
def create_school_year(*, name: str, starts_on: dt.date, ends_on: dt.date) -> SchoolYear:
    if ends_on <= starts_on:
        raise ValidationError({"ends_on": "The year must end after it starts."})
    if SchoolYear.objects.filter(name=name).exists():
        raise ValidationError({"name": "This trust already has a school year with this name."})
    return SchoolYear.objects.create(name=name, starts_on=starts_on, ends_on=ends_on)


@transaction.atomic
def save_term(
    *,
    school: School,
    school_year: SchoolYear,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    term: Term | None = None,
) -> Term:
    _school_in_trust(school)
    errors: dict[str, str] = {}
    if ends_on < starts_on:
        errors["ends_on"] = "A term must end on or after the day it starts."
    if not (school_year.starts_on <= starts_on <= school_year.ends_on) or not (
        school_year.starts_on <= ends_on <= school_year.ends_on
    ):
        errors["starts_on"] = (
            f"A term of {school_year.name} must lie between {school_year.starts_on:%-d %B %Y} "
            f"and {school_year.ends_on:%-d %B %Y}."
        )
    if not errors:
        overlapping = Term.objects.filter(school=school, starts_on__lte=ends_on, ends_on__gte=starts_on)
        if term is not None:
            overlapping = overlapping.exclude(pk=term.pk)
        clash = overlapping.first()
        if clash is not None:
            errors["starts_on"] = (
                f"These dates overlap {clash.name} ({clash.starts_on:%-d %b %Y} to {clash.ends_on:%-d %b %Y})."
            )
    if errors:
        raise ValidationError(errors)
    term = term or Term(school=school)
    term.school_year, term.name, term.starts_on, term.ends_on = school_year, name, starts_on, ends_on
    term.save()
    return term


@transaction.atomic
def delete_term(term: Term) -> None:
    term.delete()


@transaction.atomic
def add_inset_day(*, school: School, date: dt.date, reason: str) -> InsetDay:
    _school_in_trust(school)
    if not Term.objects.filter(school=school, starts_on__lte=date, ends_on__gte=date).exists():
        raise ValidationError({"date": "An INSET day must fall inside one of the school's terms."})
    if InsetDay.objects.filter(school=school, date=date).exists():
        raise ValidationError({"date": "This day is already an INSET day."})
    return InsetDay.objects.create(school=school, date=date, reason=reason or "INSET")


def _validate_role_school(role: str, school: School | None) -> None:
    if role in TRUST_WIDE_ROLES and school is not None:
        raise ValidationError({"school": f"A {Role(role).label} works across the whole trust: leave the school empty."})
    if role not in TRUST_WIDE_ROLES and school is None:
        raise ValidationError({"school": f"Choose the school where this {Role(role).label} works."})
    _school_in_trust(school)


class OutsideThisTrust(ValidationError):
    """The person's sign-in is not this trust's alone: its administrators may not change it."""

    def __init__(self, user: User) -> None:
        super().__init__(
            f"{user.email} also has a role in another trust (or runs the platform), so their sign-in is not "
            "this trust's alone. Ask them to do it themselves under Your account, or ask the platform's support."
        )


def trust_ids_of(user: User) -> set[int]:
    """Every trust where the person holds a role, read outside the current trust (the own-rows policy)."""
    from schools.selectors import trusts_of_user

    return {choice.trust.pk for choice in trusts_of_user(user)}


def only_in_this_trust(user: User) -> bool:
    """Whether every role the person holds is in the current trust: only then may its administrators reset their
    second factor, sign them out or send them a password link. Never a platform administrator."""
    if user.is_superuser or user.is_staff:
        return False
    return trust_ids_of(user) <= {require_trust_id()}


def require_only_in_this_trust(user: User) -> None:
    if not only_in_this_trust(user):
        raise OutsideThisTrust(user)


def _refuse_self_grant(role: str, user: User, by: User | None) -> None:
    """An administrator never gives themselves a role that opens pupils' records: another administrator must."""
    from schools.policy import PUPIL_ROLES

    if by is not None and user.pk == by.pk and role in PUPIL_ROLES:
        raise ValidationError(
            {"role": "You cannot give yourself a role that sees pupils: another trust administrator must do it."}
        )


def _role_detail(role: str, school: School | None) -> dict[str, Any]:
    return {"role": role, "school": str(school.uuid) if school is not None else None}


def _password_link(user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


@transaction.atomic
def invite_staff(
    *,
    email: str,
    full_name: str,
    role: str,
    school: School | None,
    invited_by: User,
    base_url: str,
    request: Any = None,
) -> Membership | Invitation:
    """Give a person a role in this trust, creating their sign-in if they have none, and email them.

    A person who already has a sign-in but no role here is someone else's (another trust's, or the platform's):
    they get an `Invitation` instead, and nothing about their account changes until they sign in and accept it.
    """
    _validate_role_school(role, school)
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        _refuse_self_grant(role, user, invited_by)
    if user is not None and not Membership.objects.filter(user=user).exists() and not only_in_this_trust(user):
        return _invite_from_another_trust(user, role, school, invited_by, base_url, request)
    created = user is None
    if user is None:
        user = User.objects.create_user(email=email, password=None, full_name=full_name)
    if Membership.objects.filter(user=user, role=role, school=school).exists():
        raise ValidationError({"role": "This person already has this role here."})
    membership = Membership.objects.create(user=user, role=role, school=school)
    record_security_event(request, "role_granted", subject=user, actor=invited_by, detail=_role_detail(role, school))
    where = school.name if school else "the whole trust"
    link = _password_link(user, base_url) if created or not user.has_usable_password() else ""
    body = (
        f"{invited_by.get_full_name() or invited_by.email} has given you the role of {Role(role).label} "
        f"for {where}.\n\n"
        + (f"Choose your password to sign in: {link}\n" if link else "Sign in with your existing password.\n")
    )
    transaction.on_commit(lambda: send_mail("You have been invited to the SEND platform", body, None, [email]))
    return membership


def _invite_from_another_trust(
    user: User, role: str, school: School | None, invited_by: User, base_url: str, request: Any
) -> Invitation:
    waiting = Invitation.objects.filter(
        user=user, role=role, school=school, accepted_at__isnull=True, declined_at__isnull=True
    ).first()
    if waiting is not None and waiting.created_at >= timezone.now() - dt.timedelta(days=INVITATION_DAYS):
        raise ValidationError({"email": "This person has already been invited to this role and has not answered yet."})
    if waiting is not None:  # lapsed: offered again, from today
        Invitation.objects.filter(pk=waiting.pk).update(created_at=timezone.now(), invited_by=invited_by)
        invitation = Invitation.objects.get(pk=waiting.pk)
    else:
        invitation = Invitation.objects.create(user=user, role=role, school=school, invited_by=invited_by)
    record_security_event(request, "invitation_sent", subject=user, actor=invited_by, detail=_role_detail(role, school))
    trust = invitation.trust
    where = f"{school.name} ({trust.name})" if school else trust.name
    body = (
        f"{invited_by.get_full_name() or invited_by.email} invites you to take the role of {Role(role).label} "
        f"for {where}.\n\nNothing changes until you accept. Sign in as usual, then accept or decline it here: "
        f"{base_url}{reverse('invitations')}\n\nThe invitation lapses after {INVITATION_DAYS} days.\n"
    )
    email = user.email
    transaction.on_commit(lambda: send_mail("An invitation on the SEND platform", body, None, [email]))
    return invitation


def open_invitations(user: User) -> list[Invitation]:
    """The person's invitations still to answer, from every trust (the own-rows policy), newest first."""
    from django_scopes import scopes_disabled

    from send.tenancy import own_rows_context

    cutoff = timezone.now() - dt.timedelta(days=INVITATION_DAYS)
    with own_rows_context(user.pk), scopes_disabled():
        found = list(
            Invitation.objects.filter(
                user_id=user.pk, accepted_at__isnull=True, declined_at__isnull=True, created_at__gte=cutoff
            )
            .select_related("trust", "invited_by")
            .order_by("-created_at")
        )
    for invitation in found:
        # the school is a row of the inviting trust: read inside that trust, for its name only
        if invitation.school_id is not None:
            with tenant_context(invitation.trust_id):
                name = School.objects.filter(pk=invitation.school_id).values_list("name", flat=True).first()
            invitation.school_name = name or ""
    return found


def answer_invitation(user: User, invitation_uuid: Any, *, accept: bool, request: Any = None) -> Invitation:
    """The invited person accepts (the role is theirs from now) or declines; only their own open invitation."""
    invitation = next((i for i in open_invitations(user) if str(i.uuid) == str(invitation_uuid)), None)
    if invitation is None:
        raise ValidationError("This invitation is not open: it was answered, withdrawn or has lapsed.")
    with tenant_context(invitation.trust_id, user.pk), transaction.atomic():
        now = timezone.now()
        if accept:
            held = Membership.objects.filter(user=user, role=invitation.role, school=invitation.school)
            if not held.exists():
                Membership.objects.create(user=user, role=invitation.role, school_id=invitation.school_id)
            invitation.accepted_at = now
        else:
            invitation.declined_at = now
        invitation.save(update_fields=["accepted_at", "declined_at"])
        record_security_event(
            request,
            "invitation_accepted" if accept else "invitation_declined",
            subject=user,
            actor=user,
            detail={"role": invitation.role, "school_id": invitation.school_id},
        )
    return invitation


@transaction.atomic
def change_membership(
    membership: Membership, *, role: str, school: School | None, by: User | None = None, request: Any = None
) -> Membership:
    _validate_role_school(role, school)
    _refuse_self_grant(role, membership.user, by)
    duplicate = Membership.objects.filter(user=membership.user, role=role, school=school).exclude(pk=membership.pk)
    if duplicate.exists():
        raise ValidationError({"role": "This person already has this role here."})
    before = _role_detail(membership.role, membership.school)
    membership.role, membership.school = role, school
    _end_sessions_on_commit(membership.user)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as error:  # pragma: no cover - guarded above; kept as a clear error, not a 500
        raise ValidationError({"role": "This person already has this role here."}) from error
    record_security_event(
        request,
        "role_changed",
        subject=membership.user,
        actor=by,
        detail={"from": before, "to": _role_detail(role, school)},
    )
    return membership


@transaction.atomic
def remove_membership(membership: Membership, *, by: User | None = None, request: Any = None) -> None:
    _end_sessions_on_commit(membership.user)
    record_security_event(
        request,
        "role_removed",
        subject=membership.user,
        actor=by,
        detail=_role_detail(membership.role, membership.school),
    )
    membership.delete()


def _end_sessions_on_commit(user: User) -> None:
    """A changed role is a privilege change: the person signs in again and gets a fresh session."""
    from schools.security import end_all_sessions

    transaction.on_commit(lambda: end_all_sessions(user))


@transaction.atomic
def create_federation(*, name: str, schools: list[School]) -> Federation:
    """Group schools of this trust under one leadership (typically one SENCO)."""
    for school in schools:
        _school_in_trust(school)
    if Federation.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "This trust already has a federation with this name."})
    federation = Federation.objects.create(name=name)
    School.objects.filter(pk__in=[s.pk for s in schools]).update(federation=federation, updated_at=timezone.now())
    return federation


@transaction.atomic
def reset_second_factor(membership: Membership, *, by: User | None = None, request: Any = None) -> None:
    """A lost phone: remove the person's authenticator and backup codes; they enrol again at next sign-in.
    Only for a person whose every role is in this trust (their second factor guards the other trusts too)."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    require_only_in_this_trust(membership.user)
    TOTPDevice.objects.filter(user=membership.user).delete()
    StaticDevice.objects.filter(user=membership.user).delete()
    record_security_event(request, "second_factor_reset", subject=membership.user, actor=by)
    _end_sessions_on_commit(membership.user)


@transaction.atomic
def sign_out_person(membership: Membership, *, by: User | None = None, request: Any = None) -> None:
    """End every session of a person whose every role is in this trust (a lost laptop, a shared computer)."""
    require_only_in_this_trust(membership.user)
    record_security_event(request, "signed_out_by_admin", subject=membership.user, actor=by)
    _end_sessions_on_commit(membership.user)


@transaction.atomic
def send_password_link(membership: Membership, *, by: User, base_url: str, request: Any = None) -> None:
    """Email the person a link to choose a password (staff the MIS created have none, so could never sign in).
    The administrator never sees the link; the person's password changes only when they use it."""
    user = membership.user
    require_only_in_this_trust(user)
    link = _password_link(user, base_url)
    record_security_event(request, "password_link_sent", subject=user, actor=by)
    body = (
        f"{by.get_full_name() or by.email} asks you to choose a password for the SEND platform, where you have "
        f"the role of {membership.get_role_display()}.\n\nChoose your password (the link works once, for an "
        f"hour): {link}\n\nIf you did not expect this, ignore this e-mail: nothing changes.\n"
    )
    email = user.email
    transaction.on_commit(lambda: send_mail("Choose your password for the SEND platform", body, None, [email]))


# --- API clients -----------------------------------------------------------------------------------------


def _client_schools(all_schools: bool, schools: list[School] | None) -> list[int]:
    if all_schools:
        return []
    if not schools:
        raise ValidationError({"schools": "Choose the schools this client may sync, or allow all schools."})
    for school in schools:
        _school_in_trust(school)
    return sorted(school.pk for school in schools)


@transaction.atomic
def create_api_client(
    *,
    name: str,
    can_read: bool = True,
    can_write: bool = False,
    all_schools: bool = True,
    schools: list[School] | None = None,
    rate_limit_per_minute: int = 600,
    created_by: User | None = None,
    request: Any = None,
) -> tuple[ApiClient, str]:
    """Make a client for this trust and return it with its token, which is shown once and never stored."""
    from schools.api_auth import hash_token, new_token

    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the client a name, for example the MIS it is."})
    if not (can_read or can_write):
        raise ValidationError({"can_read": "Give the client at least one scope: read, write or both."})
    if ApiClient.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "This trust already has an API client of this name."})
    token = new_token()
    client = ApiClient.objects.create(
        name=name,
        can_read=can_read,
        can_write=can_write,
        all_schools=all_schools,
        school_ids=_client_schools(all_schools, schools),
        rate_limit_per_minute=rate_limit_per_minute,
        token_prefix=token[:12],
        token_hash=hash_token(token),
        created_by=created_by,
    )
    # A client that reads pupils is a path to pupil data: who made it, when and with what is kept.
    record_security_event(request, "api_client_created", actor=created_by, detail=_client_detail(client))
    return client, token


def _client_detail(client: ApiClient) -> dict[str, Any]:
    return {
        "client": str(client.uuid),
        "name": client.name,
        "scopes": client.scopes,
        "all_schools": client.all_schools,
        "school_ids": client.school_ids,
    }


@transaction.atomic
def change_api_client(
    client: ApiClient,
    *,
    can_read: bool,
    can_write: bool,
    all_schools: bool,
    schools: list[School] | None,
    rate_limit_per_minute: int,
    request: Any = None,
) -> ApiClient:
    if not (can_read or can_write):
        raise ValidationError({"can_read": "Give the client at least one scope: read, write or both."})
    client.can_read, client.can_write = can_read, can_write
    client.all_schools = all_schools
    client.school_ids = _client_schools(all_schools, schools)
    client.rate_limit_per_minute = rate_limit_per_minute
    client.save()
    record_security_event(request, "api_client_changed", detail=_client_detail(client))
    return client


@transaction.atomic
def rotate_api_client_token(client: ApiClient, *, request: Any = None) -> str:
    """A new token at once; the old one stops working in the same transaction."""
    from schools.api_auth import hash_token, new_token

    if client.revoked_at is not None:
        raise ValidationError("A revoked client cannot be given a new token.")
    token = new_token()
    client.token_prefix, client.token_hash, client.rotated_at = token[:12], hash_token(token), timezone.now()
    client.save(update_fields=["token_prefix", "token_hash", "rotated_at"])
    record_security_event(request, "api_client_token_replaced", detail=_client_detail(client))
    return token


@transaction.atomic
def revoke_api_client(client: ApiClient, *, request: Any = None) -> None:
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        record_security_event(request, "api_client_revoked", detail=_client_detail(client))


# --- Bulk upserts from the MIS (REST API) ------------------------------------------------------------------

MIS_STAFF_ROLES = (Role.CLASS_TEACHER, Role.TEACHING_ASSISTANT)


@transaction.atomic
def upsert_staff(client: Any, records: Records, result: BulkResult) -> BulkResult:
    """Teachers and teaching assistants from the MIS, by `mis_id`: a sign-in (by email) and a role at a school.

    Other roles (SENCO, headteacher...) give more access and stay with the trust's administrators. A new
    person gets a sign-in without a password: they choose one through "Forgot your password?".
    """
    visible_schools: list[School] = list(
        policy.visible(client, School.objects.filter(uuid__in={f["school"] for _, f in records}), "write")
    )
    schools = {school.uuid: school for school in visible_schools}
    emails = {User.objects.normalize_email(f["email"]).lower() for _, f in records}
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    mis_ids = [f["mis_id"] for _, f in records]
    by_mis_id = {m.mis_id: m for m in Membership.objects.filter(mis_id__in=mis_ids)}
    writable = set(
        policy.visible(client, Membership.objects.filter(mis_id__in=mis_ids), "write").values_list("pk", flat=True)
    )
    held = {
        (m.user_id, m.school_id, m.role): m
        for m in Membership.objects.filter(user__in=list(users.values()), school__isnull=False)
    }
    # A sign-in that exists but holds no role in this trust is another trust's person (or the platform's): the
    # MIS may not attach a role to it; a trust administrator invites them, and they accept after signing in.
    staff_here = set(
        Membership.objects.filter(user__in=list(users.values())).values_list("user_id", flat=True).distinct()
    )
    created_by = getattr(client, "created_by_id", None)
    new_users: dict[str, User] = {}
    plans: list[tuple[int, str, dict[str, Any], Membership | None, str]] = []
    for index, fields in records:
        mis_id, _role = fields["mis_id"], fields["role"]
        email = User.objects.normalize_email(fields["email"]).lower()
        errors: dict[str, list[str]] = {}
        school = schools.get(fields["school"])
        if school is None:
            errors["school"] = ["No school with this id that this client may write to."]
        membership = by_mis_id.get(mis_id)
        if membership is not None and (membership.pk not in writable or membership.role not in MIS_STAFF_ROLES):
            errors["mis_id"] = ["This mis_id belongs to a staff record this client may not change."]
        existing_user = users.get(email)
        if existing_user is not None and existing_user.pk not in staff_here:
            errors["email"] = [
                "This e-mail address already has a sign-in that is not staff of this trust: a trust administrator "
                "invites them, and they accept after signing in."
            ]
        elif existing_user is not None and created_by is not None and existing_user.pk == created_by:
            errors["email"] = [
                "The administrator who made this API client cannot be given a role through it: another trust "
                "administrator gives it."
            ]
        if errors:
            result.reject(index, mis_id, errors)
            continue
        plans.append((index, mis_id, fields, membership, email))
    for _, _, fields, _, email in plans:
        if email not in users and email not in new_users:
            user = User(email=email, full_name=fields["full_name"])
            user.set_unusable_password()
            new_users[email] = user
    if new_users:
        User.objects.bulk_create(list(new_users.values()))
        users.update(new_users)
    planned: list[Planned] = []
    claimed: set[tuple[int, int, str]] = set()
    for index, mis_id, fields, membership, email in plans:
        user, school = users[email], schools[fields["school"]]
        key = (user.pk, school.pk, fields["role"])
        holder = held.get(key)
        if holder is not None and holder.mis_id and holder.mis_id != mis_id:
            message = f"This person already has this role at this school, with mis_id {holder.mis_id}."
            result.reject(index, mis_id, {"email": [message]})
            continue
        if key in claimed:
            result.reject(index, mis_id, {"email": ["Another record of this request gives this person this role."]})
            continue
        claimed.add(key)
        if membership is None and holder is not None:
            membership = holder  # a role the admin gave before the MIS knew it: adopt it
        values = {"user_id": user.pk, "school_id": school.pk, "role": fields["role"], "mis_id": mis_id}
        planned.append(Planned(index, mis_id, values, existing=membership))
    for plan in save_planned(Membership, planned, result):
        if plan.existing is not None:
            _end_sessions_on_commit(plan.existing.user)
    return result


@transaction.atomic
def upsert_classes(client: Any, records: Records, result: BulkResult) -> BulkResult:
    """Classes by `mis_id`, each with its teachers and teaching assistants (staff `mis_id`s), when given."""
    visible_schools: list[School] = list(
        policy.visible(client, School.objects.filter(uuid__in={f["school"] for _, f in records}), "write")
    )
    schools = {school.uuid: school for school in visible_schools}
    years = {y.name: y for y in SchoolYear.objects.filter(name__in={f["school_year"] for _, f in records})}
    mis_ids = [f["mis_id"] for _, f in records]
    existing = {c.mis_id: c for c in SchoolClass.objects.filter(mis_id__in=mis_ids)}
    writable = set(
        policy.visible(client, SchoolClass.objects.filter(mis_id__in=mis_ids), "write").values_list("pk", flat=True)
    )
    by_name = {
        (c.school_id, c.school_year_id, c.name): c
        for c in SchoolClass.objects.filter(school__in=list(schools.values()), name__in={f["name"] for _, f in records})
    }
    staff_keys = {key for _, f in records for key in (*f.get("teachers", []), *f.get("teaching_assistants", []))}
    staff = {m.mis_id: m for m in Membership.objects.filter(mis_id__in=staff_keys, school__isnull=False)}
    planned: list[Planned] = []
    wanted_staff: dict[int, set[tuple[int, str]]] = {}  # plan index -> {(user id, class staff role)}
    names_taken: set[tuple[int, int, str]] = set()
    for index, fields in records:
        mis_id = fields["mis_id"]
        errors: dict[str, list[str]] = {}
        school = schools.get(fields["school"])
        if school is None:
            errors["school"] = ["No school with this id that this client may write to."]
        year = years.get(fields["school_year"])
        if year is None:
            errors["school_year"] = ["No school year of this name: the trust administrator adds school years."]
        school_class = existing.get(mis_id)
        if school_class is not None and school_class.pk not in writable:
            errors["mis_id"] = [
                "This mis_id is already used in this trust by a record this client cannot change; check it."
            ]
        if school is not None and year is not None:
            key = (school.pk, year.pk, fields["name"])
            other = by_name.get(key)
            if key in names_taken or (other is not None and other.mis_id and other.mis_id != mis_id):
                errors["name"] = ["This school already has a class of this name in this school year."]
            elif school_class is None and other is not None:
                school_class = other  # made in the app before the MIS knew it: adopt it
            names_taken.add(key)
        assigned: set[tuple[int, str]] = set()
        for field_name, staff_role in (
            ("teachers", ClassStaffRole.TEACHER),
            ("teaching_assistants", ClassStaffRole.SUPPORT),
        ):
            unknown = []
            for key in fields.get(field_name, []):
                member = staff.get(key)
                if member is None or school is None or member.school_id != school.pk:
                    unknown.append(key)
                else:
                    assigned.add((member.user_id, staff_role))
            if unknown:
                errors[field_name] = [f"No staff record at this school with mis_id {', '.join(unknown)}."]
        if errors or school is None or year is None:
            result.reject(index, mis_id, errors)
            continue
        values = {
            "school_id": school.pk,
            "school_year_id": year.pk,
            "name": fields["name"],
            "year_group": fields["year_group"],
            "mis_id": mis_id,
        }
        plan = Planned(index, mis_id, values, existing=school_class)
        if "teachers" in fields or "teaching_assistants" in fields:
            wanted_staff[index] = assigned
        planned.append(plan)
    current: dict[int, set[tuple[int, str]]] = {}
    for row in ClassStaff.objects.filter(school_class__in=[p.existing for p in planned if p.existing is not None]):
        current.setdefault(row.school_class_id, set()).add((row.user_id, row.role))
    for plan in planned:
        if plan.existing is not None and plan.index in wanted_staff:
            plan.force = wanted_staff[plan.index] != current.get(plan.existing.pk, set())
    saved = save_planned(SchoolClass, planned, result)
    to_delete, to_create = [], []
    for plan in saved:
        if plan.index not in wanted_staff:
            continue
        class_id = plan.instance.pk
        have, want = current.get(class_id, set()), wanted_staff[plan.index]
        to_delete += [(class_id, user_id, role) for user_id, role in have - want]
        to_create += [ClassStaff(school_class_id=class_id, user_id=user_id, role=role) for user_id, role in want - have]
    if to_delete:
        condition = Q()
        for class_id, user_id, role in to_delete:
            condition |= Q(school_class_id=class_id, user_id=user_id, role=role)
        ClassStaff.objects.filter(condition).delete()
    if to_create:
        trust_id = require_trust_id()
        for row in to_create:
            row.trust_id = trust_id
        ClassStaff.objects.bulk_create(to_create)
    return result
