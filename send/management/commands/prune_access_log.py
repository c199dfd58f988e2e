"""Drop the access log's months older than ACCESS_LOG_RETENTION_MONTHS; run as the owner role, like `migrate`.

`DATABASE_URL=$OWNER_DATABASE_URL python manage.py prune_access_log [--dry-run]`: each old month goes with one
`DROP TABLE` of its partition (no slow DELETE, no dead rows). The app role cannot do this: the log is
append-only for it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from psycopg import sql

from send.access_log import ensure_partitions, expired, partitions


class Command(BaseCommand):
    help = "Drop the access log's monthly partitions older than ACCESS_LOG_RETENTION_MONTHS (as the owner role)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Say what would be dropped, drop nothing")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            if cursor.fetchone()[0] == settings.DATABASE_APP_ROLE:
                raise CommandError("Run this as the owner role (DATABASE_URL=$OWNER_DATABASE_URL), like migrate.")
            old = expired(partitions(cursor), settings.ACCESS_LOG_RETENTION_MONTHS, timezone.localdate())
            for name in old:
                if not dry_run:
                    cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)).as_string(cursor.connection))
                self.stdout.write(f"{'Would drop' if dry_run else 'Dropped'} {name}")
        made = 0 if dry_run else ensure_partitions(settings.ACCESS_LOG_MONTHS_AHEAD)
        kept = settings.ACCESS_LOG_RETENTION_MONTHS or "every"
        self.stdout.write(f"{len(old)} old months, {made} new partitions; keeping {kept} months.")
