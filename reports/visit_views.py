"""The SEN governor's monitoring visits: the list (with the form to record one) and one visit."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render

from reports import visit_services
from reports.forms import GovernorVisitForm
from reports.models import GovernorVisit
from reports.policy import schools_recording_visits
from schools.http import TenantRequest
from schools.models import School
from send import policy
from send.forms import save_form
from send.shortcuts import get_visible_or_404, require, tenant_required


@tenant_required
def visits(request: TenantRequest) -> HttpResponse:
    """The visits of the user's schools, newest first; governors and SENCOs record a new one here."""
    require(request, "view_governor_visits", request.tenant.trust)
    found: QuerySet[GovernorVisit] = policy.visible(
        request.user, GovernorVisit.objects.select_related("school"), "view"
    )
    schools: QuerySet[School] = policy.visible(request.user, School.objects.order_by("name"), "view")
    writable = list(schools_recording_visits(request.user, schools))
    if request.method == "POST" and not writable:
        raise PermissionDenied
    form = GovernorVisitForm(request.POST or None, schools=writable) if writable else None
    if form is not None:
        saved = save_form(
            request,
            form,
            lambda data: visit_services.record_governor_visit(data.pop("school"), by=request.user, **data),
            "Visit recorded.",
        )
        if saved is not None:
            return redirect("reports:visit", visit_uuid=saved.uuid)
    return render(request, "reports/visits.html", {"visits": list(found), "form": form})


@tenant_required
def visit_detail(request: TenantRequest, visit_uuid: str) -> HttpResponse:
    visit = get_visible_or_404(request, GovernorVisit.objects.select_related("school"), "view", uuid=visit_uuid)
    return render(request, "reports/visit.html", {"visit": visit})
