from django.urls import include, path

from reviews.apdr import views
from reviews.deadlines import views as deadline_views
from reviews.ehc import review_views, timeliness_views
from reviews.ehc import views as ehc_views

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
    # EHC needs assessment requests
    path("pupils/<uuid:pupil_uuid>/ehc/requests/new/", ehc_views.request_new, name="ehc_request_new"),
    path("ehc/requests/<uuid:request_uuid>/", ehc_views.request_detail, name="ehc_request"),
    path("ehc/requests/<uuid:request_uuid>/edit/", ehc_views.request_edit, name="ehc_request_edit"),
    path(
        "ehc/requests/<uuid:request_uuid>/deadlines/<uuid:deadline_uuid>/exemption/",
        ehc_views.request_exemption,
        name="ehc_request_exemption",
    ),
    path("ehc/requests/<uuid:request_uuid>/pack/", ehc_views.request_pack, name="ehc_request_pack"),
    # EHC plans
    path("pupils/<uuid:pupil_uuid>/ehc/plans/new/", ehc_views.plan_new, name="ehc_plan_new"),
    path("ehc/plans/<uuid:plan_uuid>/", ehc_views.plan_detail, name="ehc_plan"),
    path("ehc/plans/<uuid:plan_uuid>/edit/", ehc_views.plan_edit, name="ehc_plan_edit"),
    path("ehc/plans/<uuid:plan_uuid>/outcomes/new/", ehc_views.outcome_edit, name="ehc_outcome_add"),
    path("ehc/plans/<uuid:plan_uuid>/outcomes/<uuid:outcome_uuid>/", ehc_views.outcome_edit, name="ehc_outcome"),
    path("ehc/plans/<uuid:plan_uuid>/provision/new/", ehc_views.provision_edit, name="ehc_provision_add"),
    path("ehc/plans/<uuid:plan_uuid>/provision/<uuid:item_uuid>/", ehc_views.provision_edit, name="ehc_provision"),
    path("ehc/plans/<uuid:plan_uuid>/amendments/new/", ehc_views.amendment_new, name="ehc_amendment_add"),
    path("ehc/plans/<uuid:plan_uuid>/cease/", ehc_views.plan_cease, name="ehc_plan_cease"),
    # Annual reviews
    path("pupils/<uuid:pupil_uuid>/ehc/reviews/new/", review_views.review_new, name="annual_review_new"),
    path("ehc/reviews/<uuid:review_uuid>/", review_views.review_detail, name="annual_review"),
    path("ehc/reviews/<uuid:review_uuid>/edit/", review_views.review_edit, name="annual_review_edit"),
    path("ehc/reviews/<uuid:review_uuid>/invitations/new/", review_views.invitation_edit, name="review_invitation_add"),
    path(
        "ehc/reviews/<uuid:review_uuid>/invitations/<uuid:invitation_uuid>/",
        review_views.invitation_edit,
        name="review_invitation",
    ),
    path("ehc/reviews/<uuid:review_uuid>/meeting/", review_views.review_meeting, name="review_meeting"),
    path("ehc/reviews/<uuid:review_uuid>/report/", review_views.review_report, name="review_report"),
    path("ehc/reviews/<uuid:review_uuid>/report-sent/", review_views.review_report_sent, name="review_report_sent"),
    path(
        "ehc/reviews/<uuid:review_uuid>/advice-circulated/",
        review_views.review_advice_circulated,
        name="review_advice_circulated",
    ),
    path("ehc/reviews/<uuid:review_uuid>/decision/", review_views.review_decision, name="review_decision"),
    path("ehc/reviews/<uuid:review_uuid>/proposals/", review_views.review_proposals, name="review_proposals"),
    path("ehc/reviews/<uuid:review_uuid>/amended-plan/", review_views.review_amended_plan, name="review_amended_plan"),
    # Deadlines: the statutory calendar, a person's reminders, their calendar feed
    path("statutory/", deadline_views.statutory_calendar, name="statutory_calendar"),
    path("statutory/la-timeliness/", timeliness_views.timeliness, name="la_timeliness"),
    path("statutory/la-timeliness.csv", timeliness_views.timeliness_export, name="la_timeliness_csv"),
    path("reminders/", deadline_views.reminders, name="reminders"),
    path("reminders/read/", deadline_views.reminders_read, name="reminders_read"),
    path("reminders/calendar-address/", deadline_views.calendar_feed_new, name="calendar_feed_new"),
    path("calendar/<str:token>.ics", deadline_views.calendar_feed, name="calendar_feed"),
    # Looked-after children: PEPs, care records, Virtual Schools (reviews.pep.urls)
    path("pep/", include("reviews.pep.urls")),
]
