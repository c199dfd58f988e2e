from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = "Trusts and schools"

    def ready(self) -> None:
        from schools import api, policy, relink, security  # noqa: F401  (registers the rules and signal receivers)

        relink.register_bulk_resource("staff", "Staff", api.StaffViewSet)
        relink.register_bulk_resource("classes", "Classes", api.SchoolClassViewSet)
