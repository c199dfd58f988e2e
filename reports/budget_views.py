"""Entering the notional SEN budget (heads, SENCOs, the trust SEND lead)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render

from reports import budget_services
from reports.forms import BudgetForm
from reports.models import NotionalSenBudget
from reports.policy import budget_schools
from schools.http import TenantRequest
from schools.models import School, SchoolYear
from send import policy
from send.forms import save_form
from send.shortcuts import tenant_required


@tenant_required
def budget(request: TenantRequest) -> HttpResponse:
    visible: QuerySet[School] = policy.visible(request.user, School.objects.order_by("name"), "view")
    schools = list(budget_schools(request.user, visible))
    if not schools:
        raise PermissionDenied
    years = list(SchoolYear.objects.order_by("-starts_on"))
    form = BudgetForm(request.POST or None, schools=schools, years=years)
    saved = save_form(
        request,
        form,
        lambda data: budget_services.set_notional_budget(**data, by=request.user),
        "Notional SEN budget saved.",
    )
    if saved is not None:
        return redirect("reports:budget")
    budgets: QuerySet[NotionalSenBudget] = policy.visible(
        request.user, NotionalSenBudget.objects.select_related("school", "school_year"), "view"
    )
    return render(request, "reports/budget.html", {"form": form, "budgets": list(budgets.order_by("school__name"))})
