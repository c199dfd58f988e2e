from django.db import migrations

# Photos uploaded before files had a purpose are marked as photos, so that they stop being served when the school
# turns photos off. The owner runs migrations under FORCEd row-level security (it sees no tenant row), so the fill
# lifts FORCE for its one statement; post_migrate sets FORCE again in any case.
MARK = """
ALTER TABLE send_storedfile NO FORCE ROW LEVEL SECURITY;
ALTER TABLE pupils_pupil NO FORCE ROW LEVEL SECURITY;
UPDATE send_storedfile SET purpose = 'photo'
 WHERE id IN (SELECT photo_id FROM pupils_pupil WHERE photo_id IS NOT NULL);
ALTER TABLE pupils_pupil FORCE ROW LEVEL SECURITY;
ALTER TABLE send_storedfile FORCE ROW LEVEL SECURITY;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("pupils", "0012_tombstone_clock"),
        ("send", "0005_security_events_and_file_removals"),
    ]

    operations = [migrations.RunSQL(MARK, migrations.RunSQL.noop)]
