"""A platform's rubric: published as a new version, never edited in place.

Evaluations keep the rubric version they opened with, so changing the criteria, the weights or
the platform's rules (quorum, disagreement threshold, grade cut-offs) means publishing version
n+1, which new evaluations use from then on. A rule left out is the previous version's.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common.errors import PermissionDenied
from reviews.models import (
    GRADED,
    Criterion,
    Rubric,
    default_disagreement,
    default_grade_cutoffs,
    default_quorum,
)
from workflow.models import Membership, Organisation
from workflow.visibility import memberships_of

CRITERION_FIELDS = ("name", "description", "weight")
MAX_QUORUM = 20
TWO_PLACES = Decimal("0.01")
MANAGING_ROLES = {Membership.Role.CONTENT_MANAGER, Membership.Role.ORG_ADMIN}


def may_manage_rubrics(user, platform: Organisation) -> bool:
    return any(
        m.organisation_id == platform.pk and m.role in MANAGING_ROLES for m in memberships_of(user)
    )


def rubric_rules(previous: Rubric | None) -> dict[str, Any]:
    """The rules a new version starts from: the previous version's, or the defaults."""
    if previous is None:
        return {
            "quorum": default_quorum(),
            "disagreement_threshold": default_disagreement(),
            "grade_cutoffs": default_grade_cutoffs(),
        }
    return {
        "quorum": dict(previous.quorum),
        "disagreement_threshold": previous.disagreement_threshold,
        "grade_cutoffs": dict(previous.grade_cutoffs),
    }


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _rules_check(rules: dict[str, Any], errors: dict[str, list]) -> dict[str, Any]:
    """The rules, normalised; a message per bad one (on ``quorum.<function>``,
    ``disagreement_threshold``, ``grade_cutoffs.<grade>``)."""
    quorum = rules["quorum"] if isinstance(rules["quorum"], dict) else {}
    if not isinstance(rules["quorum"], dict):
        errors["quorum"] = [_("Give the scorecards needed per rater function.")]
    checked_quorum = {}
    for function in sorted(set(quorum) - set(Membership.RaterFunction.values)):
        errors[f"quorum.{function}"] = [_("Unknown rater function.")]
    for function in Membership.RaterFunction.values:
        needed = quorum.get(function, 0)
        if isinstance(needed, bool) or not isinstance(needed, int) or not 0 <= needed <= MAX_QUORUM:
            errors[f"quorum.{function}"] = [
                _("Enter a whole number from 0 to %(max)d.") % {"max": MAX_QUORUM}
            ]
            continue
        checked_quorum[function] = needed
    if "quorum" not in errors and checked_quorum and not any(checked_quorum.values()):
        errors["quorum"] = [_("A decision needs at least one submitted scorecard.")]

    threshold = _decimal(rules["disagreement_threshold"])
    if (
        threshold is None
        or not Decimal("0.01") <= threshold <= 9
        or threshold != threshold.quantize(TWO_PLACES)
    ):
        errors["disagreement_threshold"] = [
            _("Enter a spread from 0.01 to 9, with at most 2 decimal places.")
        ]

    given = rules["grade_cutoffs"] if isinstance(rules["grade_cutoffs"], dict) else {}
    if not isinstance(rules["grade_cutoffs"], dict) or set(given) != set(GRADED):
        errors["grade_cutoffs"] = [_("Give the lowest score of each grade S, A and B.")]
    cutoffs = {}
    for grade in GRADED:
        minimum = _decimal(given.get(grade, ""))
        if minimum is None or not 1 <= minimum <= 10 or minimum != minimum.quantize(TWO_PLACES):
            errors[f"grade_cutoffs.{grade}"] = [
                _("Enter a score from 1 to 10, with at most 2 decimal places.")
            ]
            continue
        cutoffs[grade] = minimum
    if len(cutoffs) == len(GRADED) and not cutoffs["S"] > cutoffs["A"] > cutoffs["B"]:
        errors["grade_cutoffs"] = [_("Each grade needs a higher score than the next: S > A > B.")]
    return {
        "quorum": checked_quorum,
        "disagreement_threshold": threshold,
        "grade_cutoffs": {
            grade: str(minimum.quantize(TWO_PLACES)) for grade, minimum in cutoffs.items()
        },
    }


@transaction.atomic
def rubric_publish(
    *,
    platform: Organisation,
    actor,
    name: str,
    criteria: list[dict[str, Any]],
    quorum: dict[str, int] | None = None,
    disagreement_threshold: Decimal | None = None,
    grade_cutoffs: dict[str, Any] | None = None,
) -> Rubric:
    """Publish a new version of the platform's rubric and make it the one in use.

    A rule not given (None) is the previous version's (the defaults for a first version)."""
    if platform.kind != Organisation.Kind.PLATFORM or not may_manage_rubrics(actor, platform):
        raise PermissionDenied(
            _("Only a content manager or an admin of the platform publishes its rubric.")
        )
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Name the rubric.")]
    if not criteria:
        errors["criteria"] = [_("A rubric needs at least one criterion.")]
    built, seen = [], set()
    for index, data in enumerate(criteria):
        unknown = set(data) - set(CRITERION_FIELDS)
        criterion = Criterion(
            position=index + 1,
            name=str(data.get("name", "")).strip(),
            description=str(data.get("description", "")).strip(),
            weight=data.get("weight", Decimal("1.00")),
        )
        item_errors: dict[str, list[str]] = {k: [_("Unknown field.")] for k in unknown}
        try:
            criterion.full_clean(exclude=["rubric"])
        except ValidationError as exc:
            item_errors.update(exc.message_dict)
        if criterion.name.lower() in seen:
            item_errors.setdefault("name", []).append(_("Each criterion once."))
        seen.add(criterion.name.lower())
        for field, messages in item_errors.items():
            errors[f"criteria.{index}.{field}"] = messages
        built.append(criterion)
    # Lock the platform row: two publications at once get consecutive versions, and a rule left
    # out is that of the version just before.
    Organisation.objects.select_for_update().filter(pk=platform.pk).first()
    latest = Rubric.objects.filter(platform=platform).order_by("-version").first()
    given = {
        "quorum": quorum,
        "disagreement_threshold": disagreement_threshold,
        "grade_cutoffs": grade_cutoffs,
    }
    rules = _rules_check(
        {
            name: value if value is not None else rubric_rules(latest)[name]
            for name, value in given.items()
        },
        errors,
    )
    if errors:
        raise ValidationError(errors)
    Rubric.objects.filter(platform=platform, is_active=True).update(is_active=False)
    rubric = Rubric.objects.create(
        platform=platform,
        name=name,
        version=latest.version + 1 if latest else 1,
        is_active=True,
        **rules,
    )
    for criterion in built:
        criterion.rubric = rubric
    Criterion.objects.bulk_create(built)
    return rubric
