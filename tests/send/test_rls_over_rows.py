"""Row-level security over rows that exist: every tenant table (history tables included) holds a row of a trust
before the app role, with no trust set, counts what it sees; and each table's policies are the expected
expressions, not only the expected names.

A "no rows without a tenant" check over empty tables would pass with no policy at all; here each table is shown
to hold rows first (the count inside the trust is at least one), so the zero means the policy hid them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from send.dbsecurity import LOOKUP_POLICY, OWN_ROWS_POLICY, TENANT_POLICY
from send.tenancy import no_tenant, tenant_context
from tests.rows import one_of

pytestmark = pytest.mark.django_db

SETTING = r"\(NULLIF\(current_setting\('app\.{name}'::text, true\), ''::text\)\)"
TENANT_EXPRESSION = r"\(trust_id = " + SETTING.format(name="trust_id") + r"::bigint\)"
# The other policies a tenant table may have (SELECT only): a person's own rows, found by their user id before a
# trust is chosen, and a row found by the hash of a secret its holder presents (an API token, a calendar address).
OTHER_POLICIES = {
    OWN_ROWS_POLICY: r"\(\w+_id = " + SETTING.format(name="user_id") + r"::bigint\)",
    LOOKUP_POLICY: r"\(\(\w+_hash\)::text = NULLIF\(current_setting\('app\.(api_token_hash|feed_token_hash)'::text, "
    r"true\), ''::text\)\)",
}


def tenant_tables() -> list[tuple[str, bool]]:
    """Every table with a trust_id column, and whether it is a partition of another."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, c.relispartition FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'trust_id' AND NOT a.attisdropped
               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"""
        )
        return [(name, bool(partition)) for name, partition in cursor.fetchall()]


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        return int(cursor.fetchone()[0])


def models_by_table() -> dict[str, Any]:
    return {model._meta.db_table: model for model in apps.get_models()}


def test_every_tenant_table_has_rows_that_the_app_role_cannot_see_without_a_trust(world):
    tables = tenant_tables()
    assert len([t for t, partition in tables if not partition]) > 50
    assert any(t.endswith("event") for t, _ in tables), "the history (pghistory) tables are tenant tables too"
    models = models_by_table()
    made: dict[Any, Any] = {}
    with tenant_context(world.a.trust.pk):
        for table, partition in tables:
            if partition:
                continue  # reached through its table; one month's partition holds the parent's rows
            if count(table) == 0:
                assert table in models, f"{table}: no model to make a row with"
                one_of(models[table], made)
            assert count(table) >= 1, f"{table}: no row to hide"
    with no_tenant():
        seen = {table: count(table) for table, _ in tables}
    assert not {table: n for table, n in seen.items() if n}, "rows seen with no trust set"


def test_each_tenant_tables_policies_are_the_expected_expressions():
    tables = [t for t, _ in tenant_tables()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, policyname, permissive, cmd, qual, with_check FROM pg_policies"
            " WHERE tablename = ANY(%s)",
            [tables],
        )
        policies = cursor.fetchall()
    tenant = {table: (qual, check) for table, name, _, _, qual, check in policies if name == TENANT_POLICY}
    assert set(tenant) == set(tables), f"no {TENANT_POLICY} policy: {sorted(set(tables) - set(tenant))}"
    for table, name, permissive, command, qual, check in policies:
        what = f"{table}.{name}: {qual} / {check}"
        assert permissive == "PERMISSIVE", what
        if name == TENANT_POLICY:
            assert command == "ALL", what
            assert re.fullmatch(TENANT_EXPRESSION, qual) and re.fullmatch(TENANT_EXPRESSION, check), what
        else:
            # any other permissive policy widens what is seen: only these, and only for reading
            assert name in OTHER_POLICIES, what
            assert command == "SELECT" and check is None, what
            assert re.fullmatch(OTHER_POLICIES[name], qual), what


def test_the_expression_check_would_catch_a_policy_that_shows_everything():
    """The patterns are not so loose that `true`, or a comparison with another setting, would pass."""
    assert not re.fullmatch(TENANT_EXPRESSION, "true")
    assert not re.fullmatch(TENANT_EXPRESSION, TENANT_EXPRESSION.replace("trust_id", "user_id"))
    assert not re.fullmatch(
        TENANT_EXPRESSION, "(trust_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::bigint)"
    )
    assert re.fullmatch(
        TENANT_EXPRESSION, "(trust_id = (NULLIF(current_setting('app.trust_id'::text, true), ''::text))::bigint)"
    )
    assert not re.fullmatch(OTHER_POLICIES[OWN_ROWS_POLICY], "true")
