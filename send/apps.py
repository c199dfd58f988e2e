from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SendCoreConfig(AppConfig):
    name = "send"
    label = "send"
    verbose_name = "SEND core"

    def ready(self) -> None:
        from send import api_schema, dbsecurity  # noqa: F401  (api_schema registers the OpenAPI extension)

        post_migrate.connect(dbsecurity.secure_after_migrate, dispatch_uid="send.secure_after_migrate")
