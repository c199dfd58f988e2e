from django.urls import path

from schools import api_client_views, switch_views, views

app_name = "schools"

urlpatterns = [
    path("", views.admin_home, name="admin_home"),
    path("schools/new/", views.school_create, name="school_create"),
    path("schools/<uuid:school_uuid>/", views.school_edit, name="school_edit"),
    path("schools/<uuid:school_uuid>/terms/", views.school_terms, name="school_terms"),
    path("terms/<uuid:term_uuid>/", views.term_edit, name="term_edit"),
    path("terms/<uuid:term_uuid>/delete/", views.term_delete, name="term_delete"),
    path("federations/new/", views.federation_create, name="federation_create"),
    path("years/new/", views.year_create, name="year_create"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/roles/<uuid:membership_uuid>/", views.membership_edit, name="membership_edit"),
    path("staff/roles/<uuid:membership_uuid>/delete/", views.membership_delete, name="membership_delete"),
    path(
        "staff/roles/<uuid:membership_uuid>/reset-two-factor/",
        views.membership_reset_two_factor,
        name="membership_reset_two_factor",
    ),
    path("staff/roles/<uuid:membership_uuid>/sign-out/", views.membership_sign_out, name="membership_sign_out"),
    path(
        "staff/roles/<uuid:membership_uuid>/password-link/",
        views.membership_password_link,
        name="membership_password_link",
    ),
    path("api-clients/", api_client_views.api_client_list, name="api_client_list"),
    path("api-clients/new/", api_client_views.api_client_create, name="api_client_create"),
    path("api-clients/<uuid:client_uuid>/", api_client_views.api_client_edit, name="api_client_edit"),
    path("api-clients/<uuid:client_uuid>/rotate/", api_client_views.api_client_rotate, name="api_client_rotate"),
    path("api-clients/<uuid:client_uuid>/revoke/", api_client_views.api_client_revoke, name="api_client_revoke"),
    path("mis-switches/", switch_views.mis_switch_list, name="mis_switch_list"),
    path("mis-switches/new/", switch_views.mis_switch_create, name="mis_switch_create"),
    path("mis-switches/<uuid:switch_uuid>/", switch_views.mis_switch_detail, name="mis_switch_detail"),
    path("mis-switches/<uuid:switch_uuid>/end/", switch_views.mis_switch_end, name="mis_switch_end"),
    path("mis-switches/<uuid:switch_uuid>/dry-run/", switch_views.mis_switch_dry_run, name="mis_switch_dry_run"),
]
