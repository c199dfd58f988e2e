from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews, plans and statutory deadlines"

    def ready(self) -> None:
        # the rules and the pupil record sections register themselves on import
        from reviews import sections  # noqa: F401
        from reviews.apdr import policy as apdr_policy  # noqa: F401
        from reviews.apdr.deadlines import sync_all_plan_review_deadlines
        from reviews.deadlines import policy as deadlines_policy  # noqa: F401
        from reviews.deadlines.services import stop_feeds_when_credentials_revoked, sync_before_scan
        from reviews.demo import seed_ehc, seed_plans
        from reviews.ehc import policy as ehc_policy  # noqa: F401
        from reviews.pep import policy as pep_policy  # noqa: F401
        from reviews.pep import sections as pep_sections  # noqa: F401
        from reviews.pep.deadlines import sync_all_pep_deadlines
        from reviews.pep.demo import seed_peps
        from schools.security import credentials_revoked
        from send.demo import register_demo_seeder

        sync_before_scan(sync_all_plan_review_deadlines)
        sync_before_scan(sync_all_pep_deadlines)
        register_demo_seeder(seed_plans)
        register_demo_seeder(seed_ehc)
        register_demo_seeder(seed_peps)
        # Signing out everywhere, or deactivation, stops the person's calendar feeds too.
        credentials_revoked.connect(stop_feeds_when_credentials_revoked, dispatch_uid="reviews.stop_feeds")
