from django.urls import path

from pupils import views

app_name = "pupils"

urlpatterns = [
    path("", views.register, name="register"),
    path("summary/", views.register_summary, name="summary"),
    path("export.csv", views.register_csv, name="register_csv"),
    path("<uuid:pupil_uuid>/", views.pupil_record, name="record"),
    path("<uuid:pupil_uuid>/register/", views.register_entry, name="register_entry"),
]
