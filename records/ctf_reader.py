"""Read a Common Transfer File (version 25, the SEN part) into plain values, or refuse it naming line and element.

Pure: no query except the need-type codes, no write. Hardened: no DTD, no entities, no network, a size limit
before parsing, so a hostile file costs nothing. Every problem of the file is listed at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from lxml import etree  # nosec B410 - parsed below with entities, DTDs and the network all off

from pupils.models import Gender, HistoricSenStatus
from pupils.upn import validate_upn
from records import ctf_schema as ctf
from schools.models import YearGroup

MAX_BYTES = 10 * 1_000_000  # a CTF of a whole year group is a few MB; one pupil's SEN part is a few KB
GENDERS = {"M": Gender.MALE, "F": Gender.FEMALE, "X": Gender.OTHER, "U": Gender.OTHER}


class CtfRefused(Exception):
    """The file cannot be imported; `problems` says where and why (line, element, message)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class CtfNeed:
    code: str
    rank: int
    starts_on: dt.date | None
    ends_on: dt.date | None
    line: int


@dataclass
class CtfSenEntry:
    starts_on: dt.date
    status: str
    line: int


@dataclass
class CtfPupil:
    upn: str
    surname: str
    forename: str
    date_of_birth: dt.date
    gender: str
    year_group: str
    preferred_surname: str = ""
    preferred_forename: str = ""
    in_care: bool | None = None
    sen: list[CtfSenEntry] = field(default_factory=list)
    needs: list[CtfNeed] = field(default_factory=list)
    line: int = 0

    def needs_on(self, day: dt.date, latest: bool) -> dict[int, str]:
        """{rank: need code} while an entry starting on `day` held; undated needs belong to the latest entry."""
        found = {}
        for need in self.needs:
            if need.starts_on is None:
                if latest:
                    found[need.rank] = need.code
            elif need.starts_on <= day and (need.ends_on is None or day <= need.ends_on):
                found[need.rank] = need.code
        return found


@dataclass
class CtfFile:
    source_school: str
    source_laestab: str
    dest_lea: str
    dest_estab: str
    pupils: list[CtfPupil]

    @property
    def destination_known(self) -> bool:
        return (self.dest_lea, self.dest_estab) != (ctf.UNKNOWN_LEA, ctf.UNKNOWN_ESTAB) and bool(self.dest_estab)


def _where(element: etree._Element) -> str:
    path = []
    node: etree._Element | None = element
    while node is not None:
        path.append(str(node.tag))
        node = node.getparent()
    return f"line {element.sourceline}, {'/'.join(reversed(path))}"


class _Reader:
    def __init__(self, need_codes: set[str]) -> None:
        self.problems: list[str] = []
        self.need_codes = need_codes

    def problem(self, element: etree._Element, message: str) -> None:
        self.problems.append(f"{_where(element)}: {message}")

    def text(self, parent: etree._Element, tag: str, required: bool = True) -> tuple[str, etree._Element]:
        child = parent.find(tag)
        if child is None or not (child.text or "").strip():
            if required:
                self.problem(parent, f"the element {tag} is missing or empty.")
            return "", child if child is not None else parent
        return child.text.strip(), child

    def date(self, parent: etree._Element, tag: str, required: bool = True) -> dt.date | None:
        value, element = self.text(parent, tag, required)
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.problem(element, f"{value!r} is not a date as YYYY-MM-DD.")
            return None

    def pupil(self, element: etree._Element) -> CtfPupil | None:
        before = len(self.problems)
        upn, upn_element = self.text(element, ctf.UPN)
        if upn:
            try:
                upn = validate_upn(upn)
            except ValidationError as error:
                self.problem(upn_element, f"the UPN {upn!r} is not valid: {' '.join(error.messages)}")
        surname, _ = self.text(element, ctf.SURNAME)
        forename, _ = self.text(element, ctf.FORENAME)
        born = self.date(element, ctf.DOB)
        gender_code, gender_element = self.text(element, ctf.GENDER)
        if gender_code and gender_code.upper() not in GENDERS:
            self.problem(gender_element, f"{gender_code!r} is not a gender code (M, F, X or U).")
        basic = element.find(ctf.BASIC_DETAILS)
        year_group, preferred_surname, preferred_forename = "", "", ""
        if basic is None:
            self.problem(element, f"the element {ctf.BASIC_DETAILS} (with {ctf.NC_YEAR_ACTUAL}) is missing.")
        else:
            year_group, year_element = self.text(basic, ctf.NC_YEAR_ACTUAL)
            if year_group and year_group not in YearGroup.values:
                self.problem(year_element, f"{year_group!r} is not a year group (N, R, 1 to 13).")
            preferred_surname, _ = self.text(basic, ctf.PREFERRED_SURNAME, required=False)
            preferred_forename, _ = self.text(basic, ctf.PREFERRED_FORENAME, required=False)
        in_care = None
        looked_after = element.find(ctf.LOOKED_AFTER)
        if looked_after is not None:
            value, care_element = self.text(looked_after, ctf.IN_CARE, required=False)
            if value and value.lower() not in ("true", "false", "1", "0"):
                self.problem(care_element, f"{value!r} is not true or false.")
            in_care = value.lower() in ("true", "1") if value else None
        sen, needs = self.sen_history(element, born)
        if len(self.problems) > before or born is None:
            return None
        return CtfPupil(
            upn=upn,
            surname=surname,
            forename=forename,
            date_of_birth=born,
            gender=GENDERS[gender_code.upper()],
            year_group=year_group,
            preferred_surname=preferred_surname,
            preferred_forename=preferred_forename,
            in_care=in_care,
            sen=sen,
            needs=needs,
            line=element.sourceline or 0,
        )

    def sen_history(self, element: etree._Element, born: dt.date | None) -> tuple[list[CtfSenEntry], list[CtfNeed]]:
        history = element.find(ctf.SEN_HISTORY)
        if history is None:
            return [], []
        entries = []
        today = dt.date.today()
        for sen in history.findall(ctf.SEN):
            starts_on = self.date(sen, ctf.START_DATE)
            status, status_element = self.text(sen, ctf.SEN_PROVISION)
            if status and status not in HistoricSenStatus.values:
                self.problem(status_element, f"{status!r} is not an SEN provision code (N, K, E; A, P, S before 2014).")
                continue
            if starts_on is None or not status:
                continue
            if starts_on > today or (born is not None and starts_on < born):
                self.problem(sen, f"the start date {starts_on} is in the future or before the date of birth.")
                continue
            entries.append(CtfSenEntry(starts_on, status, sen.sourceline or 0))
        needs = []
        sen_needs = history.find(ctf.SEN_NEEDS)
        for need in sen_needs.findall(ctf.SEN_NEED) if sen_needs is not None else []:
            code, code_element = self.text(need, ctf.SEN_TYPE)
            rank_text, rank_element = self.text(need, ctf.SEN_TYPE_RANK)
            if code and code not in self.need_codes:
                self.problem(code_element, f"{code!r} is not a census need type.")
            if rank_text and not (rank_text.isdigit() and 1 <= int(rank_text) <= 99):
                self.problem(rank_element, f"{rank_text!r} is not a rank from 1 to 99.")
                rank_text = ""
            starts_on = self.date(need, ctf.NEED_START_DATE, required=False)
            ends_on = self.date(need, ctf.NEED_END_DATE, required=False)
            if code and rank_text:
                needs.append(CtfNeed(code, int(rank_text), starts_on, ends_on, need.sourceline or 0))
        return sorted(entries, key=lambda entry: entry.starts_on), needs


def _parse(content: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(content, parser)  # nosec B320 - the parser above resolves nothing
    except etree.XMLSyntaxError as error:
        raise CtfRefused([f"line {error.lineno}: this is not well-formed XML ({error.msg})."]) from None
    if root.tag != ctf.ROOT:
        raise CtfRefused([f"line {root.sourceline}, {root.tag}: a CTF starts with {ctf.ROOT}, not {root.tag}."])
    return root


def read_ctf(content: bytes, need_codes: set[str]) -> CtfFile:
    """The file's header and pupils, or CtfRefused listing every problem with its line and element."""
    if len(content) > MAX_BYTES:
        raise CtfRefused(
            [f"the file is {len(content) / 1_000_000:.1f} MB; a CTF may be at most {MAX_BYTES // 1_000_000} MB."]
        )
    root = _parse(content)
    reader = _Reader(need_codes)
    header = root.find(ctf.HEADER)
    if header is None:
        raise CtfRefused([f"line {root.sourceline}, {ctf.ROOT}: the element {ctf.HEADER} is missing."])
    version, version_element = reader.text(header, ctf.CTF_VERSION)
    if version and version.split(".")[0] != ctf.MAJOR_VERSION:
        raise CtfRefused(
            [f"{_where(version_element)}: this is a version {version} CTF; this import reads version {ctf.VERSION}."]
        )
    if reader.problems:
        raise CtfRefused(reader.problems)
    source = header.find(ctf.SOURCE_SCHOOL)
    source_name, source_laestab = "", ""
    if source is not None:
        source_name, _ = reader.text(source, ctf.SCHOOL_NAME, required=False)
        lea, _ = reader.text(source, ctf.LEA, required=False)
        estab, _ = reader.text(source, ctf.ESTAB, required=False)
        source_laestab = f"{lea}{estab}"[:7]
    dest = header.find(ctf.DEST_SCHOOL)
    dest_lea, dest_estab = ctf.UNKNOWN_LEA, ctf.UNKNOWN_ESTAB
    if dest is not None:
        dest_lea, _ = reader.text(dest, ctf.LEA)
        dest_estab, _ = reader.text(dest, ctf.ESTAB)
    pupil_data = root.find(ctf.PUPIL_DATA)
    pupil_elements = pupil_data.findall(ctf.PUPIL) if pupil_data is not None else []
    if not pupil_elements:
        reader.problem(root, f"there is no {ctf.PUPIL_DATA}/{ctf.PUPIL} in the file.")
    pupils = [pupil for pupil in (reader.pupil(element) for element in pupil_elements) if pupil is not None]
    seen: dict[str, int] = {}
    for pupil in pupils:
        if pupil.upn in seen:
            reader.problems.append(f"line {pupil.line}, {ctf.PUPIL}: the UPN {pupil.upn} appears twice in the file.")
        seen[pupil.upn] = pupil.line
    if reader.problems:
        raise CtfRefused(reader.problems)
    return CtfFile(source_name, source_laestab, dest_lea, dest_estab, pupils)
