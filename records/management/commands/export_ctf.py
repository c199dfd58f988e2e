"""Write one pupil's Common Transfer File (SEN part, version 25): `export_ctf --trust SLUG --upn UPN [-o FILE]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pupils.models import Pupil
from pupils.upn import validate_upn
from records.ctf_export import build_ctf
from schools.models import Trust
from send.tenancy import tenant_context


class Command(BaseCommand):
    help = "Write one pupil's CTF (the SEN part, version 25) to standard output, or to a file with -o."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--trust", required=True, help="The trust's slug")
        parser.add_argument("--upn", required=True, help="The pupil's UPN")
        parser.add_argument("-o", "--output", help="Write to this file instead of standard output")
        parser.add_argument("--dest", default="", metavar="LAESTAB", help="The new school's LAESTAB, if known")

    def handle(self, *args: Any, **options: Any) -> None:
        trust = Trust.objects.filter(slug=options["trust"]).first()
        if trust is None:
            raise CommandError(f"No trust with the slug {options['trust']!r}.")
        try:
            upn = validate_upn(options["upn"])
        except ValidationError as error:
            raise CommandError(f"--upn: {' '.join(error.messages)}") from None
        with tenant_context(trust.pk):
            pupil = Pupil.objects.select_related("school").filter(upn=upn).first()
            if pupil is None:
                raise CommandError(f"No pupil of {trust.name} has the UPN {upn}.")
            try:
                content = build_ctf(pupil, destination=options["dest"])
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        if options["output"]:
            Path(options["output"]).write_bytes(content)
            self.stderr.write(f"Wrote the CTF of {pupil.upn} to {options['output']}.")
        else:
            self.stdout.write(content.decode("utf-8"), ending="")
