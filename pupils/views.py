"""The SEND register list, the pupil record and the aggregate register summary."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from pupils import exports, extensions, passports, records, relink, selectors, services
from pupils.forms import FlagForm, PupilForm, RegisterEntryForm
from pupils.models import NeedType, Pupil, SenStatus
from schools.http import TenantRequest
from schools.models import School, SchoolClass, YearGroup
from schools.security import reauthentication_required
from send import policy
from send.audit import record_access
from send.forms import add_service_errors
from send.shortcuts import get_visible_or_404, require, tenant_required
from send.uploads import StoredFile, remove_stored_file

REGISTER_FILTERS = "register_filters"
FILTER_FIELDS = ("school", "school_class", "year_group", "sen_status", "need", "flag", "search", "sort")


def _register_filters(
    request: TenantRequest, schools: list[School], classes: list[SchoolClass]
) -> selectors.RegisterFilters:
    active_school = next((s for s in schools if s.pk == request.tenant.school_id), None)
    saved = request.session.get(REGISTER_FILTERS) or {}
    # The school chosen on the switcher focuses the register until the user picks another here.
    defaults = {"school": str(active_school.uuid) if active_school else ""}
    values = {**defaults, **{k: v for k, v in saved.items() if k in FILTER_FIELDS}}
    return selectors.clean_filters(selectors.RegisterFilters(**values), schools=schools, classes=classes)


@tenant_required
def register(request: TenantRequest) -> HttpResponse:
    """The register. Filters arrive by POST and live in the session, so no pupil name or UPN is ever in a URL."""
    if request.method == "POST":
        if "clear" in request.POST:
            request.session.pop(REGISTER_FILTERS, None)
        else:
            request.session[REGISTER_FILTERS] = {name: request.POST.get(name, "")[:100] for name in FILTER_FIELDS}
        if not request.htmx:
            return redirect("pupils:register")
    schools: list[School] = list(policy.visible(request.user, School.objects.order_by("name"), "view"))
    classes: list[SchoolClass] = list(
        policy.visible(request.user, SchoolClass.objects.select_related("school").order_by("school__name", "name"))
    )
    filters = _register_filters(request, schools, classes)
    pupils = selectors.register_list(request.user, filters)
    counts = selectors.register_counts(pupils)
    context = {
        "page": selectors.register_page(pupils, counts["total"], request.GET.get("page")),
        "counts": counts,
        "filters": filters,
        "schools": schools,
        "year_groups": YearGroup.choices,
        "statuses": SenStatus.choices,
        "not_sent_by_new_mis": (
            relink.unmatched_count(request.user)
            if not request.htmx and policy.can(request.user, "view_unmatched", request.tenant.trust)
            else 0
        ),
        "needs": NeedType.objects.order_by("code"),
        "classes": classes,
        "flags": [(key, label) for key, (label, _) in selectors.FLAGS.items()],
        "sorts": [(key, label) for key, (label, _) in selectors.SORTS.items()],
        "several_schools": len(schools) > 1,
        "may_add": any(policy.can(request.user, "add_pupil", school) for school in schools),
    }
    template = "pupils/_register_rows.html" if request.htmx else "pupils/register.html"
    return render(request, template, context)


@tenant_required
def pupil_record(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = selectors.pupil_for_record(request.user, pupil_uuid)
    record_access(request, pupil)
    passport = passports.latest_version(pupil)
    context = {
        "pupil": pupil,
        "passport": passport,
        "passport_needs_updating": passports.needs_updating(passport, pupil.school),
        "can_edit_passport": policy.can(request.user, "edit_passport", pupil),
        "can_review_passport": policy.can(request.user, "review_passport", pupil),
        "register_history": selectors.register_history(pupil),
        "can_manage_record": policy.can(request.user, "manage_record", pupil),
        "can_add_note": policy.can(request.user, "add_note", pupil),
        "can_change_flags": policy.can(request.user, "change_flags", pupil),
        **records.record_sections(pupil),
        "history": selectors.pupil_history(pupil),
        "mis_id_history": relink.mis_id_history(pupil),
        "can_change": policy.can(request.user, "change", pupil),
        "extra_sections": extensions.record_sections(request.user, pupil),
    }
    return render(request, "pupils/record.html", context)


@tenant_required
def register_entry(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    """Change a pupil's SEN status, needs or monitoring: SENCOs and the trust SEND lead."""
    pupil = get_visible_or_404(request, Pupil.objects.select_related("school"), "view", uuid=pupil_uuid)
    require(request, "change", pupil)
    needs = {n.rank: n.need_type_id for n in pupil.needs.all()}
    form = RegisterEntryForm(
        request.POST or None,
        initial={
            "status": pupil.sen_status,
            "primary_need": needs.get(1),
            "secondary_need": needs.get(2),
            "on_monitoring_list": pupil.on_monitoring_list,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_register_entry(pupil, **form.cleaned_data, recorded_by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Register entry for {pupil.display_name} saved.")
            return redirect("pupils:record", pupil_uuid=pupil.uuid)
    return render(request, "pupils/register_entry.html", {"form": form, "pupil": pupil})


@tenant_required
@reauthentication_required
def register_csv(request: TenantRequest) -> StreamingHttpResponse:
    """The filtered register as CSV, streamed; the export is logged as an access to the register."""
    schools: list[School] = list(policy.visible(request.user, School.objects.order_by("name"), "view"))
    classes: list[SchoolClass] = list(policy.visible(request.user, SchoolClass.objects.all()))
    filters = _register_filters(request, schools, classes)
    pupils = selectors.register_list(request.user, filters)
    # What was exported: the filters as applied and how many pupils they gave.
    detail = {"filters": {k: v for k, v in asdict(filters).items() if v}, "pupils": pupils.count()}
    record_access(request, request.tenant.trust, action="export_register", detail=detail)
    response = StreamingHttpResponse(exports.stream_csv(pupils), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="send-register-{stamp}.csv"'
    return response


def _pupil_form_view(request: TenantRequest, pupil: Pupil | None) -> HttpResponse:
    schools: QuerySet[School] = policy.visible(request.user, School.objects.order_by("name"), "add_pupil")
    if pupil is None and not schools.exists():
        raise PermissionDenied
    classes = SchoolClass.objects.filter(school__in=schools).select_related("school").order_by("school__name", "name")
    initial = {name: getattr(pupil, name) for name in services.PUPIL_FIELDS} if pupil else {}
    if pupil:
        initial.update(school=pupil.school_id, school_class=pupil.school_class_id)
    form = PupilForm(request.POST or None, initial=initial, schools=schools, classes=classes)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_pupil(pupil, **form.cleaned_data)
        except services.DuplicateUpn as error:
            add_service_errors(form, error)
            # a link to the existing pupil only for someone who may open them: no probing
            duplicate = error.existing if policy.can(request.user, "view", error.existing) else None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{saved.display_name} saved.")
            return redirect("pupils:record", pupil_uuid=saved.uuid)
    return render(request, "pupils/pupil_form.html", {"form": form, "pupil": pupil, "duplicate": duplicate})


@tenant_required
def pupil_create(request: TenantRequest) -> HttpResponse:
    return _pupil_form_view(request, None)


@tenant_required
def pupil_edit(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = get_visible_or_404(request, Pupil.objects.select_related("school"), "view", uuid=pupil_uuid)
    require(request, "change", pupil)
    return _pupil_form_view(request, pupil)


@tenant_required
def record_add(request: TenantRequest, pupil_uuid: str, section: str) -> HttpResponse:
    """Add to one section of the pupil record (contacts, contact log, notes, documents, access arrangements)."""
    spec = records.SECTIONS.get(section)
    if spec is None:
        raise Http404("No such section")
    pupil = get_visible_or_404(request, Pupil.objects.select_related("school"), "view", uuid=pupil_uuid)
    require(request, spec.action, pupil)
    form = spec.form(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            records.add_to_record(pupil, form, request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, spec.saved)
            return redirect("pupils:record", pupil_uuid=pupil.uuid)
    return render(
        request, "pupils/record_add.html", {"form": form, "pupil": pupil, "title": spec.title, "section": section}
    )


LOOKED_AFTER_FLAGS = {"lac", "plac"}


@tenant_required
def flags(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    """Start or end a flag (EAL, LAC, PLAC, pupil premium, medical, Early Help, young carer) with history."""
    pupil = get_visible_or_404(request, Pupil.objects.select_related("school"), "view", uuid=pupil_uuid)
    require(request, "change_flags", pupil)
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        flag = form.cleaned_data["flag"]
        # a designated teacher without a SENCO role keeps only the looked-after flags
        if flag not in LOOKED_AFTER_FLAGS and not policy.can(request.user, "manage_record", pupil):
            raise PermissionDenied
        try:
            services.set_flag(pupil, **form.cleaned_data, by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Flag saved.")
            return redirect("pupils:record", pupil_uuid=pupil.uuid)
    periods = pupil.flag_periods.select_related("recorded_by").order_by("flag", "-starts_on")
    record_access(request, pupil, action="view_flags")
    return render(request, "pupils/flags.html", {"form": form, "pupil": pupil, "periods": periods})


@tenant_required
def photo(request: TenantRequest, pupil_uuid: str) -> HttpResponseBase:
    """The pupil's photo, shown inline on their record and passport, to those who may open the record."""
    pupil = get_visible_or_404(request, Pupil.objects.select_related("school", "photo"), "view", uuid=pupil_uuid)
    if pupil.photo is None or not pupil.school.pupil_photos:
        raise Http404("No photo")
    record_access(request, pupil, action="view_photo")
    return FileResponse(pupil.photo.file.open("rb"), content_type=pupil.photo.content_type)


@require_POST
@tenant_required
def document_remove(request: TenantRequest, pupil_uuid: str, file_uuid: str) -> HttpResponse:
    """Take a document off the record: recorded (who, when, why) and no longer served; the file row stays."""
    pupil = get_visible_or_404(request, Pupil.objects.select_related("school"), "view", uuid=pupil_uuid)
    require(request, "manage_record", pupil)
    stored = StoredFile.objects.filter(
        uuid=file_uuid, owner_type__app_label="pupils", owner_type__model="pupil", owner_id=str(pupil.pk)
    ).first()
    if stored is None:
        raise Http404("No such document")
    try:
        remove_stored_file(stored, request.user, request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{stored.original_name} removed from the record.")
    return redirect("pupils:record", pupil_uuid=pupil.uuid)
