"""Celery tasks for pupils: thin wrappers that re-enter the tenant and render through send.pdf's one path."""

from __future__ import annotations

from pupils import extensions, passports, selectors
from schools.models import SchoolClass
from send.celery import tenant_task
from send.pdf import PdfJob, render_pdf, run_pdf_job


def _passports(job: PdfJob) -> bytes:
    """One pupil's passport, or a whole class's, as one PDF; only pupils the requester may still see."""
    pupils = selectors.visible_pupils(job.requested_by).select_related("school", "school_class", "photo")
    if job.kind == "class_passports":
        school_class = SchoolClass.objects.select_related("school").get(uuid=job.subject_id)
        rows = passports.class_passports(school_class, pupils)
        school = school_class.school
    else:
        pupil = pupils.get(uuid=job.subject_id)
        rows = [(pupil, passports.latest_version(pupil))]
        school = pupil.school
    # Each passport with the sections later apps add (the pupil's provision map).
    pages = [(pupil, version, extensions.passport_sections(job.requested_by, pupil)) for pupil, version in rows]
    return render_pdf("pupils/pdf/passports.html", {"rows": pages, "school": school, "title": job.title})


@tenant_task(name="pupils.render_passports_pdf", acks_late=True)
def render_passports_pdf(trust_id: int, job_id: int) -> str:
    return run_pdf_job(job_id, _passports)
