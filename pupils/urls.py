from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import RedirectView

from pupils import passport_views, switch_views, views

app_name = "pupils"

urlpatterns = [
    path("", views.register, name="register"),
    # moved to reports/: the old address (and name) still leads there
    path("summary/", login_required(RedirectView.as_view(pattern_name="reports:summary")), name="summary"),
    path("export.csv", views.register_csv, name="register_csv"),
    path("new/", views.pupil_create, name="create"),
    path("not-matched/", switch_views.not_matched, name="not_matched"),
    path("<uuid:pupil_uuid>/", views.pupil_record, name="record"),
    path("<uuid:pupil_uuid>/edit/", views.pupil_edit, name="edit"),
    path("<uuid:pupil_uuid>/flags/", views.flags, name="flags"),
    path("<uuid:pupil_uuid>/photo/", views.photo, name="photo"),
    path("<uuid:pupil_uuid>/add/<slug:section>/", views.record_add, name="record_add"),
    path("<uuid:pupil_uuid>/register/", views.register_entry, name="register_entry"),
    path("<uuid:pupil_uuid>/documents/<uuid:file_uuid>/remove/", views.document_remove, name="document_remove"),
    path("<uuid:pupil_uuid>/passport/edit/", passport_views.passport_edit, name="passport_edit"),
    path("<uuid:pupil_uuid>/passport/versions/", passport_views.passport_versions, name="passport_versions"),
    path("<uuid:pupil_uuid>/passport/review/", passport_views.passport_review, name="passport_review"),
    path("<uuid:pupil_uuid>/passport/pdf/", passport_views.passport_pdf, name="passport_pdf"),
    path("classes/", passport_views.my_classes, name="my_classes"),
    path("classes/<uuid:class_uuid>/passports/pdf/", passport_views.class_passports_pdf, name="class_passports_pdf"),
    path("classes/<uuid:class_uuid>/passports/", passport_views.class_passports, name="class_passports"),
]
