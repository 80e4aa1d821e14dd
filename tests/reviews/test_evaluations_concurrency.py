"""Races on one evaluation (PostgreSQL): one decision wins, one invitation per rater."""

import threading

import pytest
from django.db import connection

from reviews.models import Evaluation, Scorecard
from reviews.services import evaluations as services
from tests.reviews.evaluation_helpers import (
    panel_fixture,  # noqa: F401 - the `panel` fixture
    reach_quorum,
    submit_proposal,
)
from workflow.exceptions import ConcurrentUpdate
from workflow.models import ProjectTransition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 10


def _race(worker):
    barrier = threading.Barrier(THREADS)
    results = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait()
            outcome = worker()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_decisions_one_wins(world, panel):
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)

    def decide():
        return services.evaluation_decide(
            evaluation=evaluation, actor=world.content_manager, decision="reject", reason="No."
        )

    results = _race(decide)

    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, ConcurrentUpdate | services.EvaluationClosed) for r in losers), losers
    assert ProjectTransition.objects.filter(project=evaluation.project, name="reject").count() == 1
    assert Evaluation.objects.get(pk=evaluation.pk).decision == "reject"


def test_concurrent_invitations_of_one_rater_make_one_scorecard(world, panel):
    evaluation = submit_proposal(world)

    def invite():
        return services.scorecard_invite(
            evaluation=evaluation, rater=panel.marketing, actor=world.content_manager
        )

    results = _race(invite)

    losers = [r for r in results if isinstance(r, Exception)]
    assert len(losers) == THREADS - 1
    assert all(isinstance(r, services.AlreadyInvited) for r in losers), losers
    assert Scorecard.objects.filter(evaluation=evaluation).count() == 1
