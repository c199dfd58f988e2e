"""Intervention groups: made and changed by the SENCO, members with entry and exit data, sessions recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from provision import selectors, services
from provision.costs import money
from provision.forms import AddMemberForm, GroupForm, MemberForm
from provision.models import GroupMember, Intervention, InterventionGroup, Session
from provision.views import may_add_interventions, planning_schools, require_pupil_viewer
from pupils.models import Pupil
from schools.http import TenantRequest
from schools.models import User
from send import policy
from send.forms import add_service_errors
from send.shortcuts import get_visible_or_404, require, tenant_required


@tenant_required
def groups(request: TenantRequest) -> HttpResponse:
    require_pupil_viewer(request)
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
        "may_add": may_add_interventions(request),
    }
    return render(request, "provision/groups.html", context)


def _group_form_view(request: TenantRequest, group: InterventionGroup | None) -> HttpResponse:
    schools = planning_schools(request)
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
    require_pupil_viewer(request)
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
