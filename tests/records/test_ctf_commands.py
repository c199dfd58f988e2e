"""The CTF commands (a contract): export, import, round trip, conflicts, and bad input refused as a whole."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from pupils.models import Pupil, RegisterChange
from pupils.upn import make_upn
from records.models import CtfImport, ImportedSenEntry
from send.tenancy import tenant_context
from tests.records.conftest import HISTORY, ctf_xml, history_of, pupil_xml

pytestmark = pytest.mark.django_db


def export(world, upn: str, tmp_path: Path, dest: str = "") -> Path:
    path = tmp_path / "out.xml"
    args = ["--trust", world.trust.slug, "--upn", upn, "-o", str(path)]
    call_command("export_ctf", *args, *(["--dest", dest] if dest else []))
    return path


def run_import(world, path: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command("import_ctf", "--trust", world.trust.slug, str(path), *extra, stdout=out)
    return out.getvalue()


def counts(world) -> tuple[int, int, int]:
    with tenant_context(world.trust.pk):
        return Pupil.objects.count(), RegisterChange.objects.count(), CtfImport.objects.count()


def test_export_writes_the_sen_part_of_a_version_25_ctf_to_standard_output(world, senco_history):
    out = io.StringIO()
    call_command("export_ctf", "--trust", world.a.trust.slug, "--upn", senco_history.upn, stdout=out)
    root = etree.fromstring(out.getvalue().encode())
    assert root.tag == "CTfile"
    assert root.findtext("Header/CTFversion") == "25.0"
    assert root.findtext("Header/SourceSchool/Estab") == world.a.school.establishment_number
    assert root.findtext("Header/DestSchool/LEA") == "MMM"  # destination not known
    pupil = root.find("CTFpupilData/Pupil")
    assert pupil.findtext("UPN") == senco_history.upn
    assert [(s.findtext("StartDate"), s.findtext("SENprovision")) for s in pupil.findall("SENhistory/SEN")] == [
        (day.isoformat(), status) for day, status, _, _ in HISTORY
    ]
    needs = [(n.findtext("SENtype"), n.findtext("SENtypeRank")) for n in pupil.findall("SENhistory/SENneeds/SENneed")]
    assert needs == [("SLCN", "1"), ("SLCN", "1"), ("ASD", "2"), ("ASD", "1"), ("SLCN", "2")]


def test_round_trip_into_another_trust_gives_the_same_sen_history(world, senco_history, tmp_path):
    path = export(world.a, senco_history.upn, tmp_path, dest=world.b.school.laestab)
    output = run_import(world.b, path)
    assert "1 created, 0 updated, 0 unchanged, 0 conflicts" in output
    assert history_of(world.b, senco_history.upn) == history_of(world.a, senco_history.upn)
    with tenant_context(world.b.trust.pk):
        joined = Pupil.objects.get(upn=senco_history.upn)
        assert joined.school == world.b.school
        assert (joined.sen_status, joined.sen_status_since.isoformat()) == ("E", "2026-01-12")
        assert {n.rank: n.need_type.code for n in joined.needs.all()} == {1: "ASD", 2: "SLCN"}
        assert ImportedSenEntry.objects.filter(register_change__pupil=joined).count() == 3  # marked as imported
        assert world.a.school.name in joined.register_changes.first().reason  # says where it came from
    # the same file again adds nothing
    assert "0 created, 0 updated, 1 unchanged, 0 conflicts" in run_import(world.b, path)
    assert len(history_of(world.b, senco_history.upn)) == 3


def test_a_pupil_we_hold_keeps_our_history_and_the_differences_are_conflicts(world, senco_history, tmp_path):
    path = export(world.a, senco_history.upn, tmp_path, dest=world.b.school.laestab)
    with tenant_context(world.b.trust.pk):
        ours = world.b.pupils[1]
        ours.upn = senco_history.upn
        ours.save()
    from pupils.models import NeedType
    from pupils.services import change_register_entry

    with tenant_context(world.b.trust.pk):
        change_register_entry(
            ours,
            status="K",
            primary_need=NeedType.objects.get(code="MLD"),
            secondary_need=None,
            on_monitoring_list=False,
            starts_on=HISTORY[1][0],
            reason="Our own assessment",
            recorded_by=world.b.users["senco"],
        )
    output = run_import(world.b, path)
    assert "0 created, 1 updated" in output
    history = history_of(world.b, senco_history.upn)
    # the first entry (before ours) is added as history; the later two would change ours: conflicts
    assert history == [HISTORY[0], (HISTORY[1][0], "K", "MLD", None)]
    with tenant_context(world.b.trust.pk):
        record = CtfImport.objects.get()
        ours.refresh_from_db()
    assert ours.sen_status == "K"  # ours kept
    assert any("latest status is E" in c for c in record.conflicts)
    assert any("recorded E from 2026-01-12" in c for c in record.conflicts)
    assert any("forename" in c for c in record.conflicts)  # Pupil1 here, Pupil0 in the file


def write(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "in.xml"
    path.write_bytes(content)
    return path


def refused(world, path: Path, *extra: str) -> str:
    before = counts(world)
    with pytest.raises(CommandError) as error:
        run_import(world, path, *extra)
    assert counts(world) == before  # nothing half-imported
    return str(error.value)


def test_a_file_that_is_not_xml_is_refused_naming_the_line(world, tmp_path):
    message = refused(world.b, write(tmp_path, b"UPN,Name\nA123,Jo\n"))
    assert "line 1" in message and "not well-formed XML" in message


def test_a_ctf_of_another_version_is_refused_naming_the_element(world, tmp_path):
    message = refused(world.b, write(tmp_path, ctf_xml(version="24.0")))
    assert "CTfile/Header/CTFversion" in message and "version 24.0" in message


def test_an_invalid_upn_is_refused_naming_its_line(world, tmp_path):
    good = make_upn("881", "2001", 16, 7)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    dest = (world.b.school.la_code, world.b.school.establishment_number)
    content = ctf_xml(dest=dest, pupils=pupil_xml(good) + pupil_xml(bad))
    message = refused(world.b, write(tmp_path, content))
    line = next(n for n, text in enumerate(content.decode().splitlines(), 1) if bad in text)
    assert f"line {line}, CTfile/CTFpupilData/Pupil/UPN: the UPN {bad!r} is not valid" in message
    assert f"the UPN {good!r}" not in message  # the good pupil is not imported either (counts checked in refused)


def test_a_ctf_for_a_school_of_another_trust_is_refused(world, senco_history, tmp_path):
    path = export(world.a, senco_history.upn, tmp_path, dest=world.a.schools[1].laestab)
    message = refused(world.b, path)
    assert "Header/DestSchool" in message and "not a school of this trust" in message


def test_a_50_mb_file_is_refused_before_it_is_read(world, tmp_path):
    message = refused(world.b, write(tmp_path, ctf_xml() + b" " * 50_000_000))
    assert "50.0 MB" in message and "at most 10 MB" in message


def test_bad_sen_entries_are_each_named_and_nothing_is_imported(world, tmp_path):
    sen = """<SEN><StartDate>2025-13-01</StartDate><SENprovision>K</SENprovision></SEN>
      <SEN><StartDate>2025-01-01</StartDate><SENprovision>Q</SENprovision></SEN>
      <SENneeds><SENneed><SENtype>XYZ</SENtype><SENtypeRank>1</SENtypeRank></SENneed></SENneeds>"""
    content = ctf_xml(pupils=pupil_xml(make_upn("881", "2001", 16, 8), sen=sen))
    message = refused(world.b, write(tmp_path, content), "--school", world.b.school.urn)
    assert "SENhistory/SEN/StartDate: '2025-13-01' is not a date" in message
    assert "SENhistory/SEN/SENprovision: 'Q' is not an SEN provision code" in message
    assert "SENneed/SENtype: 'XYZ' is not a census need type" in message


def test_an_unknown_destination_needs_a_school(world, tmp_path):
    content = ctf_xml(pupils=pupil_xml(make_upn("881", "2001", 16, 9)))
    assert "choose the school the pupil joins" in refused(world.b, write(tmp_path, content))
    output = run_import(world.b, write(tmp_path, content), "--school", world.b.school.urn)
    assert "1 created" in output


def test_entities_are_not_expanded(world, tmp_path):
    content = b"""<?xml version="1.0"?><!DOCTYPE CTfile [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<CTfile><Header><CTFversion>&x;</CTFversion></Header></CTfile>"""
    message = refused(world.b, write(tmp_path, content))
    assert "root:" not in message and "CTFversion" in message
