from django.apps import AppConfig


class ProvisionConfig(AppConfig):
    name = "provision"
    verbose_name = "Provision maps"

    def ready(self) -> None:
        from provision import policy, sections  # noqa: F401  (registers the rules and the pupil record section)
        from provision.demo import seed_provision
        from send.demo import register_demo_seeder

        register_demo_seeder(seed_provision)
