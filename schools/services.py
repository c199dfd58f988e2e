"""Writes for trusts, schools, term dates and staff: validation, the transaction, and the audit context."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from schools.models import (
    TRUST_WIDE_ROLES,
    Federation,
    InsetDay,
    Membership,
    Role,
    School,
    SchoolYear,
    Term,
    User,
)
from send.tenancy import require_trust_id


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


@transaction.atomic
def invite_staff(
    *, email: str, full_name: str, role: str, school: School | None, invited_by: User, base_url: str
) -> Membership:
    """Give a person a role in this trust, creating their sign-in if they have none, and email them."""
    _validate_role_school(role, school)
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        user = User.objects.create_user(email=email, password=None, full_name=full_name)
    if Membership.objects.filter(user=user, role=role, school=school).exists():
        raise ValidationError({"role": "This person already has this role here."})
    membership = Membership.objects.create(user=user, role=role, school=school)
    where = school.name if school else "the whole trust"
    link = ""
    if created or not user.has_usable_password():
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        link = base_url + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    body = (
        f"{invited_by.get_full_name() or invited_by.email} has given you the role of {Role(role).label} "
        f"for {where}.\n\n"
        + (f"Choose your password to sign in: {link}\n" if link else "Sign in with your existing password.\n")
    )
    transaction.on_commit(lambda: send_mail("You have been invited to the SEND platform", body, None, [email]))
    return membership


@transaction.atomic
def change_membership(membership: Membership, *, role: str, school: School | None) -> Membership:
    _validate_role_school(role, school)
    duplicate = Membership.objects.filter(user=membership.user, role=role, school=school).exclude(pk=membership.pk)
    if duplicate.exists():
        raise ValidationError({"role": "This person already has this role here."})
    membership.role, membership.school = role, school
    _end_sessions_on_commit(membership.user)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as error:  # pragma: no cover - guarded above; kept as a clear error, not a 500
        raise ValidationError({"role": "This person already has this role here."}) from error
    return membership


@transaction.atomic
def remove_membership(membership: Membership) -> None:
    _end_sessions_on_commit(membership.user)
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
    School.objects.filter(pk__in=[s.pk for s in schools]).update(federation=federation)
    return federation


@transaction.atomic
def reset_second_factor(membership: Membership) -> None:
    """A lost phone: remove the person's authenticator and backup codes; they enrol again at next sign-in."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=membership.user).delete()
    StaticDevice.objects.filter(user=membership.user).delete()
    _end_sessions_on_commit(membership.user)
