"""Create an API client for a trust and print its token (shown once), for automation."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from schools import api_client_services
from schools.models import School, Trust
from send.tenancy import tenant_context


class Command(BaseCommand):
    help = "Create an API client for a trust (read scope, and write with --write) and print its token once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--trust", required=True, help="The trust's slug")
        parser.add_argument("--name", required=True, help="A name for the client, e.g. the MIS it is")
        parser.add_argument("--write", action="store_true", help="Also allow writes (bulk upserts, deletes)")
        parser.add_argument(
            "--school", action="append", default=[], metavar="URN", help="Limit to this school (repeat for more)"
        )
        parser.add_argument("--rate-limit", type=int, default=600, help="Requests per minute (default 600)")

    def handle(self, *args: Any, **options: Any) -> None:
        trust = Trust.objects.filter(slug=options["trust"]).first()
        if trust is None:
            raise CommandError(f"No trust with the slug {options['trust']!r}.")
        with tenant_context(trust.pk):
            schools = list(School.objects.filter(urn__in=options["school"]))
            missing = sorted(set(options["school"]) - {school.urn for school in schools})
            if missing:
                raise CommandError(f"No school of this trust has the URN {', '.join(missing)}.")
            try:
                client, token = api_client_services.create_api_client(
                    name=options["name"],
                    can_read=True,
                    can_write=options["write"],
                    all_schools=not schools,
                    schools=schools,
                    rate_limit_per_minute=options["rate_limit"],
                )
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
        scopes = ", ".join(client.scopes)
        self.stderr.write(f"API client {client.name!r} ({scopes}) created for {trust.name}. The token, shown once:")
        self.stdout.write(token)
