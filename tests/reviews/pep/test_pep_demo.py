"""The demo shows the designated teacher PEPs from three Virtual Schools: one due soon, one overdue, one returned
with a red rating, and a previously looked-after pupil; the designated teacher has reminders."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from pupils.models import Pupil
from reviews.models import Deadline, Pep, PppEntry, Reminder, VirtualSchool
from schools.models import Trust, User
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_demo_gives_the_designated_teacher_peps_from_three_virtual_schools(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate()
    trust = Trust.objects.get(slug="oakfield")
    designated = User.objects.get(email="dt@oakfield.example")
    with tenant_context(trust.pk):
        assert VirtualSchool.objects.count() == 3
        assert Pep.objects.values("virtual_school").distinct().count() == 3
        assert Pep.objects.filter(state="returned", rating="red").exists()
        termly = Deadline.objects.filter(kind="pep_termly", state="open")
        assert termly.filter(due_on__lt=today).exists()
        assert termly.filter(due_on__gte=today, due_on__lte=today + timezone.timedelta(days=14)).exists()
        assert Pupil.objects.filter(is_previously_looked_after=True, is_looked_after=False).exists()
        assert Reminder.objects.filter(recipient=designated, deadline__kind="pep_termly").exists()
        assert PppEntry.objects.filter(movement="spent").exists()  # PP+ part spent (when the year has a rate)
    response = client_for(designated).get(reverse("reviews:pep_home"))
    page = response.content.decode()
    assert response.status_code == 200
    assert all(name in page for name in ("Norfolk Virtual School", "Suffolk Virtual School", "Essex Virtual School"))
    assert "Overdue" in page and "Red" in page
