"""The trust admin area: schools, school years, term dates, INSET days, staff and their roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from schools import selectors, services
from schools.forms import (
    FederationForm,
    InsetDayForm,
    InviteForm,
    MembershipForm,
    SchoolForm,
    SchoolYearForm,
    TermForm,
)
from schools.http import TenantRequest
from schools.landing import landing_for
from schools.models import Federation, InsetDay, Invitation, Membership, School, SchoolYear, Term, Trust
from schools.security import reauthentication_required
from schools.selectors import roles_of
from send import policy
from send.audit import record_security_event
from send.forms import add_service_errors
from send.middleware import SESSION_SCHOOL, SESSION_TRUST
from send.shortcuts import get_visible_or_404, require, tenant_required


def require_trust_admin(request: TenantRequest) -> Trust:
    """The tenant's trust, if the user may manage it (every trust admin page starts here)."""
    trust: Trust = request.tenant.trust
    require(request, "manage", trust)
    return trust


@tenant_required
def admin_home(request: TenantRequest) -> HttpResponse:
    trust = require_trust_admin(request)
    schools: QuerySet[School] = policy.visible(
        request.user, School.objects.select_related("federation"), "change"
    ).order_by("name")
    years = SchoolYear.objects.order_by("-starts_on")
    federations: QuerySet[Federation] = policy.visible(request.user, Federation.objects.order_by("name"), "change")
    return render(
        request,
        "schools/admin_home.html",
        {"trust": trust, "schools": schools, "years": years, "federations": federations},
    )


def _school_form_view(request: TenantRequest, school: School | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if school is not None:
        initial = {
            "name": school.name,
            "urn": school.urn,
            "la_code": school.la_code,
            "establishment_number": school.establishment_number,
            "phase": school.phase,
            "federation": school.federation_id,
            "pupil_photos": school.pupil_photos,
            "plan_label": school.plan_label,
            "plan_review_days_before_term_end": school.plan_review_days_before_term_end,
        }
    form = SchoolForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_school(school=school, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{saved.name} saved.")
            return redirect("schools:admin_home")
    return render(request, "schools/school_form.html", {"form": form, "school": school})


@tenant_required
def school_create(request: TenantRequest) -> HttpResponse:
    require_trust_admin(request)
    return _school_form_view(request, None)


@tenant_required
def school_edit(request: TenantRequest, school_uuid: str) -> HttpResponse:
    school = get_visible_or_404(request, School.objects.all(), "change", uuid=school_uuid)
    return _school_form_view(request, school)


@tenant_required
def federation_create(request: TenantRequest) -> HttpResponse:
    require_trust_admin(request)
    form = FederationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            federation = services.create_federation(
                name=form.cleaned_data["name"], schools=list(form.cleaned_data["schools"])
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Federation {federation.name} created.")
            return redirect("schools:admin_home")
    return render(request, "schools/federation_form.html", {"form": form})


@tenant_required
def year_create(request: TenantRequest) -> HttpResponse:
    require_trust_admin(request)
    form = SchoolYearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            year = services.create_school_year(**form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"School year {year.name} added.")
            return redirect("schools:admin_home")
    return render(request, "schools/year_form.html", {"form": form})


@tenant_required
def school_terms(request: TenantRequest, school_uuid: str) -> HttpResponse:
    school = get_visible_or_404(request, School.objects.all(), "change", uuid=school_uuid)
    term_form = TermForm(request.POST if request.POST.get("form") == "term" else None, prefix="term")
    inset_form = InsetDayForm(request.POST if request.POST.get("form") == "inset" else None, prefix="inset")
    if request.method == "POST":
        if request.POST.get("form") == "term" and term_form.is_valid():
            try:
                term = services.save_term(school=school, **term_form.cleaned_data)
            except ValidationError as error:
                add_service_errors(term_form, error)
            else:
                messages.success(request, f"{term.name} added.")
                return redirect("schools:school_terms", school_uuid=school.uuid)
        elif request.POST.get("form") == "inset" and inset_form.is_valid():
            try:
                day = services.add_inset_day(school=school, **inset_form.cleaned_data)
            except ValidationError as error:
                add_service_errors(inset_form, error)
            else:
                messages.success(request, f"INSET day on {day.date:%-d %B %Y} added.")
                return redirect("schools:school_terms", school_uuid=school.uuid)
    terms = Term.objects.filter(school=school).select_related("school_year").order_by("starts_on")
    inset_days = InsetDay.objects.filter(school=school).order_by("date")
    return render(
        request,
        "schools/school_terms.html",
        {"school": school, "terms": terms, "inset_days": inset_days, "term_form": term_form, "inset_form": inset_form},
    )


@tenant_required
def term_edit(request: TenantRequest, term_uuid: str) -> HttpResponse:
    term = get_visible_or_404(request, Term.objects.select_related("school", "school_year"), "change", uuid=term_uuid)
    initial = {
        "school_year": term.school_year_id,
        "name": term.name,
        "starts_on": term.starts_on,
        "ends_on": term.ends_on,
    }
    form = TermForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_term(school=term.school, term=term, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{term.name} saved.")
            return redirect("schools:school_terms", school_uuid=term.school.uuid)
    return render(request, "schools/term_form.html", {"form": form, "term": term})


@require_POST
@tenant_required
def term_delete(request: TenantRequest, term_uuid: str) -> HttpResponse:
    term = get_visible_or_404(request, Term.objects.select_related("school"), "delete", uuid=term_uuid)
    school_uuid = term.school.uuid
    services.delete_term(term)
    messages.success(request, f"{term.name} removed.")
    return redirect("schools:school_terms", school_uuid=school_uuid)


@tenant_required
def staff_list(request: TenantRequest) -> HttpResponse:
    require_trust_admin(request)
    memberships = selectors.staff_memberships(request.user)
    return render(request, "schools/staff_list.html", {"memberships": memberships})


@tenant_required
@reauthentication_required
def staff_invite(request: TenantRequest) -> HttpResponse:
    require_trust_admin(request)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.invite_staff(
                **form.cleaned_data,
                invited_by=request.user,
                base_url=request.build_absolute_uri("/")[:-1],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if isinstance(made, Invitation):
                messages.success(
                    request,
                    f"{made.user.email} already has a sign-in elsewhere: they have been sent an invitation, and get "
                    f"the role {made.get_role_display()} when they sign in and accept it.",
                )
            else:
                messages.success(request, f"{made.user.email} now has the role {made.get_role_display()}.")
            return redirect("schools:staff_list")
    return render(request, "schools/staff_invite.html", {"form": form})


@tenant_required
@reauthentication_required
def membership_edit(request: TenantRequest, membership_uuid: str) -> HttpResponse:
    membership = get_visible_or_404(
        request, Membership.objects.select_related("user", "school"), "change", uuid=membership_uuid
    )
    form = MembershipForm(request.POST or None, initial={"role": membership.role, "school": membership.school_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_membership(membership, **form.cleaned_data, by=request.user, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Role of {membership.user.email} changed.")
            return redirect("schools:staff_list")
    return render(request, "schools/membership_form.html", {"form": form, "membership": membership})


@require_POST
@tenant_required
@reauthentication_required
def membership_delete(request: TenantRequest, membership_uuid: str) -> HttpResponse:
    membership = get_visible_or_404(
        request, Membership.objects.select_related("user", "school"), "delete", uuid=membership_uuid
    )
    if membership.user_id == request.user.pk and membership.role == "admin":
        messages.error(request, "You cannot remove your own administrator role.")
        return redirect("schools:staff_list")
    services.remove_membership(membership, by=request.user, request=request)
    messages.success(request, f"Role removed from {membership.user.email}.")
    return redirect("schools:staff_list")


def _person_action(
    request: TenantRequest, membership_uuid: str, action: str, run: Callable[[Membership], None], done: str
) -> HttpResponse:
    """An action on a person's sign-in: only for people whose every role is in this trust, else refused with a
    clear message; the refusal is recorded as well as the action."""
    membership = get_visible_or_404(request, Membership.objects.select_related("user"), "change", uuid=membership_uuid)
    try:
        run(membership)
    except services.OutsideThisTrust as error:
        record_security_event(request, f"{action}_refused", subject=membership.user, detail={"why": "other trust"})
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done.format(email=membership.user.email))
    return redirect("schools:staff_list")


@require_POST
@tenant_required
@reauthentication_required
def membership_reset_two_factor(request: TenantRequest, membership_uuid: str) -> HttpResponse:
    return _person_action(
        request,
        membership_uuid,
        "second_factor_reset",
        lambda m: services.reset_second_factor(m, by=request.user, request=request),
        "Two-step sign-in reset for {email}: they set it up again when they next sign in.",
    )


@require_POST
@tenant_required
@reauthentication_required
def membership_sign_out(request: TenantRequest, membership_uuid: str) -> HttpResponse:
    return _person_action(
        request,
        membership_uuid,
        "signed_out_by_admin",
        lambda m: services.sign_out_person(m, by=request.user, request=request),
        "{email} has been signed out on every device.",
    )


@require_POST
@tenant_required
@reauthentication_required
def membership_password_link(request: TenantRequest, membership_uuid: str) -> HttpResponse:
    return _person_action(
        request,
        membership_uuid,
        "password_link_sent",
        lambda m: services.send_password_link(
            m,
            by=request.user,
            base_url=request.build_absolute_uri("/")[:-1],
            request=request,
        ),
        "{email} has been sent a link to choose a password.",
    )


# --- Home and the switcher ---------------------------------------------------------------------------------


@tenant_required
def home(request: TenantRequest) -> HttpResponse:
    """Send each role where it works: a landing an app registered for the person's roles (schools.landing), else
    pupil roles to the register, admins to the admin area, governors to figures."""
    landing = landing_for(roles_of(request.user))
    if landing is not None:
        return redirect(landing)
    if policy.can(request.user, "view_pupils", request.tenant.trust):
        return redirect("pupils:register")
    if policy.can(request.user, "manage", request.tenant.trust):
        return redirect("schools:admin_home")
    if policy.can(request.user, "view_reports", request.tenant.trust):
        return redirect("pupils:summary")
    return render(request, "home.html")


@login_required
@require_http_methods(["GET", "POST"])
def switch(request: TenantRequest) -> HttpResponse:
    """Choose the trust (for people with roles in several) and the school to focus on."""
    tenant = request.tenant
    if request.method == "POST":
        if "trust" in request.POST:
            wanted = request.POST["trust"]
            chosen = next((c.trust for c in tenant.choices if str(c.trust.pk) == wanted), None)
            if chosen is None:
                messages.error(request, "Choose one of your trusts.")
                return redirect("switch")
            request.session.cycle_key()
            request.session[SESSION_TRUST] = chosen.pk
            request.session.pop(SESSION_SCHOOL, None)
            messages.success(request, f"You are now working in {chosen.name}.")
            return redirect("home")
        if "school" in request.POST and tenant.trust is not None:
            wanted = request.POST["school"]
            if wanted == "all":
                request.session.pop(SESSION_SCHOOL, None)
                return redirect(_own_path(request, request.POST.get("next", "")))
            mine: list[School] = list(policy.visible(request.user, School.objects.all(), "view"))
            school = next((s for s in mine if str(s.uuid) == wanted), None)
            if school is None:
                messages.error(request, "Choose one of your schools.")
                return redirect("switch")
            request.session[SESSION_SCHOOL] = school.pk
            messages.success(request, f"Showing {school.name}.")
            return redirect("home")
        return redirect("switch")
    schools: list[School] = (
        list(policy.visible(request.user, School.objects.order_by("name"), "view")) if tenant.trust is not None else []
    )
    return render(request, "switch.html", {"choices": tenant.choices, "schools": schools})


def _own_path(request: TenantRequest, target: str) -> str:
    """Where to go back to: one of our own pages, never another site (`//evil.example`, `https://evil.example`)."""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")
