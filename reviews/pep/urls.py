"""The PEP pages, included in the reviews namespace under `pep/`."""

from django.urls import path

from reviews.pep import care_views, ppp_views, views

urlpatterns = [
    path("", views.home, name="pep_home"),
    path("virtual-schools/", care_views.virtual_schools, name="virtual_schools"),
    path("virtual-schools/<uuid:vs_uuid>/", care_views.virtual_school, name="virtual_school"),
    path("pupils/<uuid:pupil_uuid>/", care_views.pupil_peps, name="pep_pupil"),
    path("pupils/<uuid:pupil_uuid>/care/", care_views.care_edit, name="care_edit"),
    path("pupils/<uuid:pupil_uuid>/changes/new/", care_views.care_event_new, name="care_event_new"),
    path("pupils/<uuid:pupil_uuid>/leave-care/", care_views.leave_care, name="leave_care"),
    path("pupils/<uuid:pupil_uuid>/new/", views.pep_new, name="pep_new"),
    path("pupils/<uuid:pupil_uuid>/pupil-premium-plus/", ppp_views.pupil_ppp, name="pupil_ppp"),
    path("pupil-premium-plus/", ppp_views.ppp_summary, name="ppp_summary"),
    path("pupil-premium-plus/csv/", ppp_views.ppp_csv, name="ppp_csv"),
    path("<uuid:pep_uuid>/", views.pep_detail, name="pep"),
    path("<uuid:pep_uuid>/edit/", views.pep_edit, name="pep_edit"),
    path("<uuid:pep_uuid>/targets/new/", views.target_edit, name="pep_target_add"),
    path("<uuid:pep_uuid>/targets/<uuid:pep_target_uuid>/", views.target_edit, name="pep_target"),
    path("<uuid:pep_uuid>/state/<slug:action>/", views.pep_transition, name="pep_transition"),
    path("<uuid:pep_uuid>/verdict/", views.pep_verdict, name="pep_verdict"),
    path("<uuid:pep_uuid>/pdf/", views.pep_pdf, name="pep_pdf"),
    path("<uuid:pep_uuid>/export.json", views.pep_export, name="pep_export"),
]
