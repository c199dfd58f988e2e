"""Every rule of the policy: who is allowed, and who is refused."""

from __future__ import annotations

import pytest
from guardian.shortcuts import assign_perm

from pupils.models import Pupil
from schools.models import Membership, School, SchoolClass, Term, Trust
from send import policy
from send.tenancy import tenant_context

pytestmark = pytest.mark.django_db

ALL_ROLES = ["lead", "senco", "assistant", "dt", "teacher", "ta", "head", "governor", "admin"]


def visible_pupils(world, role):
    with tenant_context(world.trust.pk):
        return set(policy.visible(world.users[role], Pupil).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("lead", "all"),
        ("senco", "all"),
        ("assistant", "all"),
        ("head", "all"),
        ("dt", "looked_after"),
        ("teacher", "class"),
        ("ta", "class"),
        ("governor", "none"),
        ("admin", "none"),
    ],
)
def test_which_pupils_each_role_sees(world, role, expected):
    a = world.a
    in_class = {p.pk for p in a.pupils if p.school_class_id == a.school_class.pk}
    wanted = {
        "all": {p.pk for p in a.pupils},
        "looked_after": {a.looked_after.pk},
        "class": in_class,
        "none": set(),
    }[expected]
    assert visible_pupils(a, role) == wanted


@pytest.mark.parametrize("role", ALL_ROLES)
def test_no_role_sees_a_pupil_of_another_trust(world, role):
    with tenant_context(world.a.trust.pk):
        user = world.a.users[role]
        assert not policy.visible(user, Pupil).filter(trust_id=world.b.trust.pk).exists()
    with tenant_context(world.b.trust.pk):
        # a user's roles in trust A give nothing in trust B
        assert not policy.visible(world.a.users[role], Pupil).exists()
        assert not policy.can(world.a.users[role], "view", world.b.pupils[0])


@pytest.mark.parametrize(("role", "allowed"), [(r, r in {"lead", "senco"}) for r in ALL_ROLES])
def test_who_may_change_the_register(world, role, allowed):
    with tenant_context(world.a.trust.pk):
        assert policy.can(world.a.users[role], "change", world.a.pupils[0]) is allowed


@pytest.mark.parametrize(("role", "allowed"), [(r, r == "admin") for r in ALL_ROLES])
def test_only_trust_admins_manage_schools_staff_and_term_dates(world, role, allowed):
    a = world.a
    with tenant_context(a.trust.pk):
        user = a.users[role]
        assert policy.can(user, "manage", a.trust) is allowed
        assert policy.can(user, "change", a.school) is allowed
        assert policy.can(user, "change", a.term) is allowed
        assert policy.can(user, "change", a.memberships["teacher"]) is allowed
        assert policy.visible(user, Membership).exists() is allowed


@pytest.mark.parametrize(
    ("role", "allowed"), [(r, r in {"lead", "senco", "assistant", "head", "governor"}) for r in ALL_ROLES]
)
def test_who_reads_aggregate_reports(world, role, allowed):
    with tenant_context(world.a.trust.pk):
        assert policy.can(world.a.users[role], "view_reports", world.a.trust) is allowed


@pytest.mark.parametrize("role", ALL_ROLES)
def test_everyone_with_a_role_sees_their_school_and_its_term_dates(world, role):
    a = world.a
    with tenant_context(a.trust.pk):
        assert policy.can(a.users[role], "view", a.school)
        assert policy.can(a.users[role], "view", a.term)
        assert set(policy.visible(a.users[role], School).values_list("pk", flat=True)) >= {a.school.pk}


def test_school_roles_do_not_see_schools_where_they_have_no_role(world):
    a = world.a
    with tenant_context(a.trust.pk):
        assert not policy.can(a.users["senco"], "view", a.schools[1])
        assert policy.can(a.users["lead"], "view", a.schools[1])


def test_teachers_see_only_the_classes_they_teach(world):
    a = world.a
    with tenant_context(a.trust.pk):
        classes = set(policy.visible(a.users["teacher"], SchoolClass).values_list("pk", flat=True))
        assert classes == {a.school_class.pk}
        assert not policy.can(a.users["teacher"], "view", a.other_class)
        assert policy.can(a.users["senco"], "view", a.other_class)


def test_an_object_grant_lets_a_ta_see_one_more_pupil(world):
    a = world.a
    extra = next(p for p in a.pupils if p.school_class_id == a.other_class.pk and not p.is_looked_after)
    with tenant_context(a.trust.pk):
        ta = a.users["ta"]
        assert not policy.can(ta, "view", extra)
        assign_perm("pupils.view_pupil", ta, extra)
        assert policy.can(ta, "view", extra)
        assert extra.pk in set(policy.visible(ta, Pupil).values_list("pk", flat=True))


def test_an_object_grant_on_another_trusts_pupil_gives_nothing(world):
    with tenant_context(world.b.trust.pk):
        foreign = world.b.pupils[0]
    with tenant_context(world.a.trust.pk):
        ta = world.a.users["ta"]
        assign_perm("pupils.view_pupil", ta, foreign)
        assert not policy.visible(ta, Pupil).filter(pk=foreign.pk).exists()
        assert not policy.can(ta, "view", foreign)


def test_a_global_permission_is_not_accepted_as_a_grant(world):
    from django.contrib.auth.models import Permission

    with tenant_context(world.a.trust.pk):
        ta = world.a.users["ta"]
        ta.user_permissions.add(Permission.objects.get(codename="view_pupil"))
        assert set(policy.visible(ta, Pupil).values_list("pk", flat=True)) == {
            p.pk for p in world.a.pupils if p.school_class_id == world.a.school_class.pk
        }


def test_a_superuser_gets_no_pupil_access_from_the_flag(world):
    with tenant_context(world.a.trust.pk):
        governor = world.a.users["governor"]
        governor.is_superuser = True
        assert not policy.visible(governor, Pupil).exists()


def test_anonymous_and_inactive_users_are_refused(world):
    from django.contrib.auth.models import AnonymousUser

    with tenant_context(world.a.trust.pk):
        senco = world.a.users["senco"]
        senco.is_active = False
        assert not policy.can(senco, "view", world.a.pupils[0])
        assert not policy.can(AnonymousUser(), "view", world.a.pupils[0])
        assert not policy.visible(AnonymousUser(), Pupil).exists()


def test_the_trust_rule_refuses_a_trust_other_than_the_current_one(world):
    with tenant_context(world.a.trust.pk):
        assert not policy.can(world.a.users["admin"], "manage", Trust.objects.get(pk=world.b.trust.pk))


def test_term_rule_lets_staff_read_but_not_change(world):
    with tenant_context(world.a.trust.pk):
        assert policy.can(world.a.users["teacher"], "view", world.a.term)
        assert not policy.can(world.a.users["teacher"], "change", world.a.term)
        assert Term.objects.filter(pk=world.a.term.pk).exists()


@pytest.mark.parametrize(("role", "allowed"), [(r, r not in {"governor", "admin"}) for r in ALL_ROLES])
def test_who_works_with_named_pupils(world, role, allowed):
    with tenant_context(world.a.trust.pk):
        assert policy.can(world.a.users[role], "view_pupils", world.a.trust) is allowed


def test_rows_of_a_pupil_follow_the_pupil(world):
    from pupils.models import Contact, PupilNeed

    a = world.a
    with tenant_context(a.trust.pk):
        mine, other = a.pupils[0], a.pupils[2]
        contact = Contact.objects.create(pupil=mine, kind="parent", name="Parent", relationship="mother")
        teacher, senco, head = a.users["teacher"], a.users["senco"], a.users["head"]
        assert policy.can(teacher, "view", contact) and policy.can(head, "view", contact)
        assert not policy.can(teacher, "change", contact) and not policy.can(head, "change", contact)
        assert policy.can(senco, "change", contact)
        needs = set(policy.visible(teacher, PupilNeed).values_list("pupil_id", flat=True))
        assert mine.pk in needs and other.pk not in needs
