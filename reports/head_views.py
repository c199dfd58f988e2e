"""The headteacher's report: one school, one period, as a page or as CSV (thin: check, read, render)."""

from __future__ import annotations

import csv
import datetime as dt
import uuid

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from reports.forms import PeriodForm
from reports.head_report import head_report, spend_by_funding
from reports.policy import head_report_schools
from schools.http import TenantRequest
from schools.models import School
from send import policy
from send.shortcuts import require, tenant_required


def _school(schools: list[School], wanted: str | None) -> School:
    """The school asked for (the first when none is): one the user cannot read, or a malformed id, is a 404."""
    if not wanted:
        if not schools:
            raise Http404("Not found")
        return schools[0]
    try:
        key = uuid.UUID(wanted)
    except ValueError:
        raise Http404("Not found") from None
    found = next((s for s in schools if s.uuid == key), None)
    if found is None:
        raise Http404("Not found")
    return found


@tenant_required
def head(request: TenantRequest) -> HttpResponse:
    require(request, "view_head_report", request.tenant.trust)
    visible: QuerySet[School] = policy.visible(request.user, School.objects.order_by("name"), "view")
    schools = list(head_report_schools(request.user, visible))
    school = _school(schools, request.GET.get("school"))
    today = timezone.localdate()
    school_year_start = dt.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    given = {"starts_on", "ends_on"} & set(request.GET)
    form = PeriodForm(request.GET if given else None, initial={"starts_on": school_year_start, "ends_on": today})
    if given and not form.is_valid():
        if request.GET.get("format") == "csv":
            return HttpResponse(
                "The period is not valid: " + "; ".join(str(e) for e in form.errors.get("ends_on", [])), status=400
            )
        report = None
    else:
        starts_on = form.cleaned_data["starts_on"] if given else school_year_start
        ends_on = form.cleaned_data["ends_on"] if given else today
        report = head_report(
            school, starts_on, ends_on, spend=spend_by_funding(request.user, school, starts_on, ends_on)
        )
    if report is not None and request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="send-report-{school.urn}-{starts_on}-{ends_on}.csv"'
        writer = csv.writer(response)
        writer.writerow(["section", "figure", "pupils"])
        writer.writerows(report.rows())
        writer.writerows(report.money_rows())
        return response
    sections: dict[str, list[tuple[str, int]]] = {}
    for section, label, n in report.rows() if report else []:
        sections.setdefault(section, []).append((label, n))
    money: dict[str, list[tuple[str, str]]] = {}
    for section, label, pounds in report.money_rows() if report else []:
        money.setdefault(section, []).append((label, pounds))
    context = {
        "form": form,
        "schools": schools,
        "school": school,
        "report": report,
        "sections": sections,
        "money": money,
    }
    return render(request, "reports/head.html", context)
