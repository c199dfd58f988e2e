"""The register summary moved to reports/: its old address still leads there, governors land on it, and a
governor's menu offers nothing that lists pupils."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.conftest import client_for


def test_the_old_summary_address_leads_to_the_new_one(world: Any) -> None:
    client = client_for(world.a.users["governor"])
    response = client.get("/pupils/summary/")
    assert response.status_code == 302 and response.url == reverse("reports:summary")
    assert client.get(response.url).status_code == 200


def test_the_governors_menu_has_no_pupil_list(world: Any) -> None:
    page = client_for(world.a.users["governor"]).get(reverse("reports:summary")).content.decode()
    menu = page[page.index('id="navigation"') : page.index("</nav>")]
    for name in ("pupils:register", "pupils:my_classes", "provision:map", "reports:home", "reviews:dashboard"):
        assert f'href="{reverse(name)}"' not in menu, name
    assert f'href="{reverse("reports:summary")}"' in menu


def test_a_senco_menu_offers_the_home_and_the_register(world: Any) -> None:
    page = client_for(world.a.users["senco"]).get(reverse("reports:home")).content.decode()
    menu = page[page.index('id="navigation"') : page.index("</nav>")]
    assert f'href="{reverse("reports:home")}"' in menu and f'href="{reverse("pupils:register")}"' in menu
