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
        from reviews.deadlines.services import sync_before_scan
        from reviews.demo import seed_ehc, seed_plans
        from reviews.ehc import policy as ehc_policy  # noqa: F401
        from send.demo import register_demo_seeder

        sync_before_scan(sync_all_plan_review_deadlines)
        register_demo_seeder(seed_plans)
        register_demo_seeder(seed_ehc)
