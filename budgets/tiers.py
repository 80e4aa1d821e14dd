"""The review tier of a proposal: KEY, ORDINARY or OTHER, with the reason in words.

Thresholds are data that differ by jurisdiction and change over time: the row of ``TierPolicy``
in force decides them. A migration seeds the national row (from the ``MDPROD_*_TIER_THRESHOLD``
settings, which seed it and nothing more), and ``budgets.services.tier_policy_delete`` keeps one
national row. Where none is in force on a date all the same (before the earliest national row
left, or rows removed outside mdprod, such as by ``manage.py flush``), the seed values apply
and a warning is logged: a project is never left without a tier. ``BudgetsConfig.ready()`` installs ``resolve_tier`` as the workflow's resolver
(``workflow.tiers``).
"""

import functools
import logging
import re
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from common.money import cny
from workflow.models import Project

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


# The reasons in words. A reason is stored as written when the tier was decided, in the
# language of that request; ``reason_display`` reads it back in the reader's language.
REASON_FLAGS = gettext_noop("KEY: %(flags)s")
REASON_KEY = gettext_noop("KEY: investment %(money)s >= %(key)s")
REASON_ORDINARY = gettext_noop("ORDINARY: %(ordinary)s <= investment %(money)s < %(key)s")
REASON_OTHER = gettext_noop("OTHER: investment %(money)s < %(ordinary)s")
# The flags form last: it would read any KEY reason.
REASONS = (REASON_KEY, REASON_ORDINARY, REASON_OTHER, REASON_FLAGS)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def classify(
    investment: Decimal,
    *,
    key_threshold: Decimal,
    ordinary_threshold: Decimal,
    flags: dict[str, bool],
) -> tuple[str, str]:
    """The tier for an investment and the KEY flags that apply, with the reason."""
    money = cny(investment)
    raised = [label for name, label in KEY_FLAGS if flags.get(name)]
    if raised:
        return "KEY", _(REASON_FLAGS) % {"flags": ", ".join(str(label) for label in raised)}
    if investment >= key_threshold:
        return "KEY", _(REASON_KEY) % {"money": money, "key": cny(key_threshold)}
    if investment >= ordinary_threshold:
        return "ORDINARY", _(REASON_ORDINARY) % {
            "money": money,
            "ordinary": cny(ordinary_threshold),
            "key": cny(key_threshold),
        }
    return "OTHER", _(REASON_OTHER) % {"money": money, "ordinary": cny(ordinary_threshold)}


@functools.cache
def _reason_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """Each reason as a pattern, in every language mdprod speaks (a reason stays as written)."""
    patterns = []
    for template in REASONS:
        written = {template}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                written.add(_(template))
        for text in written:
            parts = _PLACEHOLDER.split(text)  # literal, name, literal, name, ..., literal
            regex = "".join(
                re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
                for index, part in enumerate(parts)
            )
            patterns.append((template, re.compile(regex)))
    return tuple(patterns)


def _flag_in_reader_language(text: str) -> str:
    for _name, label in KEY_FLAGS:
        for code, _language in settings.LANGUAGES:
            with translation.override(code):
                written = str(label)
            if written == text:
                return str(label)  # in the reader's language
    return text


def reason_display(reason: str) -> str:
    """A stored tier reason in the reader's language, amounts in the one exact form; a reason
    in another form (typed by hand, imported) as written."""
    for template, pattern in _reason_patterns():
        match = pattern.fullmatch(reason or "")
        if match is None:
            continue
        values = match.groupdict()
        if "flags" in values:
            labels = [_flag_in_reader_language(flag) for flag in values["flags"].split(", ")]
            values["flags"] = ", ".join(labels)
        for name in ("money", "key", "ordinary"):
            if name in values:
                amount = values[name].replace("¥", "").replace(",", "").strip()
                values[name] = cny(amount) if amount.replace(".", "", 1).isdigit() else values[name]
        return _(template) % values
    return reason


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


def _policies_in_force(*, province: str, on: date) -> QuerySet[TierPolicy]:
    """The rows effective on ``on``, the one in force first: the province's latest if it has
    any, else the national one's."""
    provinces = {"", province} if province else {""}
    return TierPolicy.objects.filter(effective_from__lte=on, province__in=provinces).order_by(
        Case(
            When(province="", then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        "-effective_from",
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


TERMS = tuple(field.name for field in fields(PolicyTerms))


def _terms_and_lines_total(project) -> tuple[PolicyTerms, Decimal]:
    """The policy terms in force and the budget lines' planned total, in one query."""
    policies = _policies_in_force(province=project.producer.province, on=policy_date(project))
    lines = (
        BudgetLine.objects.filter(budget__project_id=OuterRef("pk"))
        .order_by()
        .values("budget__project_id")
        .annotate(total=Sum("planned"))
        .values("total")
    )
    row = (
        Project.objects.filter(pk=project.pk)
        .annotate(
            lines_total=Subquery(lines),
            **{f"policy_{name}": Subquery(policies.values(name)[:1]) for name in TERMS},
        )
        .values("lines_total", *(f"policy_{name}" for name in TERMS))
        .get()
    )
    if row["policy_key_threshold"] is None:
        logger.warning(
            "No review-tier policy in force for project %s: the seed defaults apply. "
            "Add a national row in the admin (Review-tier policies).",
            project.pk,
        )
        terms = default_terms()
    else:
        terms = PolicyTerms(**{name: row[f"policy_{name}"] for name in TERMS})
    return terms, row["lines_total"] or Decimal("0")


def resolve_tier(project) -> tuple[str, str]:
    terms, lines_total = _terms_and_lines_total(project)
    flags = {
        "special_subject": project.special_subject and terms.special_subject_is_key,
        "lead_ad_sales_title": project.lead_ad_sales_title and terms.lead_ad_sales_is_key,
        "homepage_promotion": project.homepage_promotion and terms.homepage_is_key,
        "key_opt_in": project.key_opt_in and terms.opt_in_allowed,
    }
    return classify(
        max(project.planned_budget, lines_total),  # as ``investment``
        key_threshold=terms.key_threshold,
        ordinary_threshold=terms.ordinary_threshold,
        flags=flags,
    )
