"""The SENCO's home, its to-do lists, and the register summary (thin: check, read, render)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from reports import selectors, summary, todo
from reports.trust_report import side_by_side as trust_report_measures
from schools.http import TenantRequest
from schools.models import School
from send.shortcuts import require, tenant_required


def _scope(request: TenantRequest) -> tuple[list[School], School | None, list[int], str]:
    require(request, "view_senco_home", request.tenant.trust)
    schools, chosen = selectors.chosen_schools(request.user, request.GET.get("school"))
    school_ids = [chosen.pk] if chosen is not None else [s.pk for s in schools]
    query = f"?{urlencode({'school': str(chosen.uuid)})}" if chosen is not None else ""
    return schools, chosen, school_ids, query


@tenant_required
def home(request: TenantRequest) -> HttpResponse:
    """What needs doing today, each count linking to its list, then the figures at a glance."""
    schools, chosen, school_ids, query = _scope(request)
    today = timezone.localdate()
    context = {
        "schools": schools,
        "chosen": chosen,
        "items": todo.todo_counts(request.user, school_ids, today, query),
        "figures": selectors.figures(school_ids, today),
        "today": today,
    }
    return render(request, "reports/home.html", context)


@tenant_required
def todo_list(request: TenantRequest, item: str) -> HttpResponse:
    """The list behind one count on the home."""
    _schools, chosen, school_ids, query = _scope(request)
    todo_list = todo.BY_SLUG[item]
    rows = todo_list.rows(request.user, school_ids, timezone.localdate())
    context = {"todo": todo_list, "rows": rows, "chosen": chosen, "query": query}
    return render(request, "reports/todo_list.html", context)


@tenant_required
def register_summary(request: TenantRequest) -> HttpResponse:
    """Aggregate register figures by school, for governors and leaders."""
    require(request, "view_reports", request.tenant.trust)
    rows, total = summary.register_summary(request.user)
    context = {"rows": rows, "total": total, "threshold": summary.SUPPRESS_BELOW, "round_to": summary.ROUND_TO}
    return render(request, "reports/summary.html", context)


@tenant_required
def trust_report(request: TenantRequest) -> HttpResponse:
    """Every school side by side with the trust total (the trust SEND lead); each school opens its own report."""
    require(request, "view_trust_report", request.tenant.trust)
    schools = list(selectors.home_schools(request.user))
    rows, total = trust_report_measures(schools, timezone.localdate())
    return render(request, "reports/trust.html", {"rows": rows, "total": total})
