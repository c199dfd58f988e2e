"""The demo: two isolated trusts, one user per role, a realistic register, and safe to run twice."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from pupils.models import PassportVersion, Pupil, PupilNeed, SenStatus
from pupils.upn import validate_upn
from schools.models import Membership, Role, School, Trust, User
from send.tenancy import tenant_context

pytestmark = pytest.mark.django_db

ROLES = [r.value for r in Role]


def snapshot() -> dict[str, int]:
    counts = {"trusts": Trust.objects.count(), "users": User.objects.count()}
    for trust in Trust.objects.all():
        with tenant_context(trust.pk):
            counts[f"{trust.slug}-pupils"] = Pupil.objects.count()
            counts[f"{trust.slug}-needs"] = PupilNeed.objects.count()
            counts[f"{trust.slug}-memberships"] = Membership.objects.count()
            counts[f"{trust.slug}-passports"] = PassportVersion.objects.count()
    return counts


def test_seed_demo_is_idempotent_and_complete(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == first
    assert first["oakfield-passports"] > 10  # the demo's SEND pupils have passports to read
    assert "senco@oakfield.example" in out.getvalue()

    for slug in ("oakfield", "riverside"):
        trust = Trust.objects.get(slug=slug)
        for role in ROLES:
            user = User.objects.get(email=f"{role}@{slug}.example")
            assert user.check_password(settings.DEMO_PASSWORD)
            with tenant_context(trust.pk):
                assert Membership.objects.filter(user=user, role=role).exists()
        with tenant_context(trust.pk):
            for school in School.objects.all():
                pupils = Pupil.objects.filter(school=school)
                assert pupils.count() == 150
                on_register = pupils.exclude(sen_status=SenStatus.NO_SEN).count()
                assert 10 <= on_register <= 45, (school.name, on_register)
            assert all(validate_upn(upn) == upn for upn in Pupil.objects.values_list("upn", flat=True)[:50])
            # every K or E pupil has a primary need; nobody at N has one
            assert not Pupil.objects.exclude(sen_status=SenStatus.NO_SEN).exclude(needs__rank=1).exists()
            assert not PupilNeed.objects.filter(pupil__sen_status=SenStatus.NO_SEN).exists()
            assert not PupilNeed.objects.filter(need_type__code="NSA", pupil__sen_status=SenStatus.EHC_PLAN).exists()

    oakfield = Trust.objects.get(slug="oakfield")
    with tenant_context(oakfield.pk):
        senco = User.objects.get(email="senco@oakfield.example")
        schools = set(Membership.objects.filter(user=senco, role="senco").values_list("school__name", flat=True))
        assert schools == {"Oakfield Primary School", "Oakfield Infant and Nursery School"}


def test_seed_demo_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Trust.objects.exists()
