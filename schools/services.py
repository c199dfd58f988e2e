"""Writes for trusts, schools, term dates and staff: validation, the transaction, and the audit context."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from schools.models import (
    TRUST_WIDE_ROLES,
    Federation,
    InsetDay,
    Invitation,
    Membership,
    Role,
    School,
    SchoolYear,
    Term,
    User,
)
from send.audit import record_security_event
from send.tenancy import require_trust_id, tenant_context

INVITATION_DAYS = 30  # an invitation to a person of another trust lapses after this


def require_school_in_trust(school: School | None) -> None:
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
    require_school_in_trust(school)
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
    require_school_in_trust(school)
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
    require_school_in_trust(school)


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
    end_sessions_on_commit(membership.user)
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
    end_sessions_on_commit(membership.user)
    record_security_event(
        request,
        "role_removed",
        subject=membership.user,
        actor=by,
        detail=_role_detail(membership.role, membership.school),
    )
    membership.delete()


def end_sessions_on_commit(user: User) -> None:
    """A changed role is a privilege change: the person signs in again and gets a fresh session."""
    from schools.security import end_all_sessions

    transaction.on_commit(lambda: end_all_sessions(user))


@transaction.atomic
def create_federation(*, name: str, schools: list[School]) -> Federation:
    """Group schools of this trust under one leadership (typically one SENCO)."""
    for school in schools:
        require_school_in_trust(school)
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
    end_sessions_on_commit(membership.user)


@transaction.atomic
def sign_out_person(membership: Membership, *, by: User | None = None, request: Any = None) -> None:
    """End every session of a person whose every role is in this trust (a lost laptop, a shared computer)."""
    require_only_in_this_trust(membership.user)
    record_security_event(request, "signed_out_by_admin", subject=membership.user, actor=by)
    end_sessions_on_commit(membership.user)


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
