"""Pages of the provision map: the maps, the catalogue, staff rates, groups, members, sessions, exports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from provision import exports, selectors, services
from provision.costs import money
from provision.forms import AddMemberForm, GroupForm, InterventionForm, MapFilterForm, MemberForm, StaffRateForm
from provision.models import GroupMember, Intervention, InterventionGroup, Session, StaffRate
from provision.tasks import render_provision_pdf
from pupils.models import Pupil
from schools.http import TenantRequest
from schools.models import School, SchoolClass, User
from schools.security import reauthentication_required
from send import policy
from send.audit import record_access
from send.forms import add_service_errors
from send.pdf import request_pdf
from send.shortcuts import get_visible_or_404, require, tenant_required
from send.templatetags.fast_urls import uuid_url


def _trust(request: TenantRequest) -> Any:
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
    _trust(request)
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
    _trust(request)
    form, chosen = _map_filters(request)
    result = selectors.provision_map(request.user, **chosen)
    return render(
        request,
        "provision/graduated.html",
        {"form": form, "map": result, "grid": selectors.graduated_map(result), "query": request.GET.urlencode()},
    )


@tenant_required
def impact(request: TenantRequest) -> HttpResponse:
    _trust(request)
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
    _trust(request)
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
    _trust(request)
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
    _trust(request)
    entries: QuerySet[Intervention] = policy.visible(
        request.user, Intervention.objects.select_related("school"), "view"
    ).order_by("archived", "name")
    editable = set(policy.visible(request.user, Intervention.objects.all(), "change").values_list("pk", flat=True))
    return render(
        request,
        "provision/catalogue.html",
        {"entries": entries, "editable": editable, "may_add": _may_add_interventions(request)},
    )


def _planning_schools(request: TenantRequest) -> QuerySet[School]:
    """The schools where the user plans provision (catalogue, rates, groups): the policy decides."""
    return _schools(request, "plan_provision")


def _may_add_interventions(request: TenantRequest) -> bool:
    return _planning_schools(request).exists()


def _intervention_form_view(request: TenantRequest, intervention: Intervention | None) -> HttpResponse:
    trust_wide = policy.can(request.user, "publish_catalogue", request.tenant.trust)
    schools = _planning_schools(request)
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
    _trust(request)
    if not _may_add_interventions(request):
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
    _trust(request)
    rates: QuerySet[StaffRate] = policy.visible(
        request.user, StaffRate.objects.select_related("school", "school_year"), "view"
    )
    schools = _planning_schools(request)
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


# --- Groups ---------------------------------------------------------------------------------------------


@tenant_required
def groups(request: TenantRequest) -> HttpResponse:
    _trust(request)
    visible: QuerySet[InterventionGroup] = policy.visible(
        request.user, InterventionGroup.objects.select_related("intervention", "school"), "view"
    )
    mine = visible.filter(group_staff__user_id=int(request.user.pk or 0))
    today = timezone.localdate()
    current = visible.filter(ends_on__gte=today).order_by("school__name", "name")
    past = visible.filter(ends_on__lt=today).order_by("-ends_on")[:50]
    context = {
        "mine": mine.filter(ends_on__gte=today).order_by("name"),
        "current": current,
        "past": past,
        "may_add": _may_add_interventions(request),
    }
    return render(request, "provision/groups.html", context)


def _group_form_view(request: TenantRequest, group: InterventionGroup | None) -> HttpResponse:
    schools = _planning_schools(request)
    if not schools.exists():
        raise PermissionDenied
    interventions = Intervention.objects.filter(Q(school__in=schools) | Q(school__isnull=True), archived=False)
    staff = User.objects.filter(memberships__school__in=schools).distinct().order_by("full_name")
    initial: dict[str, Any] = {}
    if group is not None:
        initial = {
            name: getattr(group, name)
            for name in GroupForm.base_fields
            if name not in {"school", "intervention", "staff"}
        }
        initial.update(school=group.school_id, intervention=group.intervention_id, staff=list(group.staff.all()))
    form = GroupForm(
        request.POST or None,
        initial=initial,
        schools=schools,
        interventions=interventions.order_by("name"),
        staff=staff,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            saved = services.save_group(
                group,
                school=data.pop("school"),
                intervention=data.pop("intervention"),
                staff=list(data.pop("staff")),
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{saved.name} saved.")
            return redirect("provision:group", group_uuid=saved.uuid)
    return render(request, "provision/group_form.html", {"form": form, "group": group})


@tenant_required
def group_create(request: TenantRequest) -> HttpResponse:
    _trust(request)
    return _group_form_view(request, None)


@tenant_required
def group_edit(request: TenantRequest, group_uuid: str) -> HttpResponse:
    group = get_visible_or_404(request, InterventionGroup.objects.all(), "view", uuid=group_uuid)
    require(request, "change", group)
    return _group_form_view(request, group)


@tenant_required
def group_detail(request: TenantRequest, group_uuid: str) -> HttpResponse:
    group = get_visible_or_404(
        request, InterventionGroup.objects.select_related("intervention", "school"), "view", uuid=group_uuid
    )
    member_rows = GroupMember.objects.select_related("pupil", "pupil__school_class").order_by("pupil__legal_last_name")
    prefetch_related_objects([group], Prefetch("members", queryset=member_rows))
    members = list(group.members.all())
    costs, warnings = selectors.cost_groups([group], (group.starts_on, group.ends_on))
    cost = costs[group.pk]
    can_change = policy.can(request.user, "change", group)
    form = None
    if can_change:
        in_group = [m.pupil_id for m in members]
        pupils = Pupil.objects.filter(school=group.school).exclude(pk__in=in_group).order_by("legal_last_name")
        form = AddMemberForm(
            request.POST or None,
            pupils=pupils,
            initial={"joined_on": max(group.starts_on, min(timezone.localdate(), group.ends_on))},
        )
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            try:
                member = services.add_member(group, pupil=data.pop("pupil"), joined_on=data.pop("joined_on"), **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{member.pupil.display_name} joined {group.name}.")
                return redirect("provision:group", group_uuid=group.uuid)
    elif request.method == "POST":
        raise PermissionDenied
    present = Count("attendance", filter=Q(attendance__present=True))
    sessions = list(group.sessions.annotate(present_count=present).order_by("-date")[:20])
    return render(
        request,
        "provision/group.html",
        {
            "group": group,
            "members": [(m, money(cost.per_member[m.pk])) for m in members],
            "cost": cost,
            "warnings": warnings,
            "sessions": sessions,
            "form": form,
            "can_change": can_change,
            "can_record": policy.can(request.user, "record_session", group),
        },
    )


@tenant_required
def member_edit(request: TenantRequest, group_uuid: str, member_uuid: str) -> HttpResponse:
    member = get_visible_or_404(
        request,
        GroupMember.objects.select_related("group__intervention", "pupil"),
        "change",
        uuid=member_uuid,
        group__uuid=group_uuid,
    )
    fields = ("left_on", "entry_score", "entry_on", "exit_score", "exit_on")
    form = MemberForm(request.POST or None, initial={name: getattr(member, name) for name in fields})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_member(member, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{member.pupil.display_name}: saved.")
            return redirect("provision:group", group_uuid=group_uuid)
    return render(request, "provision/member_form.html", {"form": form, "member": member, "group": member.group})


@tenant_required
def record_session(request: TenantRequest, group_uuid: str) -> HttpResponse:
    """A phone-sized page: the date (today), a tick per pupil present, a note. A few taps."""
    group = get_visible_or_404(
        request, InterventionGroup.objects.select_related("intervention"), "record_session", uuid=group_uuid
    )
    raw_date = request.POST.get("date") or request.GET.get("date") or timezone.localdate().isoformat()
    errors: dict[str, list[str]] = {}
    try:
        day = dt.date.fromisoformat(raw_date)
    except ValueError:
        day = timezone.localdate()
        errors["date"] = ["Give the date of the session, for example 2026-11-24."]
    members = [
        m
        for m in group.members.select_related("pupil").order_by("pupil__legal_last_name")
        if m.joined_on <= day and (m.left_on is None or day <= m.left_on)
    ]
    existing = Session.objects.filter(group=group, date=day).prefetch_related("attendance").first()
    present = {a.member_id for a in existing.attendance.all() if a.present} if existing else {m.pk for m in members}
    note = existing.note if existing else ""
    if request.method == "POST" and not errors:
        try:
            present = {int(value) for value in request.POST.getlist("present")}
        except ValueError:
            present = set()
            errors["present"] = ["Tick the pupils who came."]
        note = request.POST.get("note", "")
        if not errors:
            try:
                services.record_session(group, date=day, present=present, note=note, by=request.user)
            except ValidationError as error:
                errors = error.message_dict
            else:
                messages.success(request, f"Session of {day:%-d %B} recorded: {len(present)} of {len(members)} came.")
                return redirect("provision:groups")
    return render(
        request,
        "provision/session.html",
        {
            "group": group,
            "day": day,
            "members": members,
            "present": present,
            "note": note,
            "errors": errors,
            "existing": existing,
        },
    )
