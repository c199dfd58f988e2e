"""A PEP as a document: rendered by a worker as the requester may see it, for the meeting and for the Virtual
School; and as structured data (JSON) that a Virtual School's system can load (no Virtual School API exists)."""

from __future__ import annotations

from typing import Any

from reviews.pep import selectors
from reviews.pep.models import Pep
from send import policy
from send.pdf import NoLongerVisible, PdfJob, render_pdf

PEP_DOCUMENT = "pep"


def pep_context(pep: Pep) -> dict[str, Any]:
    return {"pep": pep, "pupil": pep.pupil, "school": pep.pupil.school, **selectors.pep_detail(pep)}


def render_pep_document(job: PdfJob) -> bytes:
    """Raises NoLongerVisible when the requester can no longer see the PEP."""
    if job.kind != PEP_DOCUMENT:
        raise ValueError(f"No PEP document of kind {job.kind!r}")
    pep = (
        policy.visible(job.requested_by, Pep.objects.select_related("pupil__school", "virtual_school", "term"))
        .filter(uuid=job.subject_id)
        .first()
    )
    if pep is None:
        raise NoLongerVisible(job.subject_id)
    return render_pdf("reviews/pdf/pep.html", {"title": job.title, **pep_context(pep)})
