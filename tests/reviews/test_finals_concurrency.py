"""Concurrent decisions on one finished-cut step: exactly one wins, the rest get a conflict."""

import importlib

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from reviews.models import ChecklistConfirmation, Clearance, ProjectLoss
from reviews.services import checklists
from tests.concurrency import race
from tests.reviews.finals_helpers import registration, step_at, to_final_review
from workflow.models import Project, ProjectTransition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


@pytest.fixture(autouse=True)
def _default_checklist(transactional_db):
    """The flush between transactional tests drops the default checklist its data migration
    created; put it back the same way (serialized_rollback clashes with the content types)."""
    migration = importlib.import_module("reviews.migrations.0004_default_compliance_checklist")
    migration.create_default_checklist(apps, None)


def test_concurrent_decisions_on_one_step(world, make_project):
    project = to_final_review(world, make_project)
    url = f"/api/v1/final-reviews/{step_at(project, world.shanghai).pk}/decide/"

    def decide(n):
        client = APIClient()
        client.force_authenticate(world.shanghai_reviewer)
        body = (
            {"outcome": "approve", "clearance_number": registration(f"{n + 1:03d}")}
            if n % 2
            else {"outcome": "reject", "comment": "no"}
        )
        return client.post(url, body, format="json").status_code

    codes = race(decide, threads=THREADS, indexed=True)

    assert sorted(codes) == [200] + [409] * (THREADS - 1)
    state = Project.objects.get(pk=project.pk).state
    assert state in ("cleared", "rejected")
    assert Clearance.objects.filter(project=project).count() == (1 if state == "cleared" else 0)
    assert ProjectLoss.objects.count() == (1 if state == "rejected" else 0)
    assert (
        ProjectTransition.objects.filter(project=project, name__in=["clear", "reject"]).count() == 1
    )


def test_concurrent_confirmations_of_one_item(world, make_project):
    project = make_project("in_production")
    item = checklists.applicable_checklists(project)[0].items[0]

    def confirm():
        client = APIClient()
        client.force_authenticate(world.producer_a)
        return client.post(
            "/api/v1/checklist-confirmations/",
            {"project": project.pk, "item": item.pk},
            format="json",
        ).status_code

    codes = race(confirm, threads=THREADS)

    assert 201 in codes
    assert set(codes) <= {201, 409}
    assert ChecklistConfirmation.objects.filter(project=project, item=item).count() == 1
