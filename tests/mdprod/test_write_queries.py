"""What the main write endpoints cost: every SQL query of the request, authentication included.

Each request is authenticated by a DRF token (one query), as a tool or a script would be; the
side effects queued for after the commit (e-mail, webhook sends) are not part of the request.
A change that makes a write cost more fails here: raise the pin only knowingly.
"""

import re

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reviews.models import CutSubmission, RegulatoryReview
from tests.reviews.finals_helpers import confirm_checklist, registration, to_final_review
from workflow.models import Project

# The pins, exact on PostgreSQL. Before the transition service was reworked: submit 28 (33 for a
# platform's first proposal, which also creates its default rubric), finished-cut approval 42,
# approve_cut through the generic endpoint 33, cut round 24; before the write path was trimmed
# (issue 15 step 7): 24, 32, 26 and 20; before the token and the memberships became one query
# (issue 18): 15, 20, 22 and 20. A submit is now: the token with the memberships, the
# transaction, the project locked with its regulators (the lock timeout set by the same query),
# the tier inputs, the state and the audit row, the SLAs, the deadlines and their events, the
# rubric, the evaluation, the planning filing and the webhook subscribers. A finished-cut
# approval also writes the decision's and the clearance's status changes (workflow.audit) and
# opens the release gate in one INSERT; the clearance's number is checked by a read and then
# inserted without a savepoint. Content types are read once per process, so the counts are taken
# with them cached, as a running server has them.
SUBMIT = 14
FINAL_APPROVAL = 19
GENERIC_TRANSITION = 21
CUT_ROUND = 19


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def counted(client, path, body):
    for model in apps.get_models():
        ContentType.objects.get_for_model(model)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(path, body, format="json")
    project_locks = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "workflow_project"' in q["sql"] and re.search(r"FOR (NO KEY )?UPDATE", q["sql"])
    ]
    if connection.features.has_select_for_update:
        assert len(project_locks) == 1, project_locks  # the project is locked once per request
    return response, [q["sql"] for q in queries.captured_queries]


def assert_pinned(queries: list[str], pin: int) -> None:
    """Exactly the pin on PostgreSQL, which production runs; the embedded SQLite makes fewer
    (no lock, no lock timeout)."""
    listed = "\n".join(f"{n}. {sql[:300]}" for n, sql in enumerate(queries, 1))
    if connection.vendor == "postgresql":
        assert len(queries) == pin, listed
    else:
        assert len(queries) <= pin, listed


def test_submit(world, make_project):
    project = make_project("draft")
    client = token_client(world.producer_a)
    # The platform's first evaluation creates its default rubric, once: measure the steady state.
    warm = make_project("draft")
    client.post(f"/api/v1/projects/{warm.pk}/transitions/submit/", {}, format="json")

    response, queries = counted(client, f"/api/v1/projects/{project.pk}/transitions/submit/", {})

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "submitted"
    assert_pinned(queries, SUBMIT)


def test_a_finished_cut_approval_that_clears_the_project(world, make_project):
    project = to_final_review(world, make_project)
    review = RegulatoryReview.objects.get(
        project=project, kind=RegulatoryReview.Kind.FINAL_REVIEW, status="pending"
    )
    client = token_client(world.shanghai_reviewer)

    response, queries = counted(
        client,
        f"/api/v1/final-reviews/{review.pk}/decide/",
        {"outcome": "approve", "clearance_number": registration()},
    )

    assert response.status_code == 200, response.json()
    assert Project.objects.get(pk=project.pk).state == "cleared"
    assert_pinned(queries, FINAL_APPROVAL)


def test_a_generic_transition_with_guards_and_effects(world, make_project):
    # approve_cut: guards from reviews (findings, checklist), effects from reviews, contracts
    # and the deadlines.
    project = make_project("cut_review")
    confirm_checklist(project, world.producer_a)
    client = token_client(world.content_manager)

    response, queries = counted(
        client, f"/api/v1/projects/{project.pk}/transitions/approve_cut/", {"comment": "Fine."}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "final_review"
    assert_pinned(queries, GENERIC_TRANSITION)


def test_a_cut_round_creation(world, make_project):
    project = make_project("in_production", tier="OTHER", episode_count=6, free_episodes=2)
    episodes = [
        {"number": n, "reference": f"studio-a/ep{n:02d}.mp4", "duration_seconds": 90}
        for n in range(1, 7)
    ]
    client = token_client(world.producer_a)

    response, queries = counted(
        client, "/api/v1/cut-rounds/", {"project": project.pk, "episodes": episodes}
    )

    assert response.status_code == 201, response.json()
    assert CutSubmission.objects.filter(project=project).count() == 1
    assert Project.objects.get(pk=project.pk).state == "cut_review"
    assert_pinned(queries, CUT_ROUND)
