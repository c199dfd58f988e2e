from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "The SENCO's home and reports for heads, governors and the trust"

    def ready(self) -> None:
        # the trust actions and the landing pages register themselves on import
        from reports import policy  # noqa: F401
