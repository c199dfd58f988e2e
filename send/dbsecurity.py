"""Row-level security and grants, applied after every `migrate` by the owner role.

Declarative and idempotent: every table with a `trust_id` column gets RLS enabled and forced and the
same policy, so a new tenant table is covered by its first migration without anyone remembering to.
The app role receives data grants on every table, but only INSERT and SELECT on the audit tables.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections
from psycopg import sql

TENANT_COLUMN = "trust_id"
TENANT_POLICY = "tenant_isolation"
OWN_ROWS_POLICY = "own_rows"
LOOKUP_POLICY = "lookup"
TRUST_SETTING = "nullif(current_setting('app.trust_id', true), '')::bigint"
USER_SETTING = "nullif(current_setting('app.user_id', true), '')::bigint"


def audit_tables() -> list[str]:
    """Tables the app may only append to: pghistory's event tables and our access log."""
    from pghistory.models import Event

    tables = []
    for model in apps.get_models(include_auto_created=True):
        if issubclass(model, Event) or getattr(model, "audit_append_only", False):
            tables.append(model._meta.db_table)
    return sorted(set(tables))


def audit_partitions(cursor: Any) -> list[str]:
    """The partitions of audit tables (the access log is partitioned by month): append-only like their table."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ANY(%s) ORDER BY c.relname",
        [audit_tables()],
    )
    return [row[0] for row in cursor.fetchall()]


def own_row_policies() -> dict[str, str]:
    """Tables whose rows a user may also see outside a trust: {table: column naming that user}."""
    found = {}
    for model in apps.get_models():
        column = getattr(model, "rls_own_rows_column", None)
        if column:
            found[model._meta.db_table] = column
    return found


def lookup_policies() -> dict[str, tuple[str, str]]:
    """Tables whose row may be found outside a trust by a secret only its holder knows: {table: (column, setting)}.

    API clients: a request presents a token before any trust is known; its hash, set in a transaction-local
    setting, shows that one row and no other.
    """
    found = {}
    for model in apps.get_models():
        lookup = getattr(model, "rls_lookup", None)
        if lookup:
            found[model._meta.db_table] = lookup
    return found


def tenant_tables(cursor: Any) -> list[str]:
    cursor.execute(
        """
        SELECT c.relname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = %s AND NOT a.attisdropped
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
        ORDER BY c.relname
        """,
        [TENANT_COLUMN],
    )
    return [row[0] for row in cursor.fetchall()]


def secure_database(using: str = "default") -> dict[str, int]:
    """Apply grants and RLS. Does nothing when connected as the app role (it owns nothing)."""
    app_role = settings.DATABASE_APP_ROLE
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)", [app_role])
        current_user, app_role_exists = cursor.fetchone()
        if current_user == app_role:
            return {"tables": 0}
        role = sql.Identifier(app_role)
        if app_role_exists:
            for template in (
                "GRANT USAGE ON SCHEMA public TO {role}",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
                "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
                "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {role}",
            ):
                cursor.execute(sql.SQL(template).format(role=role).as_string(cursor.connection))
            for table in audit_tables() + audit_partitions(cursor):
                cursor.execute(
                    sql.SQL("REVOKE UPDATE, DELETE ON {table} FROM {role}")
                    .format(table=sql.Identifier(table), role=role)
                    .as_string(cursor.connection)
                )
            # The app adds the access log's monthly partitions (send/access_log.py), and may do nothing else with it.
            cursor.execute("SELECT to_regprocedure('send_access_log_partitions(integer)') IS NOT NULL")
            if cursor.fetchone()[0]:
                cursor.execute(
                    sql.SQL("GRANT EXECUTE ON FUNCTION send_access_log_partitions(integer) TO {role}")
                    .format(role=role)
                    .as_string(cursor.connection)
                )
        tables = tenant_tables(cursor)
        own_rows = own_row_policies()
        lookups = lookup_policies()
        cursor.execute("SELECT relname FROM pg_class WHERE relispartition AND relname = ANY(%s)", [tables])
        partitions = {row[0] for row in cursor.fetchall()}
        for table in tables:
            ident = sql.Identifier(table)
            statements = [
                sql.SQL("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY").format(t=ident),
                # A partition is reached through its table, whose policy applies to everyone; its own is for
                # the app role, and not forced on the owner, who moves rows between partitions.
                sql.SQL("ALTER TABLE {t} {force} ROW LEVEL SECURITY").format(
                    t=ident, force=sql.SQL("NO FORCE" if table in partitions else "FORCE")
                ),
                sql.SQL("DROP POLICY IF EXISTS {p} ON {t}").format(p=sql.Identifier(TENANT_POLICY), t=ident),
                sql.SQL(
                    "CREATE POLICY {p} ON {t} USING ({c} = " + TRUST_SETTING + ") "
                    "WITH CHECK ({c} = " + TRUST_SETTING + ")"
                ).format(p=sql.Identifier(TENANT_POLICY), t=ident, c=sql.Identifier(TENANT_COLUMN)),
                sql.SQL("DROP POLICY IF EXISTS {p} ON {t}").format(p=sql.Identifier(OWN_ROWS_POLICY), t=ident),
            ]
            statements.append(
                sql.SQL("DROP POLICY IF EXISTS {p} ON {t}").format(p=sql.Identifier(LOOKUP_POLICY), t=ident)
            )
            if table in lookups:
                column, setting = lookups[table]
                statements.append(
                    sql.SQL(
                        "CREATE POLICY {p} ON {t} FOR SELECT USING ({c} = nullif(current_setting({s}, true), ''))"
                    ).format(p=sql.Identifier(LOOKUP_POLICY), t=ident, c=sql.Identifier(column), s=sql.Literal(setting))
                )
            if table in own_rows:
                statements.append(
                    sql.SQL("CREATE POLICY {p} ON {t} FOR SELECT USING ({c} = " + USER_SETTING + ")").format(
                        p=sql.Identifier(OWN_ROWS_POLICY), t=ident, c=sql.Identifier(own_rows[table])
                    )
                )
            for statement in statements:
                cursor.execute(statement.as_string(cursor.connection))
    return {"tables": len(tables)}


def secure_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    # post_migrate fires once per app; the work is idempotent, so run it once, after the last app.
    if sender.label != list(apps.get_app_configs())[-1].label:
        return
    secure_database(using)
