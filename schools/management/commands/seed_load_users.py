"""Demo users for a load test: N more SENCOs of the demo's Oakfield Primary, each signing in with the demo password
and the demo authenticator, and an API client whose token is written to a file.

A TOTP code may be used once per device (django-otp refuses a replay), so a hundred simultaneous virtual users
cannot share the nine demo accounts: each gets its own, made like the demo's (`make load` runs this). Refuses
with DEBUG off, like seed_demo.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from schools.api_client_services import create_api_client
from schools.models import ApiClient, Membership, Role, School, Trust, User
from send.tenancy import tenant_context

DOMAIN = "load.oakfield.example"
CLIENT = "Load test MIS"


class Command(BaseCommand):
    help = "Make N load-test SENCOs at Oakfield Primary (demo password and authenticator) and an API client."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=100)
        parser.add_argument("--token-file", default=str(Path(settings.BASE_DIR) / "var" / "load" / "api-token"))

    def handle(self, *args: Any, users: int, token_file: str, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("This makes demo users: run it on a development database (DEBUG=1).")
        trust = Trust.objects.filter(slug="oakfield").first()
        if trust is None:
            raise CommandError("Run `python manage.py seed_demo` first: the load users join its Oakfield Primary.")
        template = User(email="template@invalid")
        template.set_password(settings.DEMO_PASSWORD)  # one hash for all: argon2 is slow on purpose
        with tenant_context(trust.pk):
            school = School.objects.get(urn="141203")
            for n in range(users):
                user, _ = User.objects.get_or_create(
                    email=f"senco{n}@{DOMAIN}", defaults={"full_name": f"Load SENCO {n}", "password": template.password}
                )
                Membership.objects.get_or_create(user=user, role=Role.SENCO, school=school)
                TOTPDevice.objects.update_or_create(
                    user=user,
                    name="Demo authenticator",
                    defaults={"key": settings.DEMO_TOTP_KEY_HEX, "confirmed": True},
                )
            ApiClient.objects.filter(name=CLIENT).delete()
            _, token = create_api_client(name=CLIENT, can_write=False, rate_limit_per_minute=1_000_000)
        path = Path(token_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(token)
        path.chmod(0o600)
        self.stdout.write(f"{users} load-test SENCOs (senco0@{DOMAIN} ...) and an API client (token in {path}).")
