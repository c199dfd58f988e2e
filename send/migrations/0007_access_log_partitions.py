"""The access log becomes a table partitioned by month (see send/access_log.py).

Its rows are copied into monthly partitions; Django sees the same columns, so the model does not change. The
primary key becomes (id, created_at), as PostgreSQL asks of a partitioned table; ids stay unique (one sequence).
Reversing leaves the table partitioned: the same columns, so nothing else notices.
"""

from django.db import migrations

from send.access_log import CREATE_FUNCTION

PARTITION = """
ALTER TABLE send_accessevent RENAME TO send_accessevent_unpartitioned;
ALTER TABLE send_accessevent_unpartitioned DROP CONSTRAINT IF EXISTS
    send_accessevent_user_id_e6f2bcaa_fk_schools_user_id;
CREATE TABLE send_accessevent (
    id bigint NOT NULL,
    trust_id bigint NOT NULL,
    api_client varchar(200) NOT NULL,
    object_type varchar(100) NOT NULL,
    object_id varchar(64) NOT NULL,
    action varchar(40) NOT NULL,
    path varchar(500) NOT NULL,
    ip_address inet NULL,
    created_at timestamp with time zone NOT NULL,
    user_id bigint NULL,
    detail jsonb NOT NULL DEFAULT '{}'::jsonb
) PARTITION BY RANGE (created_at);
CREATE TABLE send_accessevent_default PARTITION OF send_accessevent DEFAULT;
DO $$
DECLARE month date;
BEGIN
    FOR month IN
        SELECT generate_series(date_trunc('month', min(created_at)), date_trunc('month', now()) - interval '1 month',
                               interval '1 month')::date
          FROM send_accessevent_unpartitioned
    LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF send_accessevent FOR VALUES FROM (%L) TO (%L)',
                       'send_accessevent_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM'),
                       month, (month + interval '1 month')::date);
    END LOOP;
END $$;
"""

AFTER_FUNCTION = """
SELECT send_access_log_partitions(3);
INSERT INTO send_accessevent (id, trust_id, api_client, object_type, object_id, action, path, ip_address, created_at,
                              user_id, detail)
SELECT id, trust_id, api_client, object_type, object_id, action, path, ip_address, created_at, user_id, detail
  FROM send_accessevent_unpartitioned;
DROP TABLE send_accessevent_unpartitioned;
CREATE SEQUENCE send_accessevent_id_seq OWNED BY send_accessevent.id;
SELECT setval('send_accessevent_id_seq', coalesce((SELECT max(id) FROM send_accessevent), 0) + 1, false);
ALTER TABLE send_accessevent ALTER COLUMN id SET DEFAULT nextval('send_accessevent_id_seq');
ALTER TABLE send_accessevent ADD CONSTRAINT send_accessevent_pkey PRIMARY KEY (id, created_at);
ALTER TABLE send_accessevent ADD CONSTRAINT send_accessevent_user_id_e6f2bcaa_fk_schools_user_id
    FOREIGN KEY (user_id) REFERENCES schools_user (id) DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX send_access_trust_i_67ec61_idx ON send_accessevent (trust_id, object_type, object_id);
CREATE INDEX send_accessevent_created_at_424975e8 ON send_accessevent (created_at);
CREATE INDEX send_accessevent_trust_id_5c30a2ae ON send_accessevent (trust_id);
CREATE INDEX send_accessevent_user_id_e6f2bcaa ON send_accessevent (user_id);
"""


class Migration(migrations.Migration):
    dependencies = [("send", "0006_pdf_subject_may_be_a_query"), ("schools", "0007_plan_settings")]

    operations = [
        migrations.RunSQL(PARTITION, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(CREATE_FUNCTION, reverse_sql="DROP FUNCTION IF EXISTS send_access_log_partitions(integer)"),
        migrations.RunSQL(AFTER_FUNCTION, reverse_sql=migrations.RunSQL.noop),
    ]
