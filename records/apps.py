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
