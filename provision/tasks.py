"""Celery tasks for provision: PDFs of the provision map and of a pupil's costed provision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qs

from django.utils import timezone

from provision import selectors
from provision.costs import money
from pupils.models import Pupil
from schools.models import School, SchoolClass
from send import policy
from send.celery import tenant_task
from send.pdf import PdfJob, render_pdf, run_pdf_job


def _period(query: dict[str, list[str]]) -> tuple[dt.date, dt.date]:
    default = selectors.default_period(timezone.localdate())
    try:
        start = dt.date.fromisoformat(query["starts_on"][0]) if query.get("starts_on") else default[0]
        end = dt.date.fromisoformat(query["ends_on"][0]) if query.get("ends_on") else default[1]
    except ValueError:
        return default
    return (start, end) if start <= end else default


def _provision(job: PdfJob) -> bytes:
    """The provision map (with the filters it was asked with) or one pupil's costed provision, as the requester
    may see them when the worker runs."""
    user = job.requested_by
    if job.kind == "costed_provision":
        pupil: Pupil = policy.visible(user, Pupil.objects.select_related("school", "school_class"), "view").get(
            uuid=job.subject_id
        )
        lines = selectors.pupil_provision(user, pupil)
        total = money(sum((line.cost for line in lines), Decimal("0")))
        context = {"pupil": pupil, "lines": lines, "total": total, "title": job.title, "school": pupil.school}
        return render_pdf("provision/pdf/pupil_costed.html", context)
    query = parse_qs(job.subject_id)
    school = policy.visible(user, School).filter(uuid=query["school"][0]).first() if query.get("school") else None
    school_class = (
        policy.visible(user, SchoolClass).filter(uuid=query["school_class"][0]).first()
        if query.get("school_class")
        else None
    )
    result = selectors.provision_map(
        user,
        _period(query),
        school_id=school.pk if school else None,
        year_group=(query.get("year_group") or [""])[0],
        class_id=school_class.pk if school_class else None,
    )
    context = {"map": result, "rows": result.by_pupil(), "title": job.title, "school": school}
    return render_pdf("provision/pdf/map.html", context)


@tenant_task(name="provision.render_provision_pdf", acks_late=True)
def render_provision_pdf(trust_id: int, job_id: int) -> str:
    return run_pdf_job(job_id, _provision)
