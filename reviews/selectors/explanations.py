"""How a decided evaluation was reached, as the producer may read it.

The producer sees the rubric version (criteria, weights, descriptions), each criterion's mean and
spread over all the raters (never one rater's scores, nor their function), the weighted score and
where it falls under the version's grade cut-offs, the grade suggested and the grade chosen, and
the content manager's reason. With fewer raters than ``MDPROD_EXPLANATION_MIN_RATERS`` (3 by
default) the per-criterion figures would give away each rater's scores (with two raters a mean
and a spread are the two scores), so only the weighted score and the grades are shown.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from reviews.models import GRADED, LOWEST_GRADE, Evaluation

from .evaluations import MANAGER, PRODUCER, evaluation_aggregate, suggested_grade, viewer_role

DEFAULT_MIN_RATERS = 3


def min_raters() -> int:
    return int(getattr(settings, "MDPROD_EXPLANATION_MIN_RATERS", DEFAULT_MIN_RATERS))


@dataclass
class ExplainedCriterion:
    name: str
    description: str
    weight: Decimal
    mean: Decimal | None = None
    spread: Decimal | None = None


@dataclass
class Explanation:
    rubric: str
    version: int
    raters: int
    criteria_shown: bool  # False below the minimum number of raters
    criteria: list[ExplainedCriterion]
    weighted_score: Decimal | None
    cutoffs: list[tuple[str, Decimal | None]]  # (grade, lowest score); C has none
    suggested_grade: str | None
    decision: str
    grade: str
    grade_differs: bool
    reason: str
    disagreement: bool = False


def explains_to(evaluation: Evaluation, user) -> bool:
    """A decided evaluation is explained to the producer and to the platform's content managers."""
    return evaluation.status == Evaluation.Status.DECIDED and viewer_role(evaluation, user) in (
        PRODUCER,
        MANAGER,
    )


def evaluation_explanation(evaluation: Evaluation) -> Explanation:
    """The explanation of a decided evaluation, from the prefetched rows (no query)."""
    rubric = evaluation.rubric
    aggregate = evaluation_aggregate(evaluation)
    shown = aggregate.scorecards >= min_raters()
    by_id = {row.criterion_id: row for row in aggregate.criteria}
    criteria = []
    for criterion in rubric.criteria.all():
        row = by_id.get(criterion.pk)
        criteria.append(
            ExplainedCriterion(
                name=criterion.name,
                description=criterion.description,
                weight=criterion.weight,
                mean=row.mean if shown and row else None,
                spread=row.stdev if shown and row else None,
            )
        )
    suggested = evaluation.suggested_grade or suggested_grade(aggregate.overall, rubric)
    cutoffs = [(grade, Decimal(str(rubric.grade_cutoffs[grade]))) for grade in GRADED]
    return Explanation(
        rubric=rubric.name,
        version=rubric.version,
        raters=aggregate.scorecards,
        criteria_shown=shown,
        criteria=criteria,
        weighted_score=aggregate.overall,
        cutoffs=[*cutoffs, (LOWEST_GRADE, None)],
        suggested_grade=suggested,
        decision=evaluation.decision,
        grade=evaluation.grade,
        grade_differs=bool(evaluation.grade and suggested and evaluation.grade != suggested),
        reason=evaluation.reason,
        disagreement=aggregate.disagreement if shown else False,
    )
