"""The composition root."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from pupils import api as pupils_api
from pupils import sen_api
from schools import account_views
from schools import api as schools_api
from schools import views as school_views
from send import views
from send.admin_site import hide_backup_codes
from send.api_errors import api_not_found, api_or_page

hide_backup_codes(admin.site)

api = SimpleRouter()
api.register("schools", schools_api.SchoolViewSet, basename="school")
api.register("staff", schools_api.StaffViewSet, basename="staff")
api.register("classes", schools_api.SchoolClassViewSet, basename="class")
api.register("pupils", pupils_api.PupilViewSet, basename="pupil")
api.register("contacts", pupils_api.ContactViewSet, basename="contact")
api.register("register", sen_api.RegisterViewSet, basename="register")
api.register("sen-changes", sen_api.SenChangeViewSet, basename="sen-change")
api.register("passports", sen_api.PassportViewSet, basename="passport")
api.register("need-types", sen_api.NeedTypeViewSet, basename="need-type")

urlpatterns = [
    path("", school_views.home, name="home"),
    path("switch/", school_views.switch, name="switch"),
    path("healthz", views.healthz, name="healthz"),
    path("files/<uuid:file_uuid>/", views.file_download, name="file_download"),
    path("documents/<uuid:job_uuid>/", views.document, name="document"),
    path("documents/<uuid:job_uuid>/download/", views.document_download, name="document_download"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/", account_views.account, name="account"),
    path("account/two-factor/setup/", account_views.mfa_setup, name="mfa_setup"),
    path("account/two-factor/", account_views.mfa_verify, name="mfa_verify"),
    path("account/two-factor/backup-codes/", account_views.new_backup_codes, name="new_backup_codes"),
    path("account/confirm/", account_views.reauthenticate, name="reauthenticate"),
    path("account/sign-out-everywhere/", account_views.sign_out_everywhere, name="sign_out_everywhere"),
    path("account/invitations/", account_views.invitations, name="invitations"),
    path("trust/", include("schools.urls")),
    path("pupils/", include("pupils.urls")),
    path("provision/", include("provision.urls")),
    path("reviews/", include("reviews.urls")),
    path("records/", include("records.urls")),
    path("reports/", include("reports.urls")),
    path("django-admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/v1/", include((api.urls, "api"))),
    re_path(r"^api/", api_not_found),
]

handler400 = api_or_page(400, "bad_request", "The request could not be understood.", defaults.bad_request)
handler403 = api_or_page(403, "permission_denied", "Not allowed.", defaults.permission_denied)
handler404 = api_or_page(404, "not_found", "There is no such API endpoint.", defaults.page_not_found)
handler500 = api_or_page(
    500, "server_error", "Something went wrong on our side; it has been logged.", defaults.server_error
)
