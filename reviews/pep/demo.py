"""Demo PEPs for the designated teacher, relative to today: looked-after pupils of the main school from three
Virtual Schools (each with its own term dates, PEP system and sections), one PEP due soon, one overdue, one
returned with a red rating, one complete, and a previously looked-after pupil. Registered with send.demo;
idempotent (a trust with Virtual Schools is left as it is). Pupil Premium Plus part spent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from pupils.models import Pupil
from reviews.deadlines.outbox import scan_deadlines
from reviews.pep import care_services, ppp_services, services
from reviews.pep.models import VirtualSchool
from reviews.pep.ppp_models import PppRate
from schools.models import Role, School, SchoolYear
from send.dates import financial_year_bounds, financial_year_of

VIRTUAL_SCHOOLS = (
    ("Norfolk Virtual School", "Norfolk", "Welfare Call ePEP", "My hobbies and interests", 7),
    ("Suffolk Virtual School", "Suffolk", "ePEP Online (eGov)", "Careers and aspirations", 21),
    ("Essex Virtual School", "Essex", "Online PEP (The Contact Group)", "", -5),
)


def _within(year: SchoolYear, day: dt.date) -> dt.date:
    return min(max(day, year.starts_on), year.ends_on)


def seed_peps(trust: Any, main: School, users: dict[str, Any], stdout: Any) -> None:
    if VirtualSchool.objects.exists():
        return
    today = timezone.localdate()
    year = SchoolYear.objects.filter(starts_on__lte=today, ends_on__gte=today).first() or SchoolYear.objects.first()
    designated = users.get(Role.DESIGNATED_TEACHER)
    if year is None or designated is None:
        return
    candidates = Pupil.objects.filter(school=main, is_previously_looked_after=False).order_by("upn")
    cared = list(candidates.filter(is_looked_after=True)[:4])
    if len(cared) < 4:  # the demo wants four; more pupils become looked after
        more = list(candidates.filter(is_looked_after=False).order_by("-upn")[: 4 - len(cared)])
        Pupil.objects.filter(pk__in=[p.pk for p in more]).update(is_looked_after=True)
        cared += [Pupil.objects.get(pk=p.pk) for p in more]
    if not Pupil.objects.filter(school=main, is_previously_looked_after=True, is_looked_after=False).exists():
        plac = candidates.filter(is_looked_after=False).order_by("upn").first()
        if plac is not None:
            Pupil.objects.filter(pk=plac.pk).update(is_previously_looked_after=True)
    schools = []
    for name, la, system, sections, autumn_in in VIRTUAL_SCHOOLS:
        vs = care_services.save_virtual_school(
            None,
            name=name,
            local_authority=la,
            head_name=f"Head of {la} Virtual School",
            contact_email=f"virtual.school@{la.lower()}.example",
            epep_system=system,
            extra_sections=sections,
        )
        this_term = _within(year, today + dt.timedelta(days=autumn_in))
        terms = [
            care_services.save_virtual_school_term(vs, None, school_year=year, name="This term", final_date=this_term)
        ]
        next_term = _within(year, this_term + dt.timedelta(weeks=14))
        if next_term != this_term:
            terms.append(
                care_services.save_virtual_school_term(
                    vs, None, school_year=year, name="Next term", final_date=next_term
                )
            )
        schools.append((vs, terms))
    since = today - dt.timedelta(days=400)
    peps = []
    for pupil, (vs, terms) in zip(cared, [schools[0], schools[1], schools[2], schools[0]], strict=False):
        care_services.save_care_record(
            pupil,
            None,
            by=designated,
            virtual_school=vs,
            looked_after_on=since,
            social_worker="Jo Morgan",
            social_worker_contact="jo.morgan@children.example",
            carer="Foster carers",
            placement="Foster care",
        )
        pep = services.start_pep(pupil, by=designated, term=terms[0], started_on=min(today, terms[0].final_date))
        peps.append(pep)
        services.update_pep(
            pep,
            by=designated,
            child_voice="I like art and football. I want help with reading.",
            attendance_percent=92,
            attainment="Reading: working towards; maths: expected.",
        )
        services.save_target(
            pep,
            None,
            area="academic",
            wording="Read a book of their choice for 10 minutes a day",
            success_criteria="Reading log signed 4 days out of 5",
            owner="Class teacher and carers",
            review_on=today + dt.timedelta(weeks=6),
            ppp_requested=300,
        )
    if len(peps) >= 2:  # Suffolk: submitted, returned with a red rating
        pep = peps[1]
        services.transition(pep, "ready", by=designated)
        services.transition(pep, "submit", by=designated)
        services.record_verdict(
            pep,
            by=designated,
            rating="red",
            comment="The targets are not measurable.",
            outcome="returned",
            reason="Make each target SMART and say how PP+ will be spent on it.",
        )
    if len(peps) >= 4:  # Norfolk: a complete, green one
        pep = peps[3]
        services.transition(pep, "ready", by=designated)
        services.transition(pep, "submit", by=designated)
        services.record_verdict(pep, by=designated, rating="green", comment="A good PEP.", outcome="complete")
    _seed_pupil_premium_plus(designated, peps, today)
    scan_deadlines(today)  # the designated teacher's reminders, as the morning scan gives them
    if stdout is not None:
        stdout.write(f"{trust.name}: {len(cared)} looked-after pupils with PEPs from 3 Virtual Schools\n")


def _seed_pupil_premium_plus(designated: Any, peps: list[Any], today: dt.date) -> None:
    """PP+ for the first pupil, part spent on their PEP target: in this financial year, or the latest one with a
    national rate entered (rates are data: a new year's is added as a row)."""
    rated = PppRate.objects.filter(financial_year__lte=financial_year_of(today)).order_by("-financial_year").first()
    if not peps or rated is None:
        return
    year = rated.financial_year
    pep = peps[0]
    allocation = ppp_services.save_allocation(pep.pupil, financial_year=year, route="lac")
    target = pep.targets.first()
    first, last = financial_year_bounds(year)
    on = min(max(first, today - dt.timedelta(days=30)), last)
    ppp_services.add_entry(allocation, by=designated, movement="requested", on=on, amount=Decimal("600"), target=target)
    ppp_services.add_entry(allocation, by=designated, movement="released", on=on, amount=Decimal("600"), target=target)
    ppp_services.add_entry(
        allocation, by=designated, movement="spent", on=on, amount=Decimal("250"), target=target, note="Reading tutor"
    )
