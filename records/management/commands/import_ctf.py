"""Read a Common Transfer File into a trust: `import_ctf --trust SLUG FILE`; prints created, updated, conflicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from records.ctf_reader import MAX_BYTES, CtfRefused
from records.ctf_services import import_ctf
from records.models import CtfOutcome
from schools.models import School, Trust
from send.tenancy import tenant_context


class Command(BaseCommand):
    help = "Import a CTF (version 25) into a trust: match by UPN, add SEN history as imported, list conflicts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--trust", required=True, help="The trust's slug")
        parser.add_argument("file", help="The CTF's XML file")
        parser.add_argument("--school", metavar="URN", help="Where pupils join when the file names no destination")

    def handle(self, *args: Any, **options: Any) -> None:
        trust = Trust.objects.filter(slug=options["trust"]).first()
        if trust is None:
            raise CommandError(f"No trust with the slug {options['trust']!r}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        if path.stat().st_size > MAX_BYTES:
            mb = path.stat().st_size / 1_000_000
            raise CommandError(f"{path}: the file is {mb:.1f} MB; a CTF may be at most {MAX_BYTES // 1_000_000} MB.")
        with tenant_context(trust.pk):
            school = None
            if options["school"]:
                school = School.objects.filter(urn=options["school"]).first()
                if school is None:
                    raise CommandError(f"No school of {trust.name} has the URN {options['school']}.")
            try:
                result = import_ctf(path.read_bytes(), file_name=path.name, school=school)
            except CtfRefused as refused:
                raise CommandError(f"{path}: nothing was imported.\n" + "\n".join(refused.problems)) from None
        for outcome in CtfOutcome:
            for pupil in result.of(outcome):
                self.stdout.write(f"{outcome.value}: {pupil.upn} {pupil.name} ({pupil.added} SEN entries added)")
        for pupil, conflict in result.conflicts:
            self.stdout.write(f"conflict: {pupil.upn}: {conflict}")
        counts = {outcome.value: len(result.of(outcome)) for outcome in CtfOutcome}
        self.stdout.write(
            f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged, "
            f"{len(result.conflicts)} conflicts"
        )
