"""The web process's database session is terminated (``pg_terminate_backend``: a failover, an
operator, a pooler restart) in the middle of a transition: nothing of the transition is kept, the
client gets a clean JSON error it may retry, and the same process serves the next request."""

import threading

import pytest
from rest_framework.authtoken.models import Token

from tests.faults.support import (
    FAULT,
    http,
    raw_connection,
    sessions_waiting_on_a_lock,
    wait_for,
)
from workflow.models import Deadline, DeadlineKind, Membership, Project, ProjectTransition

pytestmark = FAULT


@pytest.fixture
def greenlit(world, make_project):
    """A greenlit project with an open deadline, which withdrawing it closes."""
    project = make_project("greenlit")
    deadline = Deadline.objects.create(
        project=project,
        kind=DeadlineKind.PRODUCER_RESPONSE,
        due_at=project.created_at,
        responsible_organisation=world.studio_a,
        responsible_role=Membership.Role.PRODUCER,
    )
    return project, deadline


def test_a_transition_whose_session_is_killed_leaves_nothing_and_the_next_request_works(
    world, greenlit, processes
):
    project, deadline = greenlit
    token = Token.objects.create(user=world.producer_a).key
    # Eager tasks: this test is about the database, not the broker.
    _web, base = processes.web("web", "memory://", CELERY_TASK_ALWAYS_EAGER="1")
    url = f"{base}/api/v1/projects/{project.pk}/transitions/withdraw/"
    # The web process opens its persistent database session.
    assert http("GET", f"{base}/api/v1/projects/{project.pk}/", token=token)[0] == 200

    # Given another session holding the deadline row the transition must close,
    with raw_connection() as blocker:
        blocker.execute(
            f"SELECT 1 FROM {Deadline._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
            [deadline.pk],
        )
        answer = {}
        request = threading.Thread(
            target=lambda: answer.update(response=http("POST", url, token=token, body={}))
        )
        request.start()
        try:
            # when the transition has saved the state and its audit row and waits there,
            (waiting,) = wait_for(sessions_waiting_on_a_lock, "the transition to wait on the lock")
            # its session is terminated.
            blocker.execute("SELECT pg_terminate_backend(%s)", [waiting])
        finally:
            request.join(timeout=60)
            blocker.rollback()

    status, headers, body = answer["response"]
    assert status == 503, body
    assert headers["Content-Type"] == "application/json"
    assert body["code"] == "service_unavailable"
    assert int(headers["Retry-After"]) > 0
    # No half transition: neither the new state nor the audit row nor the closed deadline.
    assert Project.objects.get(pk=project.pk).state == "greenlit"
    assert not ProjectTransition.objects.filter(project=project).exists()
    assert Deadline.objects.get(pk=deadline.pk).status == Deadline.Status.OPEN

    # The same web process reconnects: the retried request succeeds, once.
    status, _headers, body = http("POST", url, token=token, body={})
    assert status == 200, body
    assert body["state"] == "withdrawn"
    assert list(
        ProjectTransition.objects.filter(project=project).values_list("name", flat=True)
    ) == ["withdraw"]
    assert Deadline.objects.get(pk=deadline.pk).status == Deadline.Status.CANCELLED
