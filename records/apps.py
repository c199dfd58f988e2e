from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Records that follow the pupil"

    def ready(self) -> None:
        # the rules and the pupil record section register themselves on import
        from records import policy, sections  # noqa: F401
