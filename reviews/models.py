"""The reviews app's models: APDR plans (`plans`), EHC needs assessments, EHC plans and annual reviews (`ehc`),
and the statutory-deadline table with its reminders and digests (`deadlines`)."""

from reviews.apdr.models import *  # noqa: F403
from reviews.deadlines.models import *  # noqa: F403
from reviews.ehc.models import *  # noqa: F403
