"""Celery finds each app's `tasks` module: the reviews app's tasks live in its sub-packages (task names are explicit
strings, so moving them changed none)."""

from reviews.apdr.tasks import render_plan_pdf, scan_plan_reviews, scan_trust
from reviews.deadlines.tasks import scan_statutory_deadlines, scan_statutory_trust, send_digests
from reviews.ehc.tasks import render_ehc_pdf
from reviews.pep.tasks import render_pep_pdf

__all__ = [
    "render_ehc_pdf",
    "render_pep_pdf",
    "render_plan_pdf",
    "scan_plan_reviews",
    "scan_statutory_deadlines",
    "scan_statutory_trust",
    "scan_trust",
    "send_digests",
]
