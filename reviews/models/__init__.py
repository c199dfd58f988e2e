"""The reviews app's models: APDR plans (`plans`), EHC needs assessments, EHC plans and annual reviews (`ehc`),
and the statutory-deadline table with its reminders and digests (`deadlines`)."""

from reviews.models.deadlines import *  # noqa: F403
from reviews.models.ehc import *  # noqa: F403
from reviews.models.plans import *  # noqa: F403
