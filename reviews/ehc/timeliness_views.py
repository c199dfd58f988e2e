"""The LA's timeliness: a page and a CSV, for those who oversee the statutory work (the statutory calendar's
readers)."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from reviews.ehc.timeliness import la_timeliness, timeliness_csv
from schools.http import TenantRequest
from send.audit import record_access
from send.shortcuts import require, tenant_required


@tenant_required
def timeliness(request: TenantRequest) -> HttpResponse:
    require(request, "oversee_plans", request.tenant.trust)
    today = timezone.localdate()
    return render(
        request, "reviews/ehc/timeliness.html", {"report": la_timeliness(request.user, today), "today": today}
    )


@tenant_required
def timeliness_export(request: TenantRequest) -> StreamingHttpResponse:
    require(request, "oversee_plans", request.tenant.trust)
    today = timezone.localdate()
    report = la_timeliness(request.user, today)
    record_access(request, request.tenant.trust, action="export_la_timeliness", detail={"authorities": len(report)})
    response = StreamingHttpResponse(timeliness_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="la-timeliness-{today.isoformat()}.csv"'
    return response
