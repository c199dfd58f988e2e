from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from schools.demo import seed_demo


class Command(BaseCommand):
    help = "Create the two demo trusts, their schools, pupils and one user per role (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: demo data is not for production. Use --force if you mean it.")
        seed_demo(stdout=self.stdout if options.get("verbosity", 1) > 0 else None)
