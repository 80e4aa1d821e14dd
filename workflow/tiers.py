"""The review tier of a proposal, fixed at submission.

The thresholds come from settings for now; the effective-dated, per-jurisdiction policy of the
development stage replaces this lookup without changing its callers.
"""

from decimal import Decimal

from django.conf import settings

DEFAULT_KEY_THRESHOLD = Decimal("1000000")
DEFAULT_ORDINARY_THRESHOLD = Decimal("300000")


def tier_for_budget(budget: Decimal) -> str:
    from .models import ReviewTier

    key = Decimal(getattr(settings, "MDPROD_KEY_TIER_THRESHOLD", DEFAULT_KEY_THRESHOLD))
    ordinary = Decimal(
        getattr(settings, "MDPROD_ORDINARY_TIER_THRESHOLD", DEFAULT_ORDINARY_THRESHOLD)
    )
    if budget >= key:
        return ReviewTier.KEY
    if budget >= ordinary:
        return ReviewTier.ORDINARY
    return ReviewTier.OTHER
