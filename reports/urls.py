from django.urls import path

from reports import budget_views, head_views, views, visit_views
from reports.todo import LISTS

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("summary/", views.register_summary, name="summary"),
    path("head/", head_views.head, name="head"),
    path("trust/", views.trust_report, name="trust"),
    path("budget/", budget_views.budget, name="budget"),
    path("governor-visits/", visit_views.visits, name="visits"),
    path("governor-visits/<uuid:visit_uuid>/", visit_views.visit_detail, name="visit"),
    # one address per to-do list (no argument: each is a plain page in the route sweeps)
    *(path(f"to-do/{todo.slug}/", views.todo_list, {"item": todo.slug}, name=todo.url_name) for todo in LISTS),
]
