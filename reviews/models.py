"""The reviews app's models: APDR plans (`plans`), EHC needs assessments, EHC plans and annual reviews (`ehc`),
the statutory-deadline table with its reminders and digests (`deadlines`), and looked-after children's PEPs
and Virtual Schools (`pep`)."""

from reviews.apdr.models import *  # noqa: F403
from reviews.deadlines.models import *  # noqa: F403
from reviews.ehc.models import *  # noqa: F403
from reviews.pep.models import *  # noqa: F403
from reviews.pep.ppp_models import *  # noqa: F403
