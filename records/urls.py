from django.urls import path

from records import views

app_name = "records"

urlpatterns = [
    path("ctf/import/", views.ctf_upload, name="ctf_upload"),
    path("ctf/imports/", views.ctf_imports, name="ctf_imports"),
    path("ctf/imports/<uuid:import_uuid>/", views.ctf_import_detail, name="ctf_import"),
    path("pupils/<uuid:pupil_uuid>/ctf/", views.ctf_export, name="ctf_export"),
]
