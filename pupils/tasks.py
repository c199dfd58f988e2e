"""Celery tasks for pupils: thin wrappers that re-enter the tenant and call the PDF renderer."""

from __future__ import annotations

import logging

from pupils import extensions, passports, selectors
from pupils.models import Pupil
from schools.models import SchoolClass
from send.celery import tenant_task
from send.pdf import PdfJob, fail_job, finish_job, render_pdf

log = logging.getLogger(__name__)


@tenant_task(name="pupils.render_passports_pdf", acks_late=True)
def render_passports_pdf(trust_id: int, job_id: int) -> str:
    """One pupil's passport, or a whole class's, as one PDF; only pupils the requester may still see."""
    job = PdfJob.objects.select_related("requested_by").get(pk=job_id)
    if job.state != PdfJob.State.PENDING:
        return job.state  # a redelivered task after success: nothing to do
    try:
        pupils = selectors.visible_pupils(job.requested_by).select_related("school", "school_class", "photo")
        if job.kind == "class_passports":
            school_class = SchoolClass.objects.select_related("school").get(uuid=job.subject_id)
            rows = passports.class_passports(school_class, pupils)
            school = school_class.school
        else:
            pupil = pupils.get(uuid=job.subject_id)
            rows = [(pupil, passports.latest_version(pupil))]
            school = pupil.school
        # Each passport with the sections later apps add (the pupil's provision map), for all pupils at once.
        sections = extensions.passport_sections_for(job.requested_by, [pupil for pupil, _ in rows])
        pages = [(pupil, version, sections[pupil.pk]) for pupil, version in rows]
        pdf = render_pdf("pupils/pdf/passports.html", {"rows": pages, "school": school, "title": job.title})
    except (Pupil.DoesNotExist, SchoolClass.DoesNotExist):
        fail_job(job, "You can no longer see this pupil or class.")
        return job.state
    except Exception:
        log.exception("Rendering PDF job %s failed", job.pk)
        fail_job(job, "The document could not be prepared. Try again; if it fails again, tell your administrator.")
        raise
    finish_job(job, pdf)
    return job.state
