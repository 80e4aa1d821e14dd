"""Concurrent decisions on one planning filing: exactly one wins, the rest get a conflict."""

import pytest
from rest_framework.test import APIClient

from reviews.models import Clearance, RegulatoryReview
from tests.concurrency import race
from workflow import services
from workflow.models import ProjectTransition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 10


def test_concurrent_decisions_on_one_review(world, make_project):
    project = services.project_transition(
        project=make_project("draft"), name="submit", actor=world.producer_a
    )
    review = RegulatoryReview.objects.get(project=project)
    url = f"/api/v1/regulatory-reviews/{review.pk}/decide/"

    def decide(n):
        client = APIClient()
        client.force_authenticate(world.shanghai_reviewer)
        body = (
            {"outcome": "approve", "filing_number": f"SH-{n}"}
            if n % 2
            else {"outcome": "reject", "comment": "no"}
        )
        return client.post(url, body, format="json").status_code

    codes = race(decide, threads=THREADS, indexed=True)

    assert sorted(codes) == [200] + [409] * (THREADS - 1)
    review.refresh_from_db()
    assert review.status in ("approved", "rejected")
    assert Clearance.objects.count() == (1 if review.status == "approved" else 0)
    assert ProjectTransition.objects.filter(name="reject").count() == (
        1 if review.status == "rejected" else 0
    )


def test_one_filing_number_given_to_two_projects_at_once(world, make_project):
    reviews = [
        RegulatoryReview.objects.get(
            project=services.project_transition(
                project=make_project("draft"), name="submit", actor=world.producer_a
            )
        )
        for _ in range(THREADS)
    ]

    def approve(n):
        client = APIClient()
        client.force_authenticate(world.shanghai_reviewer)
        response = client.post(
            f"/api/v1/regulatory-reviews/{reviews[n].pk}/decide/",
            {"outcome": "approve", "filing_number": "SH-2025-001"},
            format="json",
        )
        return response.status_code, list(response.json().get("fields", {}))

    results = race(approve, threads=THREADS, indexed=True)

    assert sorted(results) == [(200, [])] + [(400, ["filing_number"])] * (THREADS - 1)
    assert Clearance.objects.filter(number="SH-2025-001").count() == 1
    assert RegulatoryReview.objects.filter(status="approved").count() == 1
