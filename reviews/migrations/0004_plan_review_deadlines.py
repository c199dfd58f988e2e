# The review dates of open SEN support plans into the deadline table (a migration of its own: its inserts must
# not share a transaction with 0003's schema changes).

from django.db import migrations

BACKFILL = """
INSERT INTO reviews_deadline (trust_id, uuid, school_id, pupil_id, plan_id, key, kind, due_on, rule, detail, state,
                              updated_at)
SELECT p.trust_id, gen_random_uuid(), pu.school_id, p.pupil_id, p.id, 'plan:' || p.id || ':review', 'plan_review',
       p.review_on, %s, 'Cycle ' || p.cycle, 'open', now()
  FROM reviews_plan p JOIN pupils_pupil pu ON pu.id = p.pupil_id
 WHERE p.trust_id = %s AND p.state IN ('active', 'due')
ON CONFLICT (trust_id, key) DO NOTHING
"""
RULE = "The review date agreed for the plan: the graduated approach reviews each cycle, usually termly"


def plan_review_deadlines(apps, schema_editor):
    """Open plans' review dates into the deadline table, trust by trust (row-level security is forced on the
    owner too: each trust's rows are written under its own setting)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM schools_trust")
        for (trust_id,) in cursor.fetchall():
            cursor.execute("SELECT set_config('app.trust_id', %s, true)", [str(trust_id)])
            cursor.execute(BACKFILL, [RULE, trust_id])
        cursor.execute("SELECT set_config('app.trust_id', '', true)")


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0003_plan_reviews_on_the_outbox"),
    ]

    operations = [
        migrations.RunPython(plan_review_deadlines, migrations.RunPython.noop),
    ]
