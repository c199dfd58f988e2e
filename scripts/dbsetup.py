"""Create the database roles and the database, idempotently, as a PostgreSQL superuser.

send_owner owns the tables and runs migrations; send_app is what the app connects as: no superuser,
no BYPASSRLS, owns nothing. Run by `make setup` and `make test`; safe to run again.
"""

from __future__ import annotations

import os
import sys

import psycopg
from psycopg import sql

SUPERUSER_URL = os.environ.get("PG_SUPERUSER_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = os.environ.get("DATABASE_NAME", "send")
OWNER = os.environ.get("DATABASE_OWNER_ROLE", "send_owner")
OWNER_PASSWORD = os.environ.get("DATABASE_OWNER_PASSWORD", "send_owner")
APP = os.environ.get("DATABASE_APP_ROLE", "send_app")
APP_PASSWORD = os.environ.get("DATABASE_APP_PASSWORD", "send_app")


def ensure_role(cur: psycopg.Cursor, name: str, password: str, extra: str) -> None:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    verb = "ALTER" if cur.fetchone() else "CREATE"
    cur.execute(
        sql.SQL("{} ROLE {} LOGIN PASSWORD {} " + extra).format(
            sql.SQL(verb), sql.Identifier(name), sql.Literal(password)
        )
    )


def main() -> int:
    try:
        conn = psycopg.connect(SUPERUSER_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        print(f"dbsetup: cannot connect to PostgreSQL as a superuser ({SUPERUSER_URL}): {error}", file=sys.stderr)
        return 1
    with conn, conn.cursor() as cur:
        # The owner may create databases so that the test suite can create its own.
        ensure_role(cur, OWNER, OWNER_PASSWORD, "NOSUPERUSER CREATEDB NOCREATEROLE NOBYPASSRLS")
        ensure_role(cur, APP, APP_PASSWORD, "NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT")
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if not cur.fetchone():
            cur.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DATABASE), sql.Identifier(OWNER)))
            print(f"dbsetup: created database {DATABASE}")
    with psycopg.connect(SUPERUSER_URL.rsplit("/", 1)[0] + "/" + DATABASE, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(OWNER)))
        conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    print(f"dbsetup: roles {OWNER} (owner) and {APP} (app, no RLS bypass) and database {DATABASE} are ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
