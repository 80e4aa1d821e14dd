"""Races on one evaluation (PostgreSQL): one decision wins, one invitation per rater."""

import pytest

from reviews.models import Evaluation, Scorecard
from reviews.services import evaluations as services
from reviews.services import scorecards
from tests.concurrency import race
from tests.reviews.evaluation_helpers import (
    panel_fixture,  # noqa: F401 - the `panel` fixture
    reach_quorum,
    submit_proposal,
)
from workflow.exceptions import ConcurrentUpdate
from workflow.models import ProjectTransition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 10


def test_concurrent_decisions_one_wins(world, panel):
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)

    def decide():
        return services.evaluation_decide(
            evaluation=evaluation, actor=world.content_manager, decision="reject", reason="No."
        )

    results = race(threads=THREADS, worker=decide)

    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, ConcurrentUpdate | services.EvaluationClosed) for r in losers), losers
    assert ProjectTransition.objects.filter(project=evaluation.project, name="reject").count() == 1
    assert Evaluation.objects.get(pk=evaluation.pk).decision == "reject"


def test_concurrent_invitations_of_one_rater_make_one_scorecard(world, panel):
    evaluation = submit_proposal(world)

    def invite():
        return scorecards.scorecard_invite(
            evaluation=evaluation, rater=panel.marketing, actor=world.content_manager
        )

    results = race(threads=THREADS, worker=invite)

    losers = [r for r in results if isinstance(r, Exception)]
    assert len(losers) == THREADS - 1
    assert all(isinstance(r, scorecards.AlreadyInvited) for r in losers), losers
    assert Scorecard.objects.filter(evaluation=evaluation).count() == 1
