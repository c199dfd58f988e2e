"""Benchmark: the school provision map for 400 pupils in 60 groups in a term (the issue's measure).

Builds (once) a separate trust `bench-provision` in the development database, ANALYZEs it, then times the
provision map, the graduated map, the impact page and the CSV through Django's test client as a verified SENCO,
each beside the bare SQL that reads the same rows (see `send.bench`).
Run it with `make bench` (or `python manage.py bench_provision --pupils 400 --groups 60 --repeat 5`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse

from provision import services
from provision.models import GroupMember, GroupStaff, Intervention, InterventionGroup, StaffRate
from pupils.models import Pupil, SenStatus
from pupils.upn import make_upn
from schools.models import InsetDay, Membership, Role, School, SchoolClass, SchoolYear, Term, Trust, User
from send import bench
from send.tenancy import tenant_context

TERM = (dt.date(2026, 9, 2), dt.date(2026, 10, 23))

# The bare SQL of a map: the schools and classes of the filters, the groups in the period with their
# intervention, their members with each pupil and class, and the years, terms, INSET days and staff rates their
# costs come from.
MAP_SQL = (
    "SELECT id, uuid, name FROM schools_school WHERE id = ANY(%(schools)s) ORDER BY name",
    "SELECT c.id, c.uuid, c.name, s.name FROM schools_schoolclass c JOIN schools_school s ON s.id = c.school_id "
    "WHERE c.school_id = ANY(%(schools)s) ORDER BY s.name, c.name",
    "SELECT g.id, g.uuid, g.name, g.school_id, g.staff_role, g.sessions_per_week, g.session_minutes, g.starts_on, "
    "g.ends_on, g.funding_source, g.resources_cost_per_pupil, i.id, i.name, i.wave, i.need_areas, s.name "
    "FROM provision_interventiongroup g JOIN provision_intervention i ON i.id = g.intervention_id "
    "JOIN schools_school s ON s.id = g.school_id WHERE g.school_id = ANY(%(schools)s) "
    "AND g.starts_on <= %(ends)s AND g.ends_on >= %(starts)s ORDER BY s.name, i.name, g.name",
    "SELECT m.id, m.group_id, m.joined_on, m.left_on, m.entry_score, m.exit_score, p.id, p.uuid, "
    "p.legal_first_name, p.legal_last_name, p.preferred_first_name, p.preferred_last_name, p.year_group, "
    "p.sen_status, c.name FROM provision_groupmember m JOIN pupils_pupil p ON p.id = m.pupil_id "
    "LEFT JOIN schools_schoolclass c ON c.id = p.school_class_id WHERE m.group_id IN ("
    " SELECT id FROM provision_interventiongroup WHERE school_id = ANY(%(schools)s) "
    " AND starts_on <= %(ends)s AND ends_on >= %(starts)s)",
    "SELECT id, name, starts_on, ends_on FROM schools_schoolyear ORDER BY starts_on",
    "SELECT school_id, school_year_id, starts_on, ends_on FROM schools_term WHERE school_id = ANY(%(schools)s) "
    "ORDER BY starts_on",
    "SELECT school_id, date FROM schools_insetday WHERE school_id = ANY(%(schools)s)",
    "SELECT school_id, school_year_id, role_name, hourly_rate FROM provision_staffrate "
    "WHERE school_id = ANY(%(schools)s)",
)


class Command(BaseCommand):
    help = "Time the school provision map at N pupils in M groups in a term, beside its bare SQL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", type=int, default=400)
        parser.add_argument("--groups", type=int, default=60)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off")

    def handle(self, *args: Any, pupils: int, groups: int, repeat: int, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("This builds a benchmark trust: run it on a development database (DEBUG=1).")
        senco, trust, school = self.build(pupils, groups)
        analysed = bench.analyze(
            [
                InterventionGroup,
                GroupMember,
                GroupStaff,
                Intervention,
                Pupil,
                SchoolClass,
                School,
                Term,
                SchoolYear,
                InsetDay,
                StaffRate,
                User,
                Membership,
            ]
        )
        client = bench.verified_client(senco)
        period = {"starts_on": TERM[0].isoformat(), "ends_on": TERM[1].isoformat()}
        params = {"schools": [school.pk], "starts": TERM[0], "ends": TERM[1]}
        statements = [(statement, params) for statement in MAP_SQL]
        rows = []
        with tenant_context(trust.pk):
            for label, url in (
                ("provision map", reverse("provision:map")),
                ("graduated map", reverse("provision:graduated")),
                ("impact", reverse("provision:impact")),
                ("provision CSV", reverse("provision:csv")),
            ):
                bench.refresh_step_up(client)
                row = bench.measure(
                    f"{label}, {pupils:,} pupils in {groups} groups",
                    partial(bench.request_once, client, "get", url, period),
                    statements,
                    repeat,
                    signin=bench.signin_statements(client),
                )
                row.note = f"{row.page.size / 1024:.0f} KiB; {row.note}"
                rows.append(row)
        for line in bench.table(f"Provision maps, one term ({analysed}; median of {repeat})", rows):
            self.stdout.write(line)

    def build(self, pupils: int, groups: int) -> tuple[User, Trust, School]:
        trust, _ = Trust.objects.get_or_create(slug="bench-provision", defaults={"name": "Provision Benchmark Trust"})
        senco, _ = User.objects.get_or_create(
            email="senco@bench-provision.example", defaults={"full_name": "Bench SENCO"}
        )
        ta, _ = User.objects.get_or_create(email="ta@bench-provision.example", defaults={"full_name": "Bench TA"})
        with tenant_context(trust.pk), transaction.atomic():
            school, _ = School.objects.get_or_create(
                urn="199997",
                defaults={
                    "name": "Provision Bench Primary",
                    "la_code": "926",
                    "establishment_number": "4997",
                    "phase": "primary",
                },
            )
            Membership.objects.get_or_create(user=senco, role=Role.SENCO, school=school)
            Membership.objects.get_or_create(user=ta, role=Role.TEACHING_ASSISTANT, school=school)
            if (
                InterventionGroup.objects.filter(school=school).count() == groups
                and Pupil.objects.filter(school=school).count() == pupils
            ):
                return senco, trust, school
            InterventionGroup.objects.filter(school=school).delete()
            Pupil.objects.filter(school=school).delete()
            year, _ = SchoolYear.objects.get_or_create(
                name="2026-27", defaults={"starts_on": "2026-09-01", "ends_on": "2027-08-31"}
            )
            Term.objects.get_or_create(
                school=school, school_year=year, starts_on=TERM[0], defaults={"name": "Autumn 1", "ends_on": TERM[1]}
            )
            if not StaffRate.objects.filter(school=school).exists():
                services.save_staff_rate(
                    None, school=school, school_year=year, role_name="Teaching assistant", hourly_rate=Decimal("15.20")
                )
            intervention = Intervention.objects.filter(school=school).first() or (
                services.save_intervention(
                    None,
                    school=school,
                    name=f"Bench intervention {school.pk}",
                    need_areas=["cl", "ci"],
                    wave="targeted",
                    description="",
                    evidence_base="",
                    sessions_per_week=3,
                    session_minutes=30,
                    weeks=6,
                    group_size=6,
                    staffing="Teaching assistant",
                    resources="",
                    resources_cost_per_pupil=Decimal("8.50"),
                    measure="standardised",
                    measure_label="",
                )
            )
            created = Pupil.objects.bulk_create(
                [
                    Pupil(
                        trust_id=trust.pk,
                        school=school,
                        legal_first_name=f"Pupil{i}",
                        legal_last_name="Bench",
                        date_of_birth=dt.date(2017, 1, 1),
                        gender="FMX"[i % 3],
                        year_group=str(1 + i % 6),
                        upn=make_upn("926", "4997", 10 + i // 1000, i % 1000),
                        sen_status=SenStatus.SEN_SUPPORT,
                    )
                    for i in range(pupils)
                ]
            )
            per_group = max(1, len(created) // groups)
            for index in range(groups):
                group = services.save_group(
                    None,
                    school=school,
                    intervention=intervention,
                    staff=[ta],
                    name=f"Group {index}",
                    staff_role="Teaching assistant",
                    sessions_per_week=3,
                    session_minutes=30,
                    timetable="",
                    starts_on=dt.date(2026, 9, 7),
                    ends_on=dt.date(2026, 10, 16),
                    funding_source="notional",
                    resources_cost_per_pupil=Decimal("8.50"),
                )
                for pupil in created[
                    index * per_group : (index + 1) * per_group + (1 if index < pupils % groups else 0)
                ]:
                    services.add_member(
                        group,
                        pupil=pupil,
                        joined_on=dt.date(2026, 9, 7),
                        entry_score=Decimal(85),
                        entry_on=dt.date(2026, 9, 7),
                    )
        return senco, trust, school
