"""What the PEP tests share: a trust's Virtual Schools with their terms, and a looked-after pupil with a PEP."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from reviews.pep import care_services, services
from reviews.pep.models import CareRecord, Pep, PepTarget, VirtualSchool, VirtualSchoolTerm
from send.tenancy import tenant_context


@dataclass
class PepWorld:
    norfolk: VirtualSchool
    suffolk: VirtualSchool
    terms: list[VirtualSchoolTerm]  # Norfolk's 2026-27: Autumn 4 Dec, Spring 19 Mar, Summer 9 Jul
    record: CareRecord
    pep: Pep  # the Autumn PEP of the looked-after pupil, in progress, with one target
    target: PepTarget


def add_pep(world: Any) -> PepWorld:
    """Two Virtual Schools; the world's looked-after pupil in Norfolk's care since 1 Sep 2025."""
    dt_user = world.users["dt"]
    with tenant_context(world.trust.pk):
        norfolk = care_services.save_virtual_school(
            None,
            name="Norfolk Virtual School",
            local_authority="Norfolk",
            epep_system="Welfare Call ePEP",
            extra_sections="My hobbies\nCareers",
        )
        suffolk = care_services.save_virtual_school(None, name="Suffolk Virtual School", local_authority="Suffolk")
        terms = [
            care_services.save_virtual_school_term(norfolk, None, school_year=world.year, name=name, final_date=day)
            for name, day in (
                ("Autumn", dt.date(2026, 12, 4)),
                ("Spring", dt.date(2027, 3, 19)),
                ("Summer", dt.date(2027, 7, 9)),
            )
        ]
        record = care_services.save_care_record(
            world.looked_after,
            None,
            by=dt_user,
            virtual_school=norfolk,
            looked_after_on=dt.date(2025, 9, 1),
            social_worker="Sam Social",
            carer="Foster carer: Ms Carer",
            placement="Foster care",
        )
        pep = services.start_pep(world.looked_after, by=dt_user, term=terms[0], started_on=dt.date(2025, 9, 5))
        pep = services.update_pep(pep, by=dt_user, child_voice="I like maths and football.")
        target = services.save_target(
            pep,
            None,
            area="academic",
            wording="Know the 6, 7 and 8 times tables",
            success_criteria="20 out of 20 on the weekly check",
            owner="Class teacher",
            review_on=dt.date(2027, 2, 12),
        )
    return PepWorld(norfolk, suffolk, terms, record, pep, target)
