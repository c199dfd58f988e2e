# Existing EHC records get the new steps: open requests lose a "no plan" clock the LA never started and count from
# the right event; current plans get "meeting by" and the review period's new last day; open reviews get the
# required-invitees, advice-request and circulation steps, open. Closed requests and reviews keep their history.
# (Its writes must not share a transaction with the schema changes before it, hence a migration of its own.)
# It runs the services' sync on the live models, so it must stay the LAST migration of the apps whose models it
# loads (reviews, pupils, schools): renumber any later migration of theirs to come before it.

from django.db import migrations


def resync_open_ehc_records(apps, schema_editor):
    """Through the services' own sync (the rules live there, not here), trust by trust under row-level security.
    On a new database there is no trust and nothing runs."""
    from reviews.ehc.deadlines import sync_plan_deadlines, sync_request_deadlines, sync_review_deadlines
    from reviews.ehc.models import AnnualReview, EhcAssessmentRequest, EhcPlan
    from send.tenancy import tenant_context

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM schools_trust ORDER BY id")
        trust_ids = [row[0] for row in cursor.fetchall()]
    for trust_id in trust_ids:
        with tenant_context(trust_id):
            for request in EhcAssessmentRequest.objects.filter(outcome="open").select_related("pupil"):
                sync_request_deadlines(request)
            for plan in EhcPlan.objects.filter(ceased_on__isnull=True).select_related("pupil"):
                sync_plan_deadlines(plan)
            for review in AnnualReview.objects.exclude(state="closed").select_related("ehc_plan__pupil"):
                sync_review_deadlines(review)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0013_pfa_and_received_labels"),
        # it loads the live models (pupils with their EHC records): every table they read must be migrated first
        ("pupils", "0014_register_order"),
        ("schools", "0009_mis_switches"),
    ]

    operations = [
        migrations.RunPython(resync_open_ehc_records, migrations.RunPython.noop),
    ]
