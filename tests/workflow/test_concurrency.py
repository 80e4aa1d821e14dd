"""Concurrent transitions on one project: exactly one wins, the rest get a conflict."""

import threading

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from tests.concurrency import race
from workflow import services
from workflow.exceptions import ConcurrentUpdate, TransitionNotAllowed
from workflow.models import ProjectTransition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


def test_twenty_threads_fire_the_same_transition_once(world, make_project):
    project = make_project("released")

    def take_down():
        return services.project_transition(
            project=project, name="take_down", actor=world.content_manager, comment="Complaints."
        )

    results = race(threads=THREADS, worker=take_down)

    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(results) == THREADS
    assert len(winners) == 1
    assert all(isinstance(r, ConcurrentUpdate | TransitionNotAllowed) for r in losers), losers
    assert ProjectTransition.objects.filter(project=project).count() == 1
    project.refresh_from_db()
    assert project.state == "taken_down"


def test_concurrent_api_requests_answer_one_200_and_conflicts(world, make_project):
    project = make_project("released")
    url = f"/api/v1/projects/{project.pk}/transitions/take_down/"

    def post():
        client = APIClient()
        client.force_authenticate(world.content_manager)
        return client.post(url, {"comment": "tighten the hook"}, format="json").status_code

    codes = race(threads=THREADS, worker=post)

    assert sorted(codes) == [200] + [409] * (THREADS - 1)
    assert ProjectTransition.objects.filter(project=project).count() == 1


def test_a_project_another_transaction_holds_is_a_conflict_not_a_wait(world, make_project):
    project = make_project("draft")
    held, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                services.project_lock(project.pk)
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(timeout=30)
        with pytest.raises(ConcurrentUpdate), transaction.atomic():
            services.project_lock(project.pk)
    finally:
        release.set()
        holder.join(timeout=30)
    with transaction.atomic():
        assert services.project_lock(project.pk) == project
