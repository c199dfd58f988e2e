from django.urls import path

from records import access_views, retention_views, transfer_views, views

app_name = "records"

urlpatterns = [
    path("ctf/import/", views.ctf_upload, name="ctf_upload"),
    path("ctf/imports/", views.ctf_imports, name="ctf_imports"),
    path("ctf/imports/<uuid:import_uuid>/", views.ctf_import_detail, name="ctf_import"),
    path("pupils/<uuid:pupil_uuid>/ctf/", views.ctf_export, name="ctf_export"),
    path("pupils/<uuid:pupil_uuid>/leave/", transfer_views.leave, name="leave"),
    path("transfers/<uuid:transfer_uuid>/", transfer_views.transfer, name="transfer"),
    path("transfers/<uuid:transfer_uuid>/sent/", transfer_views.transfer_sent, name="transfer_sent"),
    path("transfers/<uuid:transfer_uuid>/la-told/", transfer_views.transfer_la_told, name="transfer_la_told"),
    path("transfers/<uuid:transfer_uuid>/pack/", transfer_views.transfer_pack, name="transfer_pack"),
    path("archive/", transfer_views.archive, name="archive"),
    path("pupils/<uuid:pupil_uuid>/access-requests/new/", access_views.access_request_new, name="access_request_new"),
    path("access-requests/<uuid:access_request_uuid>/", access_views.access_request, name="access_request"),
    path(
        "access-requests/<uuid:access_request_uuid>/release/",
        access_views.access_request_release,
        name="access_request_release",
    ),
    path(
        "access-requests/<uuid:access_request_uuid>/download/",
        access_views.access_request_download,
        name="access_request_download",
    ),
    path("destruction/", retention_views.destruction, name="destruction"),
    path("destruction/<uuid:destruction_uuid>/destroy/", retention_views.destroy, name="destroy"),
    path("pupils/<uuid:pupil_uuid>/legal-hold/", retention_views.legal_hold, name="legal_hold"),
    path("legal-holds/<uuid:hold_uuid>/lift/", retention_views.lift_legal_hold, name="lift_legal_hold"),
]
