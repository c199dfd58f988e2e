"""Pupil Premium Plus pages: a pupil's allocations and their requested / released / spent entries, and the position
per Virtual School for a financial year, with its CSV."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from provision.models import InterventionGroup
from reviews.pep import ppp_selectors, ppp_services
from reviews.pep.forms import PppAllocationForm, PppEntryForm
from reviews.pep.models import PepTarget
from reviews.pep.ppp_models import PppAllocation, PppRate
from reviews.pep.views import pupil_or_404
from schools.http import TenantRequest
from send import policy
from send.dates import financial_year_of
from send.forms import save_form
from send.shortcuts import require, tenant_required


def _years() -> list[int]:
    return list(PppRate.objects.order_by("-financial_year").values_list("financial_year", flat=True))


@tenant_required
def pupil_ppp(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    """The pupil's PP+; a POST with `route` adds a year's allocation, one with `movement` an entry."""
    pupil = pupil_or_404(request, pupil_uuid)
    blank = PppAllocation(pupil=pupil, trust_id=pupil.trust_id)
    require(request, "view", blank)
    can_write = policy.can(request.user, "write", blank)
    if request.method == "POST":
        require(request, "write", blank)
    posted = request.POST if request.method == "POST" else None
    allocation_form = PppAllocationForm(
        posted if posted and "route" in posted else None,
        years=_years(),
        initial={"financial_year": financial_year_of(timezone.localdate())},
    )
    allocations = PppAllocation.objects.filter(pupil=pupil)
    entry_form = PppEntryForm(
        posted if posted and "movement" in posted else None,
        allocations=allocations,
        targets=PepTarget.objects.filter(pep__pupil=pupil).select_related("pep"),
        groups=InterventionGroup.objects.filter(school_id=pupil.school_id),
        initial={"on": timezone.localdate()},
    )
    if save_form(
        request,
        allocation_form,
        lambda data: ppp_services.save_allocation(pupil, **data),
        "Pupil Premium Plus allocation recorded.",
    ) or save_form(
        request,
        entry_form,
        lambda data: ppp_services.add_entry(data.pop("allocation"), by=request.user, **data),
        "Recorded.",
    ):
        return redirect("reviews:pupil_ppp", pupil_uuid=pupil.uuid)
    context = {
        "pupil": pupil,
        "allocations": ppp_selectors.pupil_ppp(request.user, pupil),
        "allocation_form": allocation_form,
        "entry_form": entry_form,
        "can_write": can_write,
    }
    return render(request, "reviews/pep/pupil_ppp.html", context)


def _year(request: TenantRequest) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return financial_year_of(timezone.localdate())


@tenant_required
def ppp_summary(request: TenantRequest) -> HttpResponse:
    require(request, "view_looked_after", request.tenant.trust)
    year = _year(request)
    groups = ppp_selectors.ppp_by_virtual_school(request.user, year)
    context = {"groups": groups, "year": year, "year_label": ppp_services.year_label(year), "years": _years()}
    return render(request, "reviews/pep/ppp.html", context)


@tenant_required
def ppp_csv(request: TenantRequest) -> HttpResponse:
    require(request, "view_looked_after", request.tenant.trust)
    year = _year(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pupil-premium-plus-{year}.csv"'
    writer = csv.writer(response)
    writer.writerow(["Virtual School", "Pupil", "School", "Route", "Allocation", "Requested", "Released", "Spent"])
    for name, rows, _ in ppp_selectors.ppp_by_virtual_school(request.user, year):
        for row in rows:
            writer.writerow(
                [
                    name,
                    row.pupil.display_name,
                    row.pupil.school.name,
                    row.route.upper(),
                    row.amount,
                    row.requested,
                    row.released,
                    row.spent,
                ]
            )
    return response
