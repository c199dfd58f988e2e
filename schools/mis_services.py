"""Bulk upserts of staff and classes from the MIS (REST API): one transaction per request, rows keyed by mis_id."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from schools.models import (
    ClassStaff,
    ClassStaffRole,
    Membership,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    User,
)
from schools.services import end_sessions_on_commit
from send import policy
from send.bulk import BulkResult, Planned, Records, save_planned
from send.tenancy import require_trust_id

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
            end_sessions_on_commit(plan.existing.user)
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
