"""The access log (`AccessEvent`) is partitioned by month, so that it never slows the tables people work in.

Every page view of a pupil record and every row an API client reads adds a row (one load test wrote 300,000), so
the table is declaratively partitioned by `created_at`, one partition a month (`send_accessevent_y2026m12`),
with a default partition that catches anything outside them. Queries of recent events touch recent partitions
only, and old months go with a `DROP TABLE` instead of a slow DELETE that leaves dead rows behind.

- Partitions ahead: the database function `send_access_log_partitions(months_ahead)`, owned by the owner role
  and run with its rights (the app role may create no table), is called by the migration and each night by
  Celery beat (`send.tasks.access_log_partitions`). Rows that landed in the default partition for a month are
  moved into that month's partition when it is made. Partitions have row-level security enabled (the app role
  reaches them only through the table, whose policy applies) but not forced: the owner moves rows between them.
- Retention: `python manage.py prune_access_log`, run as the owner (like `migrate`), drops the months older than
  `ACCESS_LOG_RETENTION_MONTHS` (default 24; 0 keeps everything). The app role cannot: the log is append-only
  for it, and dropping is deleting.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import connection

TABLE = "send_accessevent"
PARTITION = re.compile(rf"^{TABLE}_y(\d{{4}})m(\d{{2}})$")

# The function the migration installs (see the module docstring). SECURITY DEFINER: it runs as its owner, with a
# fixed search_path; only the app role may call it, and it can only add partitions.
CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION send_access_log_partitions(months_ahead integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    this_month date := date_trunc('month', now())::date;
    first_day date;
    next_day date;
    name text;
    made integer := 0;
BEGIN
    FOR step IN 0..greatest(months_ahead, 0) LOOP
        first_day := (this_month + make_interval(months => step))::date;
        next_day := (first_day + interval '1 month')::date;
        name := format('send_accessevent_y%sm%s', to_char(first_day, 'YYYY'), to_char(first_day, 'MM'));
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        -- made beside the table, filled with any rows of its month the default partition holds, then attached
        EXECUTE format('CREATE TABLE %I (LIKE send_accessevent INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
        EXECUTE format(
            'WITH moved AS (DELETE FROM send_accessevent_default '
            'WHERE created_at >= %L AND created_at < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
            first_day, next_day, name);
        EXECUTE format('ALTER TABLE send_accessevent ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                       name, first_day, next_day);
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', name);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I '
            'USING (trust_id = nullif(current_setting(''app.trust_id'', true), '''')::bigint) '
            'WITH CHECK (trust_id = nullif(current_setting(''app.trust_id'', true), '''')::bigint)', name);
        made := made + 1;
    END LOOP;
    RETURN made;
END
$fn$;
REVOKE ALL ON FUNCTION send_access_log_partitions(integer) FROM PUBLIC;
"""


def ensure_partitions(months_ahead: int = 3) -> int:
    """Make this month's partition and the next `months_ahead` (those missing); returns how many were made."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT send_access_log_partitions(%s)", [months_ahead])
        return int(cursor.fetchone()[0])


def month_of(name: str) -> dt.date | None:
    found = PARTITION.match(name)
    return dt.date(int(found.group(1)), int(found.group(2)), 1) if found else None


def partitions(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
        [TABLE],
    )
    return [row[0] for row in cursor.fetchall()]


def expired(names: list[str], retention_months: int, today: dt.date) -> list[str]:
    """The monthly partitions wholly older than the retention: kept are this month and the `retention_months`
    before it."""
    if retention_months <= 0:
        return []
    year, month = divmod(today.year * 12 + today.month - 1 - retention_months, 12)
    oldest_kept = dt.date(year, month + 1, 1)
    return [name for name in names if (start := month_of(name)) is not None and start < oldest_kept]
