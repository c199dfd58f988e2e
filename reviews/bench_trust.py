"""The benchmark trust of `bench_deadlines`: 20 schools, their EHC plans, annual reviews with invitations, and SEN
support plans, dated relative to today and written through the services (only what differs from the last run)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from pupils.models import Pupil, SenStatus
from pupils.upn import make_upn
from reviews import statutory
from reviews.apdr.models import Plan, PlanState, PlanTransition
from reviews.ehc import review_services
from reviews.ehc import services as ehc_services
from reviews.ehc.deadlines import sync_review_deadlines
from reviews.ehc.models import AnnualReview, EhcPlan, ReviewInvitation, ReviewState
from schools.models import (
    ClassStaff,
    ClassStaffRole,
    Membership,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    Term,
    Trust,
    User,
)
from send.tenancy import tenant_context

SLUG = "bench-deadlines"
DOMAIN = "bench-deadlines.example"
LA_CODE = "926"
LOCAL_AUTHORITY = "Bench County Council"
EHC_UPN_YEAR, SUPPORT_UPN_YEAR = 10, 50  # UPN "year" digits: EHC pupils 10-49, SEN support pupils 50-89
# Half terms of an academic year starting in September: (name, (month, day) first day, (month, day) last day).
HALF_TERMS = (
    ("Autumn 1", (9, 3), (10, 23)),
    ("Autumn 2", (11, 2), (12, 18)),
    ("Spring 1", (1, 5), (2, 13)),
    ("Spring 2", (2, 23), (3, 27)),
    ("Summer 1", (4, 13), (5, 22)),
    ("Summer 2", (6, 1), (7, 21)),
)
DAY = dt.timedelta(days=1)
SCANNED_STATES = (PlanState.ACTIVE, PlanState.DUE)


@dataclass(frozen=True)
class InvitationSpec:
    party: str
    name: str
    invited_on: dt.date
    advice_due_on: dt.date | None
    response_on: dt.date | None


@dataclass(frozen=True)
class EhcSpec:
    issued_on: dt.date
    transfer_year: int | None
    post16: bool
    meeting_on: dt.date | None
    is_phase_transfer: bool
    invitations: tuple[InvitationSpec, ...]


def first_transfer_year(today: dt.date) -> int:
    """The September of the next phase transfer still to come."""
    return today.year + (1 if today >= dt.date(today.year, 9, 1) else 0)


def ehc_spec(k: int, count: int, today: dt.date) -> EhcSpec:
    """EHC plan k of `count`, as of `today`. Issued between 13 months ago and today, so that its review falls
    anywhere from a month overdue to a year ahead (every warning window); every 4th has a phase transfer (every 12th
    into post-16); those due from a month ago to 10 weeks ahead have a review scheduled 2 weeks before it is due,
    and two thirds of those whose invitations should have gone have them, with advice asked for."""
    issued = today - DAY * (k * 395 // max(count, 1))
    transfer = first_transfer_year(today) + (k // 4) % 2 if k % 4 == 0 else None
    review_by = statutory.annual_review_deadlines(issued)["review_by"].date
    meeting = review_by - 14 * DAY if -31 <= (review_by - today).days <= 70 else None
    invitations: tuple[InvitationSpec, ...] = ()
    if meeting is not None and k % 3 and meeting - 21 * DAY <= today:
        invited, advice = meeting - 21 * DAY, meeting - 7 * DAY
        invitations = (
            InvitationSpec("parent", "Parent or carer", invited, None, None),
            InvitationSpec(
                "ep",
                "Educational psychology service",
                invited,
                advice,
                advice if advice <= today and k % 2 == 0 else None,
            ),
        )
        if k % 3 == 1:
            invitations += (InvitationSpec("health", "School nursing team", invited, meeting - 10 * DAY, None),)
    return EhcSpec(
        issued_on=issued,
        transfer_year=transfer,
        post16=transfer is not None and k % 12 == 0,
        meeting_on=meeting,
        is_phase_transfer=meeting is not None and transfer == first_transfer_year(today),
        invitations=invitations,
    )


def support_dates(j: int, count: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """SEN support plan j of `count`: (starts on, review on), reviews spread from a week ago to 6 weeks ahead."""
    review_on = today + DAY * (-7 + j * 49 // max(count, 1))
    return review_on - 12 * 7 * DAY, review_on


def upn(school: School, year: int, n: int) -> str:
    return make_upn(LA_CODE, school.establishment_number, year + n // 1000, n % 1000)


@dataclass
class Staff:
    senco: User
    assistant: User
    teacher: User


class BenchTrustBuilder:
    """Builds or moves on the benchmark trust; `say` prints progress (the command's stdout)."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say

    def build(self, school_count: int, ehc_count: int, support_count: int, today: dt.date) -> Trust:
        """Make the trust hold what the arguments ask for, as of today; only what differs is written."""
        trust, _ = Trust.objects.get_or_create(slug=SLUG, defaults={"name": "Deadline Benchmark Trust"})
        staff = [
            Staff(
                *(
                    User.objects.get_or_create(
                        email=f"{role}{s}@{DOMAIN}", defaults={"full_name": f"Bench {label} {s}"}
                    )[0]
                    for role, label in (("senco", "SENCO"), ("assistant", "Assistant SENCO"), ("teacher", "Teacher"))
                )
            )
            for s in range(school_count)
        ]
        with tenant_context(trust.pk), transaction.atomic():
            years = self.build_years(today)
            schools, classes = self.build_schools(school_count, staff, years, today)
            ehc_pupils, support_pupils = self.build_pupils(schools, classes, ehc_count, support_count)
            self.build_ehc_plans(ehc_pupils, staff, schools, today)
            self.build_support_plans(support_pupils, staff, schools, today)
        return trust

    def build_years(self, today: dt.date) -> list[SchoolYear]:
        """The academic years from last year to next year (phase transfer meetings fall in them)."""
        current = today.year if today.month >= 9 else today.year - 1
        years = []
        for start in range(current - 1, current + 2):
            year, _ = SchoolYear.objects.get_or_create(
                name=f"{start}-{(start + 1) % 100:02d}",
                defaults={"starts_on": dt.date(start, 9, 1), "ends_on": dt.date(start + 1, 8, 31)},
            )
            years.append(year)
        return years

    def build_schools(
        self, count: int, staff: list[Staff], years: list[SchoolYear], today: dt.date
    ) -> tuple[list[School], list[SchoolClass]]:
        schools, classes = [], []
        current = next(y for y in years if y.starts_on <= today <= y.ends_on)
        for s in range(count):
            school, _ = School.objects.get_or_create(
                urn=f"{198000 + s:06d}",
                defaults={
                    "name": f"Deadline Bench School {s + 1}",
                    "la_code": LA_CODE,
                    "establishment_number": f"{7000 + s:04d}",
                    "phase": "primary" if s % 2 else "secondary",
                },
            )
            people = staff[s]
            for user, role in (
                (people.senco, Role.SENCO),
                (people.assistant, Role.ASSISTANT_SENCO),
                (people.teacher, Role.CLASS_TEACHER),
            ):
                Membership.objects.get_or_create(user=user, role=role, school=school)
            school_class, _ = SchoolClass.objects.get_or_create(
                school=school, school_year=current, name="Bench class", defaults={"year_group": "6"}
            )
            ClassStaff.objects.get_or_create(
                school_class=school_class, user=people.teacher, role=ClassStaffRole.TEACHER
            )
            schools.append(school)
            classes.append(school_class)
        existing = set(Term.objects.filter(school__in=schools).values_list("school_id", "starts_on"))
        terms = []
        for school in schools:
            for year in years:
                start = year.starts_on.year
                for name, (m1, d1), (m2, d2) in HALF_TERMS:
                    first = dt.date(start if m1 >= 9 else start + 1, m1, d1)
                    last = dt.date(start if m2 >= 9 else start + 1, m2, d2)
                    if (school.pk, first) not in existing:
                        terms.append(
                            Term(
                                trust_id=school.trust_id,
                                school=school,
                                school_year=year,
                                name=name,
                                starts_on=first,
                                ends_on=last,
                            )
                        )
        Term.objects.bulk_create(terms)
        self.say(
            f"{count} schools, each with a SENCO, an assistant SENCO and a class teacher ({len(terms)} new terms)."
        )
        return schools, classes

    def build_pupils(
        self, schools: list[School], classes: list[SchoolClass], ehc_count: int, support_count: int
    ) -> tuple[list[Pupil], list[Pupil]]:
        """Pupil k of each kind is at school k mod the number of schools; EHC and SEN support pupils are apart."""
        count = len(schools)
        wanted: dict[str, tuple[int, str, int]] = {}  # UPN: (school index, kind, k)
        for kind, total, year in (("ehc", ehc_count, EHC_UPN_YEAR), ("support", support_count, SUPPORT_UPN_YEAR)):
            for k in range(total):
                wanted[upn(schools[k % count], year, k // count)] = (k % count, kind, k)
        existing = {p.upn: p for p in Pupil.objects.filter(upn__in=list(wanted))}
        new = []
        for number, (s, kind, k) in wanted.items():
            if number not in existing:
                new.append(
                    Pupil(
                        trust_id=schools[s].trust_id,
                        school=schools[s],
                        school_class=classes[s],
                        legal_first_name=f"{'Ehc' if kind == 'ehc' else 'Support'}{k}",
                        legal_last_name="Bench",
                        date_of_birth=dt.date(2015, 1, 1) + DAY * (k % 365),
                        gender="FMX"[k % 3],
                        year_group="6",
                        upn=number,
                        sen_status=SenStatus.EHC_PLAN if kind == "ehc" else SenStatus.SEN_SUPPORT,
                    )
                )
        for pupil in Pupil.objects.bulk_create(new, batch_size=1000):
            existing[pupil.upn] = pupil
        ehc: list[Pupil | None] = [None] * ehc_count
        support: list[Pupil | None] = [None] * support_count
        for number, (_, kind, k) in wanted.items():
            (ehc if kind == "ehc" else support)[k] = existing[number]
        self.say(f"{ehc_count + support_count} pupils ({len(new)} new).")
        return [p for p in ehc if p is not None], [p for p in support if p is not None]

    def build_ehc_plans(self, pupils: list[Pupil], staff: list[Staff], schools: list[School], today: dt.date) -> None:
        """Through the services, so that the deadline table is what they make of each plan, review and invitation."""
        count = len(pupils)
        senco_of = {school.pk: staff[s].senco for s, school in enumerate(schools)}
        plans = {p.pupil_id: p for p in EhcPlan.objects.filter(ceased_on__isnull=True)}
        reviews = {r.ehc_plan_id: r for r in AnnualReview.objects.exclude(state=ReviewState.CLOSED)}
        invitations: dict[int, dict[str, ReviewInvitation]] = {}
        for invitation in ReviewInvitation.objects.filter(review__in=list(reviews.values())):
            invitations.setdefault(invitation.review_id, {})[invitation.name] = invitation
        written = 0
        for k, pupil in enumerate(pupils):
            spec = ehc_spec(k, count, today)
            senco = senco_of[pupil.school_id]
            fields: dict[str, Any] = {
                "issued_on": spec.issued_on,
                "phase_transfer_year": spec.transfer_year,
                "post16_transfer": spec.post16,
            }
            plan = plans.pop(pupil.pk, None)
            if plan is None:
                plan = ehc_services.save_plan(
                    pupil, None, by=senco, local_authority=LOCAL_AUTHORITY, review_every_months=12, **fields
                )
                written += 1
            elif any(getattr(plan, name) != value for name, value in fields.items()):
                plan = ehc_services.save_plan(pupil, plan, by=senco, **fields)
                written += 1
            if spec.meeting_on is None and plan.pk in reviews:
                # Only after a build at another size: no service undoes a review, and its deadlines go with it.
                reviews.pop(plan.pk).delete()
                written += 1
            if spec.meeting_on is not None:
                review = reviews.get(plan.pk)
                existing = invitations.get(review.pk, {}) if review is not None else {}
                if review is None:
                    review = review_services.schedule_annual_review(
                        pupil, meeting_on=spec.meeting_on, is_phase_transfer=spec.is_phase_transfer, by=senco
                    )
                    written += 1
                elif (review.meeting_on, review.is_phase_transfer) != (spec.meeting_on, spec.is_phase_transfer):
                    # Invitations go before the meeting: move them first when the meeting moves earlier.
                    if spec.meeting_on < review.meeting_on:
                        written += self.build_invitations(review, spec, existing)
                    review = review_services.reschedule_review(
                        review, meeting_on=spec.meeting_on, is_phase_transfer=spec.is_phase_transfer
                    )
                    written += 1
                written += self.build_invitations(review, spec, existing)
            if (k + 1) % 100 == 0 or k + 1 == count:
                self.say(f"  EHC plans: {k + 1} of {count} ({written} writes through the services)")
        # Plans of pupils no longer in the benchmark (it was built larger) cease: their deadlines are cancelled.
        for plan in plans.values():
            ehc_services.cease_plan(plan, ceased_on=today, reason="No longer part of the benchmark at this size.")
        if plans:
            self.say(f"  {len(plans)} EHC plans beyond --ehc-plans ceased.")

    @staticmethod
    def build_invitations(review: AnnualReview, spec: EhcSpec, existing: dict[str, ReviewInvitation]) -> int:
        written = 0
        for want in spec.invitations:
            row = existing.get(want.name)
            if row is not None and (row.party, row.invited_on, row.advice_due_on, row.response_on) == (
                want.party,
                want.invited_on,
                want.advice_due_on,
                want.response_on,
            ):
                continue
            existing[want.name] = review_services.save_invitation(
                review,
                row,
                party=want.party,
                name=want.name,
                email="",
                invited_on=want.invited_on,
                advice_due_on=want.advice_due_on,
                response_on=want.response_on,
                response="Advice received." if want.response_on else "",
            )
            written += 1
        unwanted = [name for name in existing if name not in {want.name for want in spec.invitations}]
        if unwanted:  # only after a build at another size: no service undoes an invitation
            for name in unwanted:
                existing.pop(name).delete()
            sync_review_deadlines(review)
            written += 1
        return written

    def build_support_plans(
        self, pupils: list[Pupil], staff: list[Staff], schools: list[School], today: dt.date
    ) -> None:
        """Active SEN support plans written directly (they have no statutory deadlines), signed off by the SENCO."""
        count = len(pupils)
        people = {school.pk: staff[s] for s, school in enumerate(schools)}
        open_plans = {p.pupil_id: p for p in Plan.objects.exclude(state=PlanState.REVIEWED)}
        cycles = dict(Plan.objects.values_list("pupil_id").annotate(last=Max("cycle")).values_list("pupil_id", "last"))
        new, changed = [], []
        for j, pupil in enumerate(pupils):
            starts_on, review_on = support_dates(j, count, today)
            plan = open_plans.pop(pupil.pk, None)
            if plan is None:
                new.append(
                    Plan(
                        trust_id=pupil.trust_id,
                        pupil=pupil,
                        cycle=cycles.get(pupil.pk, 0) + 1,
                        state=PlanState.ACTIVE,
                        starts_on=starts_on,
                        review_on=review_on,
                        strategies="Now-and-next board\nInstructions one step at a time",
                        written_by=people[pupil.school_id].teacher,
                    )
                )
            elif (plan.starts_on, plan.review_on) != (starts_on, review_on) or plan.state not in SCANNED_STATES:
                # A plan the last scan made due stays so: the reset before each repeat makes it active again.
                plan.starts_on, plan.review_on = starts_on, review_on
                plan.state = plan.state if plan.state in SCANNED_STATES else PlanState.ACTIVE
                plan.updated_at = timezone.now()
                changed.append(plan)
        Plan.objects.bulk_create(new, batch_size=1000)
        PlanTransition.objects.bulk_create(
            [
                PlanTransition(
                    plan=plan,
                    trust_id=plan.trust_id,
                    action="sign_off",
                    from_state=PlanState.DRAFT,
                    to_state=PlanState.ACTIVE,
                    by=people[plan.pupil.school_id].senco,
                    comment="Benchmark plan",
                )
                for plan in new
            ],
            batch_size=1000,
        )
        Plan.objects.bulk_update(changed, ["starts_on", "review_on", "state", "updated_at"], batch_size=500)
        # Plans of pupils no longer in the benchmark are closed, so that the scan no longer sees them.
        extra = Plan.objects.filter(pk__in=[p.pk for p in open_plans.values()])
        extra.update(state=PlanState.REVIEWED, reviewed_on=today, updated_at=timezone.now())
        self.say(
            f"{count} active SEN support plans ({len(new)} new, {len(changed)} moved to today's dates"
            f"{f', {len(open_plans)} beyond --support-plans closed' if open_plans else ''})."
        )
