"""The retention schedule's first rule (SEN file: date of birth + 31 years, IRMS toolkit for schools), and the one
privileged path that erases a destroyed pupil's audit rows: a SECURITY DEFINER function, owned by the owner role.

The app's role still may not UPDATE or DELETE an audit row (send.dbsecurity revokes it); it may only call this
function, which deletes only rows of audit tables (pghistory's event tables, the access log, stored files and their
removals), only of the trust in context (row-level security applies to the owner too: FORCE), only for a destruction review of that trust whose pupil has left, is past the retention date and has no open
legal hold (or is already deleted by this destruction), and closes that review when told it is the last call.
"""

from django.conf import settings
from django.db import migrations
from psycopg import sql

ERASE = """
CREATE OR REPLACE FUNCTION records_erase_audit_rows(review uuid, doomed jsonb, finish boolean) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  trust bigint := nullif(current_setting('app.trust_id', true), '')::bigint;
  tbl text;
  ids bigint[];
  key_column text;
  removed integer := 0;
  n integer;
BEGIN
  IF trust IS NULL THEN
    RAISE EXCEPTION 'records_erase_audit_rows: no trust in context';
  END IF;
  -- the rules again, in the database: a review of this trust, not yet closed, of a pupil already deleted in this
  -- destruction, or one who has left, is past the retention date and has no open legal hold
  IF NOT EXISTS (
    SELECT 1 FROM records_destructionreview d
      JOIN records_retentionrule r ON r.id = d.rule_id
      LEFT JOIN pupils_pupil p ON p.id = d.pupil_id
     WHERE d.uuid = review AND d.trust_id = trust AND d.state = 'due'
       AND (d.pupil_id IS NULL OR (
             p.leaving_date <= current_date
             AND p.date_of_birth + make_interval(years => r.years_after_birth) <= current_date
             AND NOT EXISTS (SELECT 1 FROM records_legalhold h WHERE h.pupil_id = p.id AND h.lifted_at IS NULL)))
  ) THEN
    RAISE EXCEPTION 'records_erase_audit_rows: no approved destruction under way for this review';
  END IF;
  -- pghistory's append-only triggers stand down for this transaction only, for this function's deletes
  PERFORM set_config(
    'pgtrigger.ignore',
    (SELECT coalesce(array_agg(tgname)::text, '{}') FROM pg_trigger WHERE tgname LIKE 'pgtrigger_append_only_%'),
    true
  );
  FOR tbl, ids IN
    SELECT key, ARRAY(SELECT jsonb_array_elements_text(value)::bigint) FROM jsonb_each(doomed)
  LOOP
    IF tbl IN ('send_accessevent', 'send_storedfile', 'send_storedfileremoval', 'send_tombstone',
               'reviews_plantransition', 'schools_misidchange') THEN
      key_column := 'id';
    ELSIF EXISTS (
      SELECT 1 FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = tbl AND column_name = 'pgh_obj_id'
    ) THEN
      key_column := 'pgh_id';
    ELSE
      RAISE EXCEPTION 'records_erase_audit_rows: % is not an audit table', tbl;
    END IF;
    EXECUTE format('DELETE FROM %I WHERE %I = ANY($1) AND trust_id = $2', tbl, key_column) USING ids, trust;
    GET DIAGNOSTICS n = ROW_COUNT;
    removed := removed + n;
  END LOOP;
  PERFORM set_config('pgtrigger.ignore', '{}', true);
  IF finish THEN
    UPDATE records_destructionreview SET state = 'destroyed' WHERE uuid = review AND trust_id = trust;
  END IF;
  RETURN removed;
END
$$;
REVOKE ALL ON FUNCTION records_erase_audit_rows(uuid, jsonb, boolean) FROM PUBLIC;
"""


def seed(apps, schema_editor):
    RetentionRule = apps.get_model("records", "RetentionRule")
    RetentionRule.objects.update_or_create(
        kind="sen_file",
        defaults={
            "label": "SEN file",
            "years_after_birth": 31,
            "source": "IRMS Information Management Toolkit for Schools: SEN files, date of birth + 31 years",
        },
    )


def grant(apps, schema_editor):
    role = settings.DATABASE_APP_ROLE
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            statement = sql.SQL("GRANT EXECUTE ON FUNCTION records_erase_audit_rows(uuid, jsonb, boolean) TO {}")
            cursor.execute(statement.format(sql.Identifier(role)).as_string(cursor.connection))


class Migration(migrations.Migration):
    dependencies = [("records", "0004_retention_and_destruction")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunSQL(ERASE, "DROP FUNCTION IF EXISTS records_erase_audit_rows(uuid, jsonb, boolean);"),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
