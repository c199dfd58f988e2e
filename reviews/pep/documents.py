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


EXPORT_FORMAT = "send-pep/1"


def pep_export(pep: Pep) -> dict[str, Any]:
    """The PEP as structured data for a Virtual School to load into its own system (there is no Virtual School
    API to send it to: the designated teacher downloads it and uploads it there)."""
    pupil = pep.pupil
    targets = pep.targets.select_related("provision")
    return {
        "format": EXPORT_FORMAT,
        "virtual_school": {"name": pep.virtual_school.name, "local_authority": pep.virtual_school.local_authority},
        "pupil": {
            "upn": pupil.upn,
            "legal_first_name": pupil.legal_first_name,
            "legal_last_name": pupil.legal_last_name,
            "date_of_birth": pupil.date_of_birth.isoformat(),
            "year_group": pupil.year_group,
            "sen_status": pupil.sen_status,
            "school_urn": pupil.school.urn,
        },
        "term": str(pep.term) if pep.term else None,
        "state": pep.state,
        "due_on": pep.due_on.isoformat(),
        "meeting_on": pep.meeting_on.isoformat() if pep.meeting_on else None,
        "sections": {
            "child_voice": pep.child_voice,
            "carer_views": pep.carer_views,
            "social_worker_views": pep.social_worker_views,
            "attendance_percent": str(pep.attendance_percent) if pep.attendance_percent is not None else None,
            "exclusions": pep.exclusions,
            "attainment": pep.attainment,
            "sdq_score": pep.sdq_score,
            "previous_targets": pep.previous_targets,
            "transitions": pep.upcoming_transitions,
            "attendees": pep.attendees,
            "next_meeting_on": pep.next_meeting_on.isoformat() if pep.next_meeting_on else None,
        },
        "virtual_school_sections": {h: pep.extra.get(h, "") for h in pep.virtual_school.section_headings},
        "targets": [
            {
                "area": t.area,
                "target": t.wording,
                "success_criteria": t.success_criteria,
                "owner": t.owner,
                "review_on": t.review_on.isoformat(),
                "provision": t.provision.name if t.provision else None,
                "ppp_requested": str(t.ppp_requested) if t.ppp_requested is not None else None,
                "progress": t.progress or None,
            }
            for t in targets
        ],
        "rating": pep.rating or None,
        "rating_comment": pep.rating_comment,
    }
