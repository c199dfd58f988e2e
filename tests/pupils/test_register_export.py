"""The register CSV: streamed, filtered like the page, safe in a spreadsheet, and a fixed number of queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pupils.exports import COLUMNS, safe_cell
from send.models import AccessEvent
from send.tenancy import tenant_context
from tests.conftest import client_for
from tests.test_pages import add_pupils

pytestmark = pytest.mark.django_db


def read_csv(client) -> list[list[str]]:
    response = client.get(reverse("pupils:register_csv"))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="send-register-')
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_has_the_pupils_the_user_may_see_with_the_filters(world):
    client = client_for(world.a.users["teacher"])
    rows = read_csv(client)
    assert rows[0] == COLUMNS
    names = {row[4] for row in rows[1:]}
    assert names == {"Pupil0", "Pupil1"}  # the teacher's class only
    client.post(reverse("pupils:register"), {"sen_status": "K"})
    assert {row[4] for row in read_csv(client)[1:]} == {"Pupil0"}
    with tenant_context(world.a.trust.pk):
        assert AccessEvent.objects.filter(action="export_register").exists()


def test_the_csv_query_count_does_not_grow_with_pupils(world):
    client = client_for(world.a.users["senco"])
    read_csv(client)  # the session's first request stores the trust chosen: a write the next ones do not make
    with CaptureQueriesContext(connection) as few:
        read_csv(client)
    add_pupils(world.a, 1000)
    with CaptureQueriesContext(connection) as many:
        rows = read_csv(client)
    assert len(rows) > 1000
    assert len(many) == len(few)


@pytest.mark.parametrize("value", ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)"])
def test_cells_that_a_spreadsheet_would_run_are_neutralised(value):
    assert safe_cell(value).startswith("'")
    assert safe_cell("Smith") == "Smith"


def test_sorting_and_flag_filters(world):
    client = client_for(world.a.users["senco"])
    client.post(reverse("pupils:register"), {"flag": "lac"})
    assert [row[4] for row in read_csv(client)[1:]] == ["Looked"]
    client.post(reverse("pupils:register"), {"sort": "status"})
    statuses = [row[9] for row in read_csv(client)[1:]]
    assert statuses == sorted(statuses, key="EKN".index)
    client.post(reverse("pupils:register"), {"sort": "nonsense", "flag": "nonsense", "school_class": "x"})
    assert client.get(reverse("pupils:register")).status_code == 200


def test_exporting_the_register_asks_to_confirm_who_you_are_first(world):
    from django.utils import timezone

    client = client_for(world.a.users["senco"])
    session = client.session
    session["reauthenticated_at"] = timezone.now().timestamp() - 3600
    session.save()
    response = client.get(reverse("pupils:register_csv"))
    assert response.status_code == 302 and response.url.startswith(reverse("reauthenticate"))
