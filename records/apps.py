from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Records that follow the pupil"

    def ready(self) -> None:
        # the rules and the pupil record section register themselves on import
        from records import policy, sections  # noqa: F401
        from records.transfer_services import start_transfers_for_leavers
        from reviews.deadlines.services import sync_before_scan

        def start_transfers() -> None:
            start_transfers_for_leavers()

        # leavers recorded elsewhere (the MIS through the API) get their transfer before the morning scan
        sync_before_scan(start_transfers)

        # A destruction erases append-only rows through the privileged path first; a listener makes the ORM's
        # cascade look for such rows (finding none) instead of sending a bare DELETE the app's role may not run.
        from django.db.models.signals import pre_delete

        from records.retention_services import APPEND_ONLY_LIVE, refuse_append_only_delete

        for model in APPEND_ONLY_LIVE:
            pre_delete.connect(refuse_append_only_delete, sender=model, dispatch_uid=f"records.append_only.{model}")
