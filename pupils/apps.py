from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "pupils"
    verbose_name = "Pupils and the SEND register"

    def ready(self) -> None:
        from pupils import policy  # noqa: F401  (registers the rules)
        from pupils.demo import seed_pupils
        from send.demo import register_demo_seeder

        register_demo_seeder(seed_pupils)
