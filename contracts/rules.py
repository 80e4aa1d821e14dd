"""What contracts add to the workflow: the effective-dated tier policy and the budget guard.

Imported by ``ContractsConfig.ready()``.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, IntegerField, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from workflow import guards, tiers

from .models import Budget, BudgetLine, TierPolicy

# Regulatory dates are dates in China, whatever the server's time zone.
POLICY_TIME_ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class PolicyTerms:
    key_threshold: Decimal
    ordinary_threshold: Decimal
    special_subject_is_key: bool = True
    lead_ad_sales_is_key: bool = True
    homepage_is_key: bool = True
    opt_in_allowed: bool = True


def default_terms() -> PolicyTerms:
    """No policy row in force: the national defaults (settings may override the thresholds)."""
    key, ordinary = tiers.default_thresholds()
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
    terms = policy or default_terms()
    flags = {
        "special_subject": project.special_subject and terms.special_subject_is_key,
        "lead_ad_sales_title": project.lead_ad_sales_title and terms.lead_ad_sales_is_key,
        "homepage_promotion": project.homepage_promotion and terms.homepage_is_key,
        "key_opt_in": project.key_opt_in and terms.opt_in_allowed,
    }
    return tiers.classify(
        investment(project),
        key_threshold=terms.key_threshold,
        ordinary_threshold=terms.ordinary_threshold,
        flags=flags,
    )


tiers.set_resolver(resolve_tier)


@guards.guard("start_production", order=310)
def budget_approved(project) -> list[str]:
    if Budget.objects.filter(project_id=project.pk, status=Budget.Status.APPROVED).exists():
        return []
    return [_("The budget must be approved before production starts.")]
