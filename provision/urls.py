from django.urls import path

from provision import group_views, views

app_name = "provision"

urlpatterns = [
    path("", views.provision_map, name="map"),
    path("graduated/", views.graduated_map, name="graduated"),
    path("impact/", views.impact, name="impact"),
    path("export.csv", views.provision_csv, name="csv"),
    path("pdf/", views.provision_pdf, name="pdf"),
    path("pupils/<uuid:pupil_uuid>/", views.pupil_costed, name="pupil_costed"),
    path("pupils/<uuid:pupil_uuid>/pdf/", views.pupil_costed_pdf, name="pupil_costed_pdf"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/new/", views.intervention_create, name="intervention_create"),
    path("catalogue/<uuid:intervention_uuid>/", views.intervention_edit, name="intervention_edit"),
    path("rates/", views.staff_rates, name="staff_rates"),
    path("rates/<uuid:rate_uuid>/", views.staff_rate_edit, name="staff_rate_edit"),
    path("groups/", group_views.groups, name="groups"),
    path("groups/new/", group_views.group_create, name="group_create"),
    path("groups/<uuid:group_uuid>/", group_views.group_detail, name="group"),
    path("groups/<uuid:group_uuid>/edit/", group_views.group_edit, name="group_edit"),
    path("groups/<uuid:group_uuid>/session/", group_views.record_session, name="session"),
    path("groups/<uuid:group_uuid>/members/<uuid:member_uuid>/", group_views.member_edit, name="member_edit"),
]
