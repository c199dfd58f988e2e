from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = "Trusts and schools"

    def ready(self) -> None:
        from schools import policy, security  # noqa: F401  (registers the rules and signal receivers)
