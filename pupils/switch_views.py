"""After a school's MIS switch: the pupils the new MIS never sent, for the SENCO to check (nothing is deleted)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from pupils import relink
from schools.http import TenantRequest
from send.shortcuts import require, tenant_required


@tenant_required
def not_matched(request: TenantRequest) -> HttpResponse:
    require(request, "view_unmatched", request.tenant.trust)
    return render(request, "pupils/not_matched.html", {"schools": relink.unmatched_by_school(request.user)})
