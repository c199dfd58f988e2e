"""Benchmark: a class's passports as one PDF (default 30 pupils, each with a passport and provision), worker time.

Builds (once) a separate trust `bench-passports` in the development database, ANALYZEs it, then runs the
Celery task that renders the class PDF in this process (its worker time) and counts its queries, beside the bare
SQL that reads the same rows; the note says how much of the time is WeasyPrint's.
Run it with `make bench` (or `python manage.py bench_passports --pupils 30 --repeat 5`).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from provision import services
from provision.models import GroupMember, Intervention, InterventionGroup, StaffRate
from pupils import passports
from pupils.models import PassportStatus, PassportVersion, Pupil, SenStatus
from pupils.tasks import render_passports_pdf
from pupils.upn import make_upn
from schools.models import Membership, Role, School, SchoolClass, SchoolYear, Term, Trust, User
from send import bench, pdf
from send.pdf import PdfJob
from send.tenancy import tenant_context

GROUPS = 3
# The bare SQL of the class's passports: the class and school, its SEND pupils with their latest passport, the
# groups they are in with every member (costs are shared), and the calendars and rates the costs come from.
PASSPORT_SQL = (
    "SELECT c.id, c.name, s.id, s.name, s.pupil_photos FROM schools_schoolclass c "
    "JOIN schools_school s ON s.id = c.school_id WHERE c.uuid = %(class)s",
    "SELECT p.*, v.* FROM pupils_pupil p LEFT JOIN LATERAL (SELECT * FROM pupils_passportversion v "
    " WHERE v.pupil_id = p.id ORDER BY v.number DESC LIMIT 1) v ON true "
    "WHERE p.school_class_id = %(class_id)s AND (p.sen_status <> 'N' OR p.on_monitoring_list) "
    "ORDER BY p.legal_last_name, p.legal_first_name",
    "SELECT g.*, i.* FROM provision_interventiongroup g JOIN provision_intervention i ON i.id = g.intervention_id "
    "WHERE g.id IN (SELECT m.group_id FROM provision_groupmember m JOIN pupils_pupil p ON p.id = m.pupil_id "
    " WHERE p.school_class_id = %(class_id)s)",
    "SELECT m.*, p.id, p.legal_first_name FROM provision_groupmember m JOIN pupils_pupil p ON p.id = m.pupil_id "
    "WHERE m.group_id IN (SELECT m.group_id FROM provision_groupmember m JOIN pupils_pupil p ON p.id = m.pupil_id "
    " WHERE p.school_class_id = %(class_id)s)",
    "SELECT id, name, starts_on, ends_on FROM schools_schoolyear ORDER BY starts_on",
    "SELECT school_id, school_year_id, starts_on, ends_on FROM schools_term WHERE school_id = %(school)s",
    "SELECT school_id, date FROM schools_insetday WHERE school_id = %(school)s",
    "SELECT school_id, school_year_id, role_name, hourly_rate FROM provision_staffrate WHERE school_id = %(school)s",
)


class Command(BaseCommand):
    help = "Time a class's passports as one PDF (the worker's task), beside the bare SQL of its rows."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", type=int, default=30)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off")

    def handle(self, *args: Any, pupils: int, repeat: int, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("This builds a benchmark trust: run it on a development database (DEBUG=1).")
        senco, trust, school_class = self.build(pupils)
        analysed = bench.analyze([Pupil, PassportVersion, GroupMember, InterventionGroup, Intervention, SchoolClass])
        rendering: list[float] = []
        cpu: list[float] = []
        original = pdf.render_pdf

        def timed_render(template: str, context: dict[str, Any]) -> bytes:
            start = time.perf_counter()
            try:
                return original(template, context)
            finally:
                rendering.append(time.perf_counter() - start)

        params = {"class": school_class.uuid, "class_id": school_class.pk, "school": school_class.school_id}
        with tenant_context(trust.pk):

            def task() -> tuple[float, int, bytes]:
                job = PdfJob.objects.create(
                    kind="class_passports",
                    title="Bench passports",
                    subject_id=str(school_class.uuid),
                    requested_by=senco,
                )
                with bench.counting_queries() as counter:
                    start, began = time.perf_counter(), time.process_time()
                    state = render_passports_pdf.run(trust.pk, job.pk)
                    seconds = time.perf_counter() - start
                    cpu.append(time.process_time() - began)
                if state != PdfJob.State.READY:
                    raise CommandError(f"The PDF job ended {state}")
                job.refresh_from_db()
                size = job.file.size
                job.file.delete(save=False)
                return seconds, counter.count, b"x" * size

            pdf.render_pdf = timed_render
            try:
                import pupils.tasks as tasks

                tasks.render_pdf = timed_render
                row = bench.measure(
                    f"class passports PDF, {pupils} pupils",
                    task,
                    [(statement, params) for statement in PASSPORT_SQL],
                    repeat,
                )
            finally:
                pdf.render_pdf = original
                tasks.render_pdf = original
        weasy = statistics.median(rendering) if rendering else 0.0
        row.note = (
            f"{row.page.size / 1024:.0f} KiB; WeasyPrint {weasy * 1000:.0f} ms of it; "
            f"CPU {statistics.median(cpu) * 1000:.0f} ms"
        )
        for line in bench.table(f"Passports ({analysed}; worker time, median of {repeat})", [row]):
            self.stdout.write(line)

    def build(self, count: int) -> tuple[User, Trust, SchoolClass]:
        trust, _ = Trust.objects.get_or_create(slug="bench-passports", defaults={"name": "Passport Benchmark Trust"})
        senco, _ = User.objects.get_or_create(
            email="senco@bench-passports.example", defaults={"full_name": "Bench SENCO"}
        )
        with tenant_context(trust.pk), transaction.atomic():
            school, _ = School.objects.get_or_create(
                urn="199996",
                defaults={
                    "name": "Passport Bench Primary",
                    "la_code": "926",
                    "establishment_number": "4996",
                    "phase": "primary",
                },
            )
            Membership.objects.get_or_create(user=senco, role=Role.SENCO, school=school)
            year, _ = SchoolYear.objects.get_or_create(
                name="2026-27", defaults={"starts_on": dt.date(2026, 9, 1), "ends_on": dt.date(2027, 8, 31)}
            )
            Term.objects.get_or_create(
                school=school,
                school_year=year,
                starts_on=dt.date(2026, 9, 2),
                defaults={"name": "Autumn 1", "ends_on": dt.date(2026, 10, 23)},
            )
            school_class, _ = SchoolClass.objects.get_or_create(
                school=school, school_year=year, name="4P", defaults={"year_group": "4"}
            )
            if Pupil.objects.filter(school_class=school_class).count() == count:
                return senco, trust, school_class
            InterventionGroup.objects.filter(school=school).delete()
            Pupil.objects.filter(school=school).delete()
            if not StaffRate.objects.filter(school=school).exists():
                services.save_staff_rate(
                    None, school=school, school_year=year, role_name="Teaching assistant", hourly_rate=Decimal("15.20")
                )
            intervention = Intervention.objects.filter(school=school).first() or services.save_intervention(
                None,
                school=school,
                name="Precision teaching",
                need_areas=["cl"],
                wave="targeted",
                description="",
                evidence_base="",
                sessions_per_week=3,
                session_minutes=20,
                weeks=10,
                group_size=6,
                staffing="Teaching assistant",
                resources="",
                resources_cost_per_pupil=Decimal("5"),
                measure="standardised",
                measure_label="",
            )
            created = Pupil.objects.bulk_create(
                [
                    Pupil(
                        trust_id=trust.pk,
                        school=school,
                        school_class=school_class,
                        legal_first_name=f"Pupil{i}",
                        legal_last_name="Passport",
                        date_of_birth=dt.date(2018, 1, 1),
                        gender="FMX"[i % 3],
                        year_group="4",
                        upn=make_upn("926", "4996", 30, i),
                        sen_status=SenStatus.SEN_SUPPORT,
                    )
                    for i in range(count)
                ]
            )
            for pupil in created:
                version = passports.save_passport(
                    pupil,
                    written_by=senco,
                    about_me="I like drawing and football.",
                    important_to_me="My family and my dog.",
                    how_to_support="Give me time to answer.",
                    what_helps="Visual timetable; a quiet space.",
                    what_does_not_help="Sudden changes.",
                    pupil_voice="I learn best when I can move.",
                    key_strategies="Instructions one at a time\\nNow-and-next board\\nMovement breaks",
                )
                passports.review_passport(version, approve=True, comment="", reviewed_by=senco)
            for index in range(GROUPS):
                group = services.save_group(
                    None,
                    school=school,
                    intervention=intervention,
                    staff=[senco],
                    name=f"Group {index}",
                    staff_role="Teaching assistant",
                    sessions_per_week=3,
                    session_minutes=20,
                    timetable="",
                    starts_on=dt.date(2026, 9, 7),
                    ends_on=dt.date(2026, 10, 16),
                    funding_source="notional",
                    resources_cost_per_pupil=Decimal("5"),
                )
                for pupil in created[index::GROUPS]:
                    services.add_member(
                        group,
                        pupil=pupil,
                        joined_on=dt.date(2026, 9, 7),
                        entry_score=Decimal(85),
                        entry_on=dt.date(2026, 9, 7),
                    )
            PassportVersion.objects.filter(pupil__in=created).update(status=PassportStatus.APPROVED)
        self.stdout.write(f"Built {count} pupils with passports in {GROUPS} groups ({timezone.now():%H:%M}).")
        return senco, trust, school_class
