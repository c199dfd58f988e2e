from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.contrib.staticfiles.apps import StaticFilesConfig
from django.db.models.signals import post_migrate


class StaticFiles(StaticFilesConfig):
    """Static files without the sources and samples the front-end packages ship (Sass, Nunjucks templates, their
    rendered examples and docs): nothing serves them, and hashing and compressing them made the image build
    several times slower."""

    ignore_patterns = [
        *StaticFilesConfig.ignore_patterns,
        "*.scss",
        "*.njk",
        "*.md",
        "*.d.ts",
        "components/*/template*.html",
        "components/*/fixtures.json",
        "components/*/macro-options.json",
    ]


class SuperuserAdminConfig(AdminConfig):
    """django.contrib.admin with our default site (Django's documented way to replace it)."""

    default_site = "send.admin_site.SuperuserAdminSite"


class SendCoreConfig(AppConfig):
    name = "send"
    label = "send"
    verbose_name = "SEND core"

    def ready(self) -> None:
        from send import api_schema, dbsecurity  # noqa: F401  (api_schema registers the OpenAPI extension)

        post_migrate.connect(dbsecurity.secure_after_migrate, dispatch_uid="send.secure_after_migrate")
