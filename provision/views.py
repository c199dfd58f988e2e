"""Pages of the provision map: the maps, the catalogue, staff rates, groups, members, sessions, exports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from provision import exports, selectors, services
from provision.costs import money
from provision.forms import InterventionForm, MapFilterForm, StaffRateForm
from provision.models import Intervention, StaffRate
from provision.tasks import render_provision_pdf
from pupils.models import Pupil
from schools.http import TenantRequest
from schools.models import School, SchoolClass
from schools.security import reauthentication_required
from send import policy
from send.audit import record_access
from send.forms import add_service_errors
from send.pdf import request_pdf
from send.shortcuts import get_visible_or_404, require, tenant_required
from send.templatetags.fast_urls import uuid_url


def require_pupil_viewer(request: TenantRequest) -> Any:
    trust = request.tenant.trust
    require(request, "view_pupils", trust)
    return trust


def _schools(request: TenantRequest, action: str = "view") -> QuerySet[School]:
    return policy.visible(request.user, School.objects.order_by("name"), action)


def _map_filters(request: TenantRequest) -> tuple[MapFilterForm, dict[str, Any]]:
    schools = list(_schools(request))
    classes: list[SchoolClass] = list(
        policy.visible(request.user, SchoolClass.objects.select_related("school").order_by("school__name", "name"))
    )
    form = MapFilterForm(request.GET or None, schools=schools, classes=classes)
    default = selectors.default_period(timezone.localdate())
    chosen: dict[str, Any] = {"period": default, "school_id": None, "year_group": "", "class_id": None}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        chosen["period"] = (data.get("starts_on") or default[0], data.get("ends_on") or default[1])
        chosen["school_id"] = data["school"].pk if data.get("school") else None
        chosen["year_group"] = data.get("year_group") or ""
        chosen["class_id"] = data["school_class"].pk if data.get("school_class") else None
    return form, chosen


@tenant_required
def provision_map(request: TenantRequest) -> HttpResponse:
    """The school's provision map by year group and class, with totals by funding source and need area."""
    require_pupil_viewer(request)
    form, chosen = _map_filters(request)
    result = selectors.provision_map(request.user, **chosen)
    rows = result.by_pupil()
    return render(
        request,
        "provision/map.html",
        {
            "form": form,
            "map": result,
            "rows": rows,
            "row_html": _map_rows(rows),
            "by_year": result.totals_by(lambda line: selectors.YEAR_LABELS.get(line.pupil.year_group, "")),
            "by_class": result.totals_by(
                lambda line: line.pupil.school_class.name if line.pupil.school_class else "No class"
            ),
            "by_funding": result.totals_by(selectors.funding_label),
            "by_need": result.totals_by(selectors.need_area_labels),
            "query": request.GET.urlencode(),
            "can_edit": any(policy.can(request.user, "plan_provision", school) for school in form.schools.values()),
        },
    )


def _map_rows(rows: list[tuple[Pupil, list[selectors.Line], Decimal]]) -> list[str]:
    """The map's table rows, one per pupil, as escaped HTML made here rather than by the template engine: a school
    map has hundreds of rows, and each group's description is the same for every pupil in it, so it is made once
    per group. The markup is the table's in `provision/map.html`."""
    groups: dict[int, str] = {}
    html: list[str] = []
    for pupil, lines, cost in rows:
        for line in lines:
            group = line.group
            if group.pk not in groups:
                groups[group.pk] = format_html(
                    '<li><a class="govuk-link" href="{}">{}</a>: {} × {} min a week, {}–{}</li>',
                    uuid_url("provision:group", group.uuid),
                    group.intervention.name,
                    group.sessions_per_week,
                    group.session_minutes,
                    date_format(group.starts_on, "j M"),
                    date_format(group.ends_on, "j M Y"),
                )
        klass = f", {pupil.school_class.name}" if pupil.school_class else ""
        html.append(
            format_html(
                '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header"><a class="govuk-link" '
                'href="{}">{}</a> <span class="govuk-hint govuk-!-display-inline">({})</span></th>'
                '<td class="govuk-table__cell">{}{}</td><td class="govuk-table__cell"><ul class="govuk-list">{}</ul>'
                '</td><td class="govuk-table__cell govuk-table__cell--numeric">£{}</td></tr>',
                uuid_url("pupils:record", pupil.uuid),
                pupil.display_name,
                pupil.sen_status,
                pupil.year_label,
                klass,
                format_html_join("", "{}", ((groups[line.group.pk],) for line in lines)),
                cost,
            )
        )
    return html


@tenant_required
def graduated_map(request: TenantRequest) -> HttpResponse:
    require_pupil_viewer(request)
    form, chosen = _map_filters(request)
    result = selectors.provision_map(request.user, **chosen)
    return render(
        request,
        "provision/graduated.html",
        {"form": form, "map": result, "grid": selectors.graduated_map(result), "query": request.GET.urlencode()},
    )


@tenant_required
def impact(request: TenantRequest) -> HttpResponse:
    require_pupil_viewer(request)
    form, chosen = _map_filters(request)
    result = selectors.provision_map(request.user, **chosen)
    return render(
        request,
        "provision/impact.html",
        {
            "form": form,
            "map": result,
            "impacts": selectors.impact_by_intervention(result),
            "query": request.GET.urlencode(),
        },
    )


@tenant_required
@reauthentication_required
def provision_csv(request: TenantRequest) -> StreamingHttpResponse:
    require_pupil_viewer(request)
    _, chosen = _map_filters(request)
    result = selectors.provision_map(request.user, **chosen)
    record_access(request, request.tenant.trust, action="export_provision")
    response = StreamingHttpResponse(exports.stream_csv(result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="provision-map-{timezone.localdate().isoformat()}.csv"'
    return response


@require_POST
@tenant_required
def provision_pdf(request: TenantRequest) -> HttpResponse:
    """The provision map (as filtered) as a PDF, prepared by the worker."""
    require_pupil_viewer(request)
    _, chosen = _map_filters(request)
    start, end = chosen["period"]
    return request_pdf(
        request,
        render_provision_pdf,
        kind="provision_map",
        title=f"Provision map {start:%-d %b %Y} to {end:%-d %b %Y}",
        subject_id=request.GET.urlencode()[:300],
    )


@tenant_required
def pupil_costed(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    """A pupil's costed provision: the evidence for a top-up funding application."""
    pupil = get_visible_or_404(request, Pupil.objects.select_related("school", "school_class"), "view", uuid=pupil_uuid)
    record_access(request, pupil, action="view_costed_provision")
    lines = selectors.pupil_provision(request.user, pupil)
    total = money(sum((line.cost for line in lines), Decimal("0")))
    return render(request, "provision/pupil_costed.html", {"pupil": pupil, "lines": lines, "total": total})


@require_POST
@tenant_required
def pupil_costed_pdf(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = get_visible_or_404(request, Pupil.objects.all(), "view", uuid=pupil_uuid)
    return request_pdf(
        request,
        render_provision_pdf,
        kind="costed_provision",
        title=f"Costed provision of {pupil.display_name}",
        subject_id=str(pupil.uuid),
    )


# --- The catalogue --------------------------------------------------------------------------------------


@tenant_required
def catalogue(request: TenantRequest) -> HttpResponse:
    require_pupil_viewer(request)
    entries: QuerySet[Intervention] = policy.visible(
        request.user, Intervention.objects.select_related("school"), "view"
    ).order_by("archived", "name")
    editable = set(policy.visible(request.user, Intervention.objects.all(), "change").values_list("pk", flat=True))
    return render(
        request,
        "provision/catalogue.html",
        {"entries": entries, "editable": editable, "may_add": may_add_interventions(request)},
    )


def planning_schools(request: TenantRequest) -> QuerySet[School]:
    """The schools where the user plans provision (catalogue, rates, groups): the policy decides."""
    return _schools(request, "plan_provision")


def may_add_interventions(request: TenantRequest) -> bool:
    return planning_schools(request).exists()


def _intervention_form_view(request: TenantRequest, intervention: Intervention | None) -> HttpResponse:
    trust_wide = policy.can(request.user, "publish_catalogue", request.tenant.trust)
    schools = planning_schools(request)
    initial: dict[str, Any] = {}
    if intervention is not None:
        initial = {name: getattr(intervention, name) for name in InterventionForm.base_fields if name != "school"}
        initial["school"] = intervention.school_id
    form = InterventionForm(request.POST or None, initial=initial, schools=schools, trust_wide=trust_wide)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        school = data.pop("school")
        try:
            saved = services.save_intervention(intervention, school=school, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{saved.name} saved in the catalogue.")
            return redirect("provision:catalogue")
    return render(request, "provision/intervention_form.html", {"form": form, "intervention": intervention})


@tenant_required
def intervention_create(request: TenantRequest) -> HttpResponse:
    require_pupil_viewer(request)
    if not may_add_interventions(request):
        raise PermissionDenied
    return _intervention_form_view(request, None)


@tenant_required
def intervention_edit(request: TenantRequest, intervention_uuid: str) -> HttpResponse:
    intervention = get_visible_or_404(request, Intervention.objects.all(), "view", uuid=intervention_uuid)
    require(request, "change", intervention)
    return _intervention_form_view(request, intervention)


# --- Staff rates ----------------------------------------------------------------------------------------


@tenant_required
def staff_rates(request: TenantRequest) -> HttpResponse:
    require_pupil_viewer(request)
    rates: QuerySet[StaffRate] = policy.visible(
        request.user, StaffRate.objects.select_related("school", "school_year"), "view"
    )
    schools = planning_schools(request)
    form = StaffRateForm(request.POST or None, schools=schools) if schools.exists() else None
    if not rates.exists() and form is None:
        raise PermissionDenied
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                rate = services.save_staff_rate(None, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{rate.role_name}: £{rate.hourly_rate} an hour in {rate.school_year}.")
                return redirect("provision:staff_rates")
    return render(
        request,
        "provision/staff_rates.html",
        {"rates": rates.order_by("school__name", "-school_year__starts_on", "role_name"), "form": form},
    )


@tenant_required
def staff_rate_edit(request: TenantRequest, rate_uuid: str) -> HttpResponse:
    rate = get_visible_or_404(
        request, StaffRate.objects.select_related("school", "school_year"), "change", uuid=rate_uuid
    )
    schools = School.objects.filter(pk=rate.school_id)
    form = StaffRateForm(
        request.POST or None,
        schools=schools,
        initial={
            "school": rate.school_id,
            "school_year": rate.school_year_id,
            "role_name": rate.role_name,
            "hourly_rate": rate.hourly_rate,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_staff_rate(rate, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Rate changed: costs are recalculated with it.")
            return redirect("provision:staff_rates")
    return render(request, "provision/staff_rate_form.html", {"form": form, "rate": rate})
