"""What the main write endpoints cost: every SQL query of the request, authentication included.

Each request is authenticated by a DRF token (one query), as a tool or a script would be; the
side effects queued for after the commit (e-mail, webhook sends) are not part of the request.
A change that makes a write cost more fails here: raise the pin only knowingly.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reviews.models import CutSubmission, RegulatoryReview
from tests.reviews.finals_helpers import confirm_checklist, registration, to_final_review
from workflow.models import Project

# The pins. Before the transition service was reworked: submit 28 (33 for a platform's first
# proposal, which also creates its default rubric), finished-cut approval 42, approve_cut through
# the generic endpoint 33, cut round 24. The budgets aimed at are submit <= 15 and a finished-cut
# approval <= 20: what remains above them is one query or a few per effect (deadlines, the
# evaluation, the planning filing, the release gate, installments) and one per webhook event.
# A decision also writes its status change (workflow.audit), one INSERT; content types are read
# once per process, so the counts are taken with them cached, as a running server has them.
# Clearing opens the release gate in one INSERT (it was a read, a savepoint and a write); the
# clearance it records logs its status change, one INSERT.
SUBMIT = 24
FINAL_APPROVAL = 30
GENERIC_TRANSITION = 26
CUT_ROUND = 20


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
        if 'FROM "workflow_project"' in q["sql"] and "FOR UPDATE" in q["sql"]
    ]
    if connection.features.has_select_for_update:
        assert len(project_locks) == 1, project_locks  # the project is locked once per request
    return response, len(queries)


def test_submit(world, make_project):
    project = make_project("draft")
    client = token_client(world.producer_a)
    # The platform's first evaluation creates its default rubric, once: measure the steady state.
    warm = make_project("draft")
    client.post(f"/api/v1/projects/{warm.pk}/transitions/submit/", {}, format="json")

    response, count = counted(client, f"/api/v1/projects/{project.pk}/transitions/submit/", {})

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "submitted"
    assert count <= SUBMIT, count


def test_a_finished_cut_approval_that_clears_the_project(world, make_project):
    project = to_final_review(world, make_project)
    review = RegulatoryReview.objects.get(
        project=project, kind=RegulatoryReview.Kind.FINAL_REVIEW, status="pending"
    )
    client = token_client(world.shanghai_reviewer)

    response, count = counted(
        client,
        f"/api/v1/final-reviews/{review.pk}/decide/",
        {"outcome": "approve", "clearance_number": registration()},
    )

    assert response.status_code == 200, response.json()
    assert Project.objects.get(pk=project.pk).state == "cleared"
    assert count <= FINAL_APPROVAL, count


def test_a_generic_transition_with_guards_and_effects(world, make_project):
    # approve_cut: guards from reviews (findings, checklist), effects from reviews, contracts
    # and the deadlines.
    project = make_project("cut_review")
    confirm_checklist(project, world.producer_a)
    client = token_client(world.content_manager)

    response, count = counted(
        client, f"/api/v1/projects/{project.pk}/transitions/approve_cut/", {"comment": "Fine."}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "final_review"
    assert count <= GENERIC_TRANSITION, count


def test_a_cut_round_creation(world, make_project):
    project = make_project("in_production", tier="OTHER", episode_count=6, free_episodes=2)
    episodes = [
        {"number": n, "reference": f"studio-a/ep{n:02d}.mp4", "duration_seconds": 90}
        for n in range(1, 7)
    ]
    client = token_client(world.producer_a)

    response, count = counted(
        client, "/api/v1/cut-rounds/", {"project": project.pk, "episodes": episodes}
    )

    assert response.status_code == 201, response.json()
    assert CutSubmission.objects.filter(project=project).count() == 1
    assert Project.objects.get(pk=project.pk).state == "cut_review"
    assert count <= CUT_ROUND, count
