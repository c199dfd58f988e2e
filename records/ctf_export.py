"""Write one pupil's Common Transfer File (the SEN part, version 25) with lxml: elements, never string templates."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from lxml import etree  # nosec B410 - we only build XML here; reading is in records.ctf_reader, hardened

from pupils.models import HistoricSenStatus, Pupil, RegisterChange
from records import ctf_schema as ctf

LAESTAB = re.compile(r"^\d{7}$")


def _text(parent: etree._Element, tag: str, value: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = value
    return element


def _academic_year(day: dt.date) -> str:
    """The CTF's AcademicYear is the calendar year the school year starts in (2026 for 2026-27)."""
    return str(day.year if day.month >= 9 else day.year - 1)


def sen_history_rows(pupil: Pupil) -> list[RegisterChange]:
    """The pupil's register history, oldest first, with the need types the CTF names by code."""
    return list(
        pupil.register_changes.select_related("primary_need", "secondary_need").order_by("starts_on", "recorded_at")
    )


def _write_header(root: etree._Element, pupil: Pupil, destination: str) -> None:
    header = etree.SubElement(root, ctf.HEADER)
    _text(header, ctf.DOCUMENT_NAME, ctf.DOCUMENT_NAME_VALUE)
    _text(header, ctf.CTF_VERSION, ctf.VERSION)
    _text(header, ctf.DATE_TIME, timezone.localtime().replace(microsecond=0, tzinfo=None).isoformat())
    _text(header, ctf.DOCUMENT_QUALIFIER, "partial")
    _text(header, ctf.SUPPLIER_ID, ctf.SUPPLIER)
    source = etree.SubElement(header, ctf.SOURCE_SCHOOL)
    _text(source, ctf.LEA, pupil.school.la_code)
    _text(source, ctf.ESTAB, pupil.school.establishment_number)
    _text(source, ctf.URN, pupil.school.urn)
    _text(source, ctf.SCHOOL_NAME, pupil.school.name)
    _text(source, ctf.ACADEMIC_YEAR, _academic_year(timezone.localdate()))
    dest = etree.SubElement(header, ctf.DEST_SCHOOL)
    _text(dest, ctf.LEA, destination[:3] if destination else ctf.UNKNOWN_LEA)
    _text(dest, ctf.ESTAB, destination[3:] if destination else ctf.UNKNOWN_ESTAB)


def _write_sen(pupil_element: etree._Element, history: list[RegisterChange]) -> None:
    """Each register change is a `SEN` entry; each need it names is a `SENneed` dated while that change held."""
    sen_history = etree.SubElement(pupil_element, ctf.SEN_HISTORY)
    for change in history:
        sen = etree.SubElement(sen_history, ctf.SEN)
        _text(sen, ctf.START_DATE, change.starts_on.isoformat())
        _text(sen, ctf.SEN_PROVISION, change.status)
    needs = [
        (change, later, rank, need)
        for change, later in zip(history, [*history[1:], None][: len(history)], strict=True)
        for rank, need in ((1, change.primary_need), (2, change.secondary_need))
        if need is not None
    ]
    if not needs:
        return
    sen_needs = etree.SubElement(sen_history, ctf.SEN_NEEDS)
    for change, later, rank, need in needs:
        element = etree.SubElement(sen_needs, ctf.SEN_NEED)
        _text(element, ctf.NEED_START_DATE, change.starts_on.isoformat())
        if later is not None:
            _text(element, ctf.NEED_END_DATE, (later.starts_on - dt.timedelta(days=1)).isoformat())
        _text(element, ctf.SEN_TYPE, need.code)
        _text(element, ctf.SEN_TYPE_RANK, str(rank))


def build_ctf(pupil: Pupil, destination: str = "") -> bytes:
    """One pupil's CTF. `destination` is the new school's LAESTAB (7 digits), or empty when not known.

    The SEN history is the register history; a pupil on the register with no dated history is refused rather
    than sent with an invented start date.
    """
    if destination and not LAESTAB.match(destination):
        raise ValidationError({"destination": "The destination is a LAESTAB: 7 digits, LA number then school."})
    history = sen_history_rows(pupil)
    if not history and pupil.sen_status != HistoricSenStatus.NO_SEN:
        raise ValidationError(
            f"{pupil.display_name} is recorded as {pupil.get_sen_status_display()} with no dated register history: "
            "record the register entry with its start date first, so the CTF carries a true date."
        )
    root = etree.Element(ctf.ROOT)
    _write_header(root, pupil, destination)
    pupil_element = etree.SubElement(etree.SubElement(root, ctf.PUPIL_DATA), ctf.PUPIL)
    _text(pupil_element, ctf.UPN, pupil.upn)
    _text(pupil_element, ctf.SURNAME, pupil.legal_last_name)
    _text(pupil_element, ctf.FORENAME, pupil.legal_first_name)
    _text(pupil_element, ctf.DOB, pupil.date_of_birth.isoformat())
    _text(pupil_element, ctf.GENDER, pupil.gender)
    basic = etree.SubElement(pupil_element, ctf.BASIC_DETAILS)
    if pupil.preferred_last_name:
        _text(basic, ctf.PREFERRED_SURNAME, pupil.preferred_last_name)
    if pupil.preferred_first_name:
        _text(basic, ctf.PREFERRED_FORENAME, pupil.preferred_first_name)
    _text(basic, ctf.NC_YEAR_ACTUAL, pupil.year_group)
    looked_after = etree.SubElement(pupil_element, ctf.LOOKED_AFTER)
    _text(looked_after, ctf.IN_CARE, "true" if pupil.is_looked_after else "false")
    _write_sen(pupil_element, history)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
