from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("pupils/<uuid:pupil_uuid>/plans/new/", views.plan_start, name="plan_start"),
    path("plans/<uuid:plan_uuid>/", views.plan_detail, name="plan"),
    path("plans/<uuid:plan_uuid>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<uuid:plan_uuid>/targets/new/", views.target_edit, name="target_add"),
    path("plans/<uuid:plan_uuid>/targets/<uuid:target_uuid>/", views.target_edit, name="target_edit"),
    path("plans/<uuid:plan_uuid>/evidence/", views.evidence_add, name="evidence_add"),
    path("plans/<uuid:plan_uuid>/views/", views.contribution_add, name="contribution_add"),
    path("plans/<uuid:plan_uuid>/review/", views.plan_review, name="plan_review"),
    path("plans/<uuid:plan_uuid>/pdf/", views.plan_pdf, name="plan_pdf"),
    path("plans/<uuid:plan_uuid>/state/<slug:action>/", views.plan_transition, name="plan_transition"),
]
