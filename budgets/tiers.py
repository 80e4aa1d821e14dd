"""The review tier of a proposal: KEY, ORDINARY or OTHER, with the reason in words.

Thresholds are data that differ by jurisdiction and change over time: the row of ``TierPolicy``
in force decides them. A migration seeds the national row (from the ``MDPROD_*_TIER_THRESHOLD``
settings, which seed it and nothing more), and ``budgets.services.tier_policy_delete`` keeps one
national row. Where none is in force on a date all the same (before the earliest national row
left, or rows removed outside mdprod, such as by ``manage.py flush``), the seed values apply
and a warning is logged: a project is never left without a tier. ``BudgetsConfig.ready()`` installs ``resolve_tier`` as the workflow's resolver
(``workflow.tiers``).
"""

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, IntegerField, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import BudgetLine, TierPolicy

logger = logging.getLogger(__name__)

# Regulatory dates are dates in China, whatever the server's time zone.
POLICY_TIME_ZONE = ZoneInfo("Asia/Shanghai")

DEFAULT_KEY_THRESHOLD = Decimal("1000000")
DEFAULT_ORDINARY_THRESHOLD = Decimal("300000")

KEY_FLAGS = (
    ("special_subject", gettext_lazy("special subject")),
    ("lead_ad_sales_title", gettext_lazy("the platform's lead ad-sales title")),
    ("homepage_promotion", gettext_lazy("home-page first-screen promotion")),
    ("key_opt_in", gettext_lazy("the producer opted in")),
)


def classify(
    investment: Decimal,
    *,
    key_threshold: Decimal,
    ordinary_threshold: Decimal,
    flags: dict[str, bool],
) -> tuple[str, str]:
    """The tier for an investment and the KEY flags that apply, with the reason."""
    money = f"{investment:,.2f}"
    raised = [label for name, label in KEY_FLAGS if flags.get(name)]
    if raised:
        return "KEY", _("KEY: %(flags)s") % {"flags": ", ".join(str(label) for label in raised)}
    if investment >= key_threshold:
        return "KEY", _("KEY: investment %(money)s >= %(key)s") % {
            "money": money,
            "key": f"{key_threshold:,.2f}",
        }
    if investment >= ordinary_threshold:
        return "ORDINARY", _("ORDINARY: %(ordinary)s <= investment %(money)s < %(key)s") % {
            "money": money,
            "ordinary": f"{ordinary_threshold:,.2f}",
            "key": f"{key_threshold:,.2f}",
        }
    return "OTHER", _("OTHER: investment %(money)s < %(ordinary)s") % {
        "money": money,
        "ordinary": f"{ordinary_threshold:,.2f}",
    }


def default_thresholds() -> tuple[Decimal, Decimal]:
    """The national defaults (KEY, ORDINARY) the first national row is seeded with."""
    return (
        Decimal(getattr(settings, "MDPROD_KEY_TIER_THRESHOLD", DEFAULT_KEY_THRESHOLD)),
        Decimal(getattr(settings, "MDPROD_ORDINARY_TIER_THRESHOLD", DEFAULT_ORDINARY_THRESHOLD)),
    )


@dataclass(frozen=True)
class PolicyTerms:
    key_threshold: Decimal
    ordinary_threshold: Decimal
    special_subject_is_key: bool = True
    lead_ad_sales_is_key: bool = True
    homepage_is_key: bool = True
    opt_in_allowed: bool = True


def default_terms() -> PolicyTerms:
    """No policy row in force (removed outside mdprod): the values the national row is seeded
    with."""
    key, ordinary = default_thresholds()
    return PolicyTerms(key_threshold=key, ordinary_threshold=ordinary)


def policy_date(project) -> date:
    """The submission date in China; for a proposal not yet submitted, today."""
    moment = project.submitted_at or timezone.now()
    return moment.astimezone(POLICY_TIME_ZONE).date()


def policy_in_force(*, province: str, on: date) -> TierPolicy | None:
    """The latest row effective on ``on`` for the province if it has any, else the national one."""
    provinces = {"", province} if province else {""}
    return (
        TierPolicy.objects.filter(effective_from__lte=on, province__in=provinces)
        .order_by(
            Case(
                When(province="", then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            "-effective_from",
        )
        .first()
    )


def investment(project) -> Decimal:
    """The total investment the tier is judged on: the larger of the proposal's planned budget
    and its budget lines' planned total.

    The lines are the detail and may run over the headline figure; they must not bring it down
    (a token line would otherwise route a 2,000,000 CNY drama as OTHER).
    """
    lines_total = BudgetLine.objects.filter(budget__project_id=project.pk).aggregate(
        total=Sum("planned")
    )["total"]
    return max(project.planned_budget, lines_total or Decimal("0"))


def resolve_tier(project) -> tuple[str, str]:
    policy = policy_in_force(province=project.producer.province, on=policy_date(project))
    if policy is None:
        logger.warning(
            "No review-tier policy in force for project %s: the seed defaults apply. "
            "Add a national row in the admin (Review-tier policies).",
            project.pk,
        )
    terms = policy or default_terms()
    flags = {
        "special_subject": project.special_subject and terms.special_subject_is_key,
        "lead_ad_sales_title": project.lead_ad_sales_title and terms.lead_ad_sales_is_key,
        "homepage_promotion": project.homepage_promotion and terms.homepage_is_key,
        "key_opt_in": project.key_opt_in and terms.opt_in_allowed,
    }
    return classify(
        investment(project),
        key_threshold=terms.key_threshold,
        ordinary_threshold=terms.ordinary_threshold,
        flags=flags,
    )
