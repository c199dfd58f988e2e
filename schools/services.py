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
    Membership,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    Term,
    User,
)
from send import policy
from send.bulk import BulkResult, Planned, Records, save_planned
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
    School.objects.filter(pk__in=[s.pk for s in schools]).update(federation=federation, updated_at=timezone.now())
    return federation


@transaction.atomic
def reset_second_factor(membership: Membership) -> None:
    """A lost phone: remove the person's authenticator and backup codes; they enrol again at next sign-in."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=membership.user).delete()
    StaticDevice.objects.filter(user=membership.user).delete()
    _end_sessions_on_commit(membership.user)


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
    return client, token


@transaction.atomic
def change_api_client(
    client: ApiClient,
    *,
    can_read: bool,
    can_write: bool,
    all_schools: bool,
    schools: list[School] | None,
    rate_limit_per_minute: int,
) -> ApiClient:
    if not (can_read or can_write):
        raise ValidationError({"can_read": "Give the client at least one scope: read, write or both."})
    client.can_read, client.can_write = can_read, can_write
    client.all_schools = all_schools
    client.school_ids = _client_schools(all_schools, schools)
    client.rate_limit_per_minute = rate_limit_per_minute
    client.save()
    return client


@transaction.atomic
def rotate_api_client_token(client: ApiClient) -> str:
    """A new token at once; the old one stops working in the same transaction."""
    from schools.api_auth import hash_token, new_token

    if client.revoked_at is not None:
        raise ValidationError("A revoked client cannot be given a new token.")
    token = new_token()
    client.token_prefix, client.token_hash, client.rotated_at = token[:12], hash_token(token), timezone.now()
    client.save(update_fields=["token_prefix", "token_hash", "rotated_at"])
    return token


@transaction.atomic
def revoke_api_client(client: ApiClient) -> None:
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])


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
            _end_sessions_on_commit(plan.existing.user)  # type: ignore[attr-defined]
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
            errors["mis_id"] = ["This mis_id belongs to a class of a school this client may not write to."]
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
        if errors:
            result.reject(index, mis_id, errors)
            continue
        values = {
            "school_id": school.pk,  # type: ignore[union-attr]
            "school_year_id": year.pk,  # type: ignore[union-attr]
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
        class_id = plan.instance.pk  # type: ignore[union-attr]
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
