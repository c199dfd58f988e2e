"""Loading generated datasets with COPY (the national-scale benchmark): rows name each other by keys handed out
before they are written, each field converted as Django saves it, the owner's triggers and forced row-level
security off while loading and on again after, and the identity columns moved on past the keys used."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Model
from psycopg import sql


def copy(model: type[Model], instances: Iterable[Model]) -> int:
    """COPY the instances (primary keys set) into the model's table, each field converted as Django saves it."""
    fields = list(model._meta.concrete_fields)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(sql.Identifier(f.column) for f in fields)
    )
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as out:
        for obj in instances:
            out.write_row([f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields])
            count += 1
    return count


class Ids:
    """Primary keys handed out here, so that rows can name each other before they are written."""

    def __init__(self) -> None:
        self.next: dict[type[Model], int] = {}

    def __call__(self, model: type[Model]) -> int:
        if model not in self.next:
            with connection.cursor() as cursor:
                cursor.execute(
                    sql.SQL("SELECT coalesce(max(id), 0) FROM {}")
                    .format(sql.Identifier(model._meta.db_table))
                    .as_string(cursor.connection)
                )
                self.next[model] = cursor.fetchone()[0] + 1
        self.next[model] += 1
        return self.next[model] - 1


def tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r'"
        )
        return [row[0] for row in cursor.fetchall()]


def switch_triggers_and_forced_rls(on: bool) -> None:
    """Triggers and forced row-level security off for the load (owner only), and back on after it."""
    with connection.cursor() as cursor:
        for table in tables():
            ident = sql.Identifier(table)
            cursor.execute(
                sql.SQL("ALTER TABLE {} {} TRIGGER USER")
                .format(ident, sql.SQL("ENABLE" if on else "DISABLE"))
                .as_string(cursor.connection)
            )
            if not on:
                cursor.execute(
                    sql.SQL("ALTER TABLE {} NO FORCE ROW LEVEL SECURITY").format(ident).as_string(cursor.connection)
                )


def continue_sequences() -> None:
    """Identity columns continue after the keys handed out here."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'id'"
        )
        for (table,) in cursor.fetchall():
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            row = cursor.fetchone()
            if row and row[0]:
                cursor.execute(
                    sql.SQL("SELECT setval(%s, coalesce((SELECT max(id) FROM {}), 0) + 1, false)")
                    .format(sql.Identifier(table))
                    .as_string(cursor.connection),
                    [row[0]],
                )
