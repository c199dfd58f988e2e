"""Fixtures for records: a pupil with a dated register history, and CTF files written by hand for bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pupils.models import NeedType
from pupils.services import change_register_entry
from send.tenancy import tenant_context

HISTORY = [
    (dt.date(2024, 9, 9), "K", "SLCN", None),
    (dt.date(2025, 3, 3), "K", "SLCN", "ASD"),
    (dt.date(2026, 1, 12), "E", "ASD", "SLCN"),
]


def give_history(world: Any, pupil: Any) -> None:
    """Three register changes by the SENCO: K, K with a second need, then an EHC plan."""
    with tenant_context(world.trust.pk):
        for starts_on, status, primary, secondary in HISTORY:
            change_register_entry(
                pupil,
                status=status,
                primary_need=NeedType.objects.get(code=primary),
                secondary_need=NeedType.objects.get(code=secondary) if secondary else None,
                on_monitoring_list=False,
                starts_on=starts_on,
                reason="Assessed",
                recorded_by=world.users["senco"],
            )


def history_of(world: Any, upn: str) -> list[tuple[Any, ...]]:
    from pupils.models import Pupil

    with tenant_context(world.trust.pk):
        pupil = Pupil.objects.get(upn=upn)
        return [
            (c.starts_on, c.status, getattr(c.primary_need, "code", None), getattr(c.secondary_need, "code", None))
            for c in pupil.register_changes.select_related("primary_need", "secondary_need").order_by("starts_on")
        ]


def ctf_xml(
    *,
    version: str = "25.0",
    dest: tuple[str, str] = ("MMM", "MMMM"),
    pupils: str = "",
) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header>
    <DocumentName>Common Transfer File</DocumentName>
    <CTFversion>{version}</CTFversion>
    <SourceSchool><LEA>881</LEA><Estab>2001</Estab><SchoolName>Elm Primary</SchoolName></SourceSchool>
    <DestSchool><LEA>{dest[0]}</LEA><Estab>{dest[1]}</Estab></DestSchool>
  </Header>
  <CTFpupilData>{pupils}
  </CTFpupilData>
</CTfile>
""".encode()


def pupil_xml(upn: str, *, sen: str = "", dob: str = "2016-04-02") -> str:
    return f"""
    <Pupil>
      <UPN>{upn}</UPN><Surname>Joiner</Surname><Forename>Jo</Forename><DOB>{dob}</DOB><Gender>F</Gender>
      <BasicDetails><NCyearActual>5</NCyearActual></BasicDetails>
      <SENhistory>{sen}</SENhistory>
    </Pupil>"""


@pytest.fixture
def senco_history(world: Any) -> Any:
    pupil = world.a.pupils[0]
    give_history(world.a, pupil)
    return pupil
