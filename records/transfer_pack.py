"""The transfer pack: one PDF of the pupil's SEND record for the next school, prepared by the worker."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from provision.models import GroupMember
from pupils import passports, selectors
from records.models import Transfer
from reviews.apdr import selectors as apdr_selectors
from reviews.ehc import selectors as ehc_selectors
from reviews.ehc.models import AnnualReview
from send import policy
from send.pdf import PdfJob, render_pdf
from send.uploads import files_of


def pack_context(user: Any, transfer: Transfer) -> dict[str, Any]:
    """What the pack holds, as the requester may see it: the passport, the register history, the plans with their
    targets, the EHC plans and their reviews, provision with dates, access arrangements, the contact log's summary,
    the documents held, and the looked-after periods."""
    pupil = transfer.pupil
    ehc = ehc_selectors.ehc_of_pupil(user, pupil)
    return {
        "title": f"Transfer pack: {pupil.display_name}",
        "transfer": transfer,
        "pupil": pupil,
        "school": transfer.from_school,
        "printed": timezone.localtime(),
        "passport": passports.latest_version(pupil),
        "register_history": selectors.register_history(pupil),
        "plans": apdr_selectors.plans_of(user, pupil),
        "ehc_plans": ehc["ehc_plans"],
        "annual_reviews": list(
            policy.visible(user, AnnualReview.objects.filter(ehc_plan__pupil=pupil)).order_by("-meeting_on")
        ),
        "provision": list(
            GroupMember.objects.filter(pupil=pupil).select_related("group__intervention").order_by("-joined_on")
        ),
        "access_arrangements": list(pupil.access_arrangements.all()),
        "contact_log": list(pupil.contact_log.order_by("-happened_on")[:20]),
        "documents": list(files_of(pupil)),
        "care_periods": list(pupil.flag_periods.filter(flag__in=["lac", "plac"]).order_by("starts_on")),
    }


def render_transfer_pack(job: PdfJob) -> bytes:
    """Refused (the job fails as 'no longer visible') when the requester may no longer see the transfer."""
    transfer: Transfer = policy.visible(
        job.requested_by, Transfer.objects.select_related("pupil", "from_school", "to_school"), "view"
    ).get(uuid=job.subject_id)
    return render_pdf("records/pdf/transfer_pack.html", pack_context(job.requested_by, transfer))
