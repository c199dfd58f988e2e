"""The three tenancy layers, each shown to hold on its own."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.template import Context, Template
from django_scopes import ScopeError, scopes_disabled

from pupils.models import Pupil
from schools.models import Membership, School
from send.dbsecurity import TENANT_POLICY, audit_tables
from send.tenancy import TenantRequired, no_tenant, own_rows_context, tenant_context, user_context

pytestmark = pytest.mark.django_db


def tenant_table_names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'trust_id' AND NOT a.attisdropped
               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"""
        )
        return [row[0] for row in cursor.fetchall()]


class TestRowLevelSecurityCatalog:
    def test_every_tenant_table_has_rls_enabled_forced_and_the_policy(self):
        tables = tenant_table_names()
        assert "pupils_pupil" in tables and "schools_school" in tables and "send_accessevent" in tables
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                          EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = %s),
                          c.relispartition
                   FROM pg_class c WHERE c.relname = ANY(%s)""",
                [TENANT_POLICY, tables],
            )
            rows = cursor.fetchall()
        assert len(rows) == len(tables)
        assert any(partition for *_, partition in rows)  # the access log's months
        for name, enabled, forced, has_policy, partition in rows:
            # a partition is reached through its (forced) table; the owner moves rows between partitions
            assert (enabled, forced, has_policy) == (True, not partition, True), name

    def test_the_app_role_is_not_superuser_cannot_bypass_rls_and_owns_nothing(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == settings.DATABASE_APP_ROLE
            cursor.execute(
                "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
            )
            assert cursor.fetchone() == (False, False, False, False)
            cursor.execute(
                """SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user"""
            )
            assert cursor.fetchone()[0] == 0

    def test_with_no_tenant_set_every_tenant_table_returns_no_rows(self, world):
        with no_tenant(), connection.cursor() as cursor:
            for table in tenant_table_names():
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                assert cursor.fetchone()[0] == 0, table

    def test_with_a_tenant_set_only_that_trusts_rows_are_returned(self, world):
        with tenant_context(world.a.trust.pk), connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT trust_id FROM pupils_pupil")
            assert [row[0] for row in cursor.fetchall()] == [world.a.trust.pk]

    def test_a_row_cannot_be_written_into_another_trust(self, world):
        from django.db.utils import ProgrammingError

        with tenant_context(world.a.trust.pk), pytest.raises(ProgrammingError, match="row-level security"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("UPDATE pupils_pupil SET trust_id = %s", [world.b.trust.pk])

    def test_audit_tables_are_append_only_for_the_app_role(self):
        with connection.cursor() as cursor:
            for table in audit_tables():
                cursor.execute(
                    "SELECT has_table_privilege(current_user, %s, 'INSERT'), "
                    "has_table_privilege(current_user, %s, 'SELECT'), "
                    "has_table_privilege(current_user, %s, 'UPDATE'), "
                    "has_table_privilege(current_user, %s, 'DELETE'), "
                    "has_table_privilege(current_user, %s, 'TRUNCATE')",
                    [table] * 5,
                )
                assert cursor.fetchone() == (True, True, False, False, False), table


class TestOrmScope:
    def test_a_tenant_model_query_outside_a_scope_raises(self, world):
        with pytest.raises(ScopeError):
            list(Pupil.objects.all())

    def test_inside_a_scope_only_that_trust_is_returned(self, world):
        with tenant_context(world.b.trust.pk):
            assert {p.trust_id for p in Pupil.objects.all()} == {world.b.trust.pk}

    def test_disabling_the_scope_still_shows_nothing_without_a_tenant(self, world):
        with no_tenant(), scopes_disabled():
            assert Pupil.objects.count() == 0

    def test_saving_a_tenant_row_without_a_trust_is_refused(self, world):
        with scopes_disabled(), pytest.raises(TenantRequired):
            School(name="Nowhere", urn="999999", la_code="926", establishment_number="1234", phase="primary").save()

    def test_a_user_outside_any_trust_sees_only_their_own_memberships(self, world):
        user = world.a.users["senco"]
        with own_rows_context(user.pk):
            rows = list(Membership.objects.values_list("user_id", flat=True))
            assert not School.objects.exists()
        assert rows and set(rows) == {user.pk}

    def test_inside_a_trust_even_the_users_own_rows_of_another_trust_are_hidden(self, world):
        user = world.a.users["senco"]
        with tenant_context(world.b.trust.pk):
            Membership.objects.create(user=user, role="senco", school=world.b.school)
        with tenant_context(world.a.trust.pk, user.pk), connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT trust_id FROM schools_membership WHERE user_id = %s", [user.pk])
            assert [row[0] for row in cursor.fetchall()] == [world.a.trust.pk]

    def test_a_signed_in_user_without_a_trust_cannot_query_tenant_models(self, world):
        with user_context(world.a.users["senco"].pk), pytest.raises(ScopeError):
            list(Membership.objects.all())


class TestConnectionState:
    def test_the_tenant_follows_the_context_on_one_connection(self, world):
        with tenant_context(world.a.trust.pk):
            assert {p.trust_id for p in Pupil.objects.all()} == {world.a.trust.pk}
        with tenant_context(world.b.trust.pk):
            assert {p.trust_id for p in Pupil.objects.all()} == {world.b.trust.pk}
        with no_tenant(), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pupils_pupil")
            assert cursor.fetchone()[0] == 0

    def test_a_rolled_back_savepoint_does_not_leave_a_stale_tenant(self, world):
        with tenant_context(world.a.trust.pk):
            Pupil.objects.count()
        try:
            with transaction.atomic(), tenant_context(world.b.trust.pk):
                Pupil.objects.count()
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        # PostgreSQL restored trust a's setting; the backend must notice and set the empty tenant.
        with no_tenant(), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pupils_pupil")
            assert cursor.fetchone()[0] == 0

    def test_lazy_querysets_rendered_in_a_template_use_the_tenant_at_render_time(self, world):
        with tenant_context(world.a.trust.pk):
            pupils = Pupil.objects.all()
            html = Template("{% for p in pupils %}{{ p.trust_id }},{% endfor %}").render(Context({"pupils": pupils}))
        assert set(filter(None, html.split(","))) == {str(world.a.trust.pk)}


def test_every_unique_key_of_a_tenant_table_includes_trust_id():
    """A global unique index would tell one trust that another holds a pupil (UPN) or school (URN)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, i.relname, array_agg(a.attname ORDER BY a.attname)
            FROM pg_index x
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(x.indkey)
            WHERE x.indisunique AND NOT x.indisprimary
              AND EXISTS (SELECT 1 FROM pg_attribute ta WHERE ta.attrelid = t.oid AND ta.attname = 'trust_id')
            GROUP BY t.relname, i.relname
            """
        )
        rows = cursor.fetchall()
    assert rows
    for table, index, columns in rows:
        # uuid and the hashes of API tokens and calendar-feed addresses are random: no one can choose one to probe
        # another trust.
        random = (["uuid"], ["token_hash"], ["feed_token_hash"])
        assert "trust_id" in columns or columns in random, f"{table}.{index} on {columns}"
