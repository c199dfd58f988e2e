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

        from reviews.deadline_services import stop_feeds_when_credentials_revoked
        from schools.security import credentials_revoked

        # Signing out everywhere, or deactivation, stops the person's calendar feeds too.
        credentials_revoked.connect(stop_feeds_when_credentials_revoked, dispatch_uid="reviews.stop_feeds")
