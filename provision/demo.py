"""Demo provision for each demo trust: a trust catalogue, staff rates, groups with pupils, sessions and measures.

Registered with schools.demo (run by `seed_demo`); idempotent: a trust that has groups is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from provision import services
from provision.models import Intervention, InterventionGroup, Measure, NeedArea, StaffRate, Wave
from pupils.models import Pupil, SenStatus
from schools.models import ClassStaff, Role, School, SchoolYear

CATALOGUE = [
    (
        "Talk Boost KS1",
        [NeedArea.COMMUNICATION],
        Wave.TARGETED,
        3,
        30,
        10,
        4,
        "Teaching assistant",
        "12.50",
        Measure.STANDARDISED,
        "",
    ),
    (
        "Precision teaching",
        [NeedArea.COGNITION],
        Wave.TARGETED,
        5,
        10,
        8,
        1,
        "Teaching assistant",
        "0",
        Measure.SCALE,
        "Words read correctly in a minute",
    ),
    (
        "Lexia reading",
        [NeedArea.COGNITION],
        Wave.TARGETED,
        3,
        20,
        12,
        6,
        "Teaching assistant",
        "18.00",
        Measure.READING_AGE,
        "",
    ),
    ("ELSA sessions", [NeedArea.SEMH], Wave.SPECIALIST, 1, 30, 8, 1, "HLTA (ELSA trained)", "0", Measure.SDQ, ""),
    (
        "Lego-based therapy",
        [NeedArea.COMMUNICATION, NeedArea.SEMH],
        Wave.TARGETED,
        1,
        45,
        10,
        3,
        "Teaching assistant",
        "6.00",
        Measure.BOXALL,
        "",
    ),
    (
        "Sensory circuits",
        [NeedArea.SENSORY_PHYSICAL],
        Wave.TARGETED,
        5,
        15,
        12,
        6,
        "Teaching assistant",
        "3.00",
        Measure.NONE,
        "",
    ),
]
RATES = {
    "Teaching assistant": ("14.60", "15.20"),
    "HLTA (ELSA trained)": ("17.90", "18.40"),
    "Teacher": ("37.10", "38.00"),
}
AUTUMN_1 = (dt.date(2026, 9, 7), dt.date(2026, 10, 16))
AUTUMN_2 = (dt.date(2026, 11, 2), dt.date(2026, 12, 18))
ENTRY = {Measure.STANDARDISED: 80, Measure.SCALE: 20, Measure.READING_AGE: 78, Measure.SDQ: 22, Measure.BOXALL: 60}
GAIN = {Measure.STANDARDISED: 6, Measure.SCALE: 15, Measure.READING_AGE: 7, Measure.SDQ: -5, Measure.BOXALL: 12}


def seed_provision(trust: Any, main: School, users: dict[str, Any], stdout: Any) -> None:
    if InterventionGroup.objects.exists():
        return
    rng = random.Random(f"{trust.slug}-provision")  # noqa: S311  # nosec B311 - demo data
    interventions = {}
    for name, areas, wave, per_week, minutes, weeks, size, staffing, cost, measure, label in CATALOGUE:
        found = Intervention.objects.filter(name=name, school__isnull=True).first()
        interventions[name] = found or services.save_intervention(
            None,
            school=None,
            name=name,
            need_areas=list(areas),
            wave=wave,
            description="",
            evidence_base="",
            sessions_per_week=per_week,
            session_minutes=minutes,
            weeks=weeks,
            group_size=size,
            staffing=staffing,
            resources="",
            resources_cost_per_pupil=Decimal(cost),
            measure=measure,
            measure_label=label,
        )
    years = {year.name: year for year in SchoolYear.objects.all()}
    for school in School.objects.all():
        for role_name, (last_year, this_year) in RATES.items():
            for year_name, rate in (("2025-26", last_year), ("2026-27", this_year)):
                if (
                    year_name in years
                    and not StaffRate.objects.filter(
                        school=school, school_year=years[year_name], role_name=role_name
                    ).exists()
                ):
                    services.save_staff_rate(
                        None,
                        school=school,
                        school_year=years[year_name],
                        role_name=role_name,
                        hourly_rate=Decimal(rate),
                    )
    ta = users[Role.TEACHING_ASSISTANT]
    ta_classes = list(ClassStaff.objects.filter(user=ta, role="ta").values_list("school_class_id", flat=True))
    send_pupils = list(
        Pupil.objects.filter(school=main).exclude(sen_status=SenStatus.NO_SEN).order_by("year_group", "upn")
    )
    with_ta = [p for p in send_pupils if p.school_class_id in ta_classes]
    others = [p for p in send_pupils if p.school_class_id not in ta_classes]
    # The demo TA leads three groups, of pupils of the classes they support first; others run without them.
    led = (with_ta + others)[:5]
    rest = others[len([p for p in led if p in others]) :]
    plans = [
        ("Talk Boost KS1", led[:4], AUTUMN_1, "Mon, Wed, Fri 9:10–9:40", True),
        ("Lego-based therapy", led[1:4], AUTUMN_2, "Tue 13:15–14:00", True),
        ("Precision teaching", led[:2], AUTUMN_2, "Daily 8:50–9:00", True),
        ("Lexia reading", rest[:6], AUTUMN_1, "Mon, Wed, Thu 14:00–14:20", False),
        ("Lexia reading", rest[6:12], AUTUMN_2, "Mon, Wed, Thu 14:00–14:20", False),
        ("ELSA sessions", rest[12:13], AUTUMN_2, "Thu 10:45–11:15", False),
        ("Sensory circuits", rest[13:19], AUTUMN_2, "Daily 8:45–9:00", False),
    ]
    today = dt.date.today()
    for name, pupils, (starts, ends), timetable, led_by_ta in plans:
        if not pupils:
            continue
        intervention = interventions[name]
        group = services.save_group(
            None,
            school=main,
            intervention=intervention,
            staff=[ta] if led_by_ta else [],
            name=f"{name} ({starts:%b} {starts.year})",
            staff_role=intervention.staffing,
            sessions_per_week=intervention.sessions_per_week,
            session_minutes=intervention.session_minutes,
            timetable=timetable,
            starts_on=starts,
            ends_on=ends,
            funding_source="top_up" if intervention.wave == Wave.SPECIALIST else "notional",
            resources_cost_per_pupil=intervention.resources_cost_per_pupil,
        )
        measured = intervention.measure != Measure.NONE
        for pupil in pupils:
            entry = Decimal(ENTRY.get(Measure(intervention.measure), 0) + rng.randint(-5, 5)) if measured else None
            member = services.add_member(
                group, pupil=pupil, joined_on=starts, entry_score=entry, entry_on=starts if measured else None
            )
            if entry is not None and ends < today:
                gain = GAIN[Measure(intervention.measure)] + rng.randint(-4, 4)
                services.update_member(
                    member,
                    left_on=None,
                    entry_score=entry,
                    entry_on=starts,
                    exit_score=entry + gain,
                    exit_on=ends,
                )
        day = starts
        members = list(group.members.all())
        while day <= min(ends, today - dt.timedelta(days=1)):
            if day.weekday() < 5 and (day.weekday() in (0, 2, 4) or intervention.sessions_per_week >= 5):
                present = {m.pk for m in members if rng.random() > 0.08}
                services.record_session(group, date=day, present=present, note="", by=ta)
            day += dt.timedelta(days=1)
    if stdout is not None:
        stdout.write(f"{trust.name}: {InterventionGroup.objects.count()} intervention groups on the provision map\n")
