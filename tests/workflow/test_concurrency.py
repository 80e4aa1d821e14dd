"""Concurrent transitions on one project: exactly one wins, the rest get a conflict."""

import queue
import threading
import time
from collections import defaultdict

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from tests.concurrency import race
from workflow import guards, notifications, services
from workflow.exceptions import ConcurrentUpdate, TransitionNotAllowed
from workflow.models import Notification, Project, ProjectTransition

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


def hold_lock(project, held: threading.Event, release: threading.Event) -> threading.Thread:
    def hold():
        try:
            with transaction.atomic():
                services.project_lock(project.pk)
                held.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(timeout=30)
    return holder


def test_a_project_held_past_the_lock_timeout_is_a_conflict(world, make_project, settings):
    settings.MDPROD_LOCK_TIMEOUT_MS = 50
    project = make_project("draft")
    held, release = threading.Event(), threading.Event()
    holder = hold_lock(project, held, release)
    try:
        with pytest.raises(ConcurrentUpdate), transaction.atomic():
            services.project_lock(project.pk)
    finally:
        release.set()
        holder.join(timeout=30)
    with transaction.atomic():
        assert services.project_lock(project.pk) == project


def waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_transition_waits_for_another_writer_then_goes_ahead(world, make_project, settings):
    settings.MDPROD_LOCK_TIMEOUT_MS = 60_000
    project = make_project("released")
    held, release = threading.Event(), threading.Event()
    holder = hold_lock(project, held, release)
    try:
        outcome = []

        def take_down():
            try:
                client = APIClient()
                client.force_authenticate(world.content_manager)
                outcome.append(
                    client.post(
                        f"/api/v1/projects/{project.pk}/transitions/take_down/",
                        {"comment": "Complaints."},
                        format="json",
                    ).status_code
                )
            finally:
                connection.close()

        waiter = threading.Thread(target=take_down)
        waiter.start()
        while not (waiting_for_a_lock() or outcome or not waiter.is_alive()):
            time.sleep(0.01)
        assert outcome == [], outcome  # still waiting for the lock, not refused
    finally:
        release.set()
        holder.join(timeout=30)
    waiter.join(timeout=60)

    assert outcome == [200]
    project.refresh_from_db()
    assert project.state == "taken_down"


def test_fifty_transitions_in_a_row_never_conflict_with_the_workers_inserts(
    world, make_project, monkeypatch
):
    # Each time a transition is fired, a background task has inserted a notification for the
    # project and not yet committed.
    monkeypatch.setattr(guards, "_registry", defaultdict(list))  # reinstate, take_down, ...
    project = make_project("released")
    rounds = 50
    inserted, fired = queue.Queue(), queue.Queue()

    def worker():
        try:
            for index in range(rounds):
                with transaction.atomic():
                    notifications.notify(
                        recipients=[world.producer_a],
                        subject="Reminder",
                        body="",
                        source=f"background:{index}",
                        project=project,
                    )
                    # The foreign-key check of the insert, which runs at commit, run now: its
                    # key-share lock on the project is held while the transition is fired.
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    inserted.put(index)
                    if fired.get(timeout=60) != index:
                        return
        finally:
            connection.close()

    background = threading.Thread(target=worker)
    background.start()
    take_down, reinstate = APIClient(), APIClient()
    take_down.force_authenticate(world.content_manager)
    reinstate.force_authenticate(world.shanghai_reviewer)
    codes = []
    try:
        for index in range(rounds):
            assert inserted.get(timeout=60) == index
            name, client = ("reinstate", reinstate) if index % 2 else ("take_down", take_down)
            response = client.post(
                f"/api/v1/projects/{project.pk}/transitions/{name}/",
                {"comment": f"Round {index}."},
                format="json",
            )
            codes.append((response.status_code, response.json().get("code")))
            fired.put(index)
    finally:
        for _ in range(len(codes), rounds):
            fired.put(-1)
        background.join(timeout=60)

    assert codes == [(200, None)] * rounds
    assert ProjectTransition.objects.filter(project=project).count() == rounds
    assert (
        Notification.objects.filter(project=project, source__startswith="background:").count()
        == rounds
    )


def test_thirty_parallel_edits_without_if_match_queue_and_all_succeed(
    world, make_project, settings
):
    # The queue of thirty, on a busy machine, can take longer than the default wait.
    settings.MDPROD_LOCK_TIMEOUT_MS = 120_000
    project = make_project("draft", title="Before")

    def edit(index):
        client = APIClient()
        client.force_authenticate(world.producer_a)
        return client.patch(
            f"/api/v1/projects/{project.pk}/", {"title": f"Writer {index}"}, format="json"
        ).status_code

    codes = race(edit, threads=30, indexed=True)

    assert codes == [200] * 30
    assert Project.objects.get(pk=project.pk).title.startswith("Writer ")


def test_thirty_parallel_edits_with_a_stale_if_match_are_all_412(world, make_project, settings):
    settings.MDPROD_LOCK_TIMEOUT_MS = 120_000
    project = make_project("draft", title="Before")
    client = APIClient()
    client.force_authenticate(world.producer_a)
    stale = client.get(f"/api/v1/projects/{project.pk}/")["ETag"]
    client.patch(f"/api/v1/projects/{project.pk}/", {"title": "Meanwhile"}, format="json")

    def edit(index):
        client = APIClient()
        client.force_authenticate(world.producer_a)
        return client.patch(
            f"/api/v1/projects/{project.pk}/",
            {"title": f"Writer {index}"},
            format="json",
            HTTP_IF_MATCH=stale,
        ).status_code

    codes = race(edit, threads=30, indexed=True)

    assert codes == [412] * 30
    assert Project.objects.get(pk=project.pk).title == "Meanwhile"
