from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews, plans and statutory deadlines"

    def ready(self) -> None:
        from reviews import policy, sections  # noqa: F401  (registers the rules and the pupil record section)
        from reviews.demo import seed_ehc, seed_plans
        from schools.demo import register_demo_seeder

        register_demo_seeder(seed_plans)
        register_demo_seeder(seed_ehc)
