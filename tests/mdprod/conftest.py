"""The demo data set (every tier through the production stage, two producer companies, two
platforms, three regulators), seeded with the services a user would use: one object of every
kind, on both sides of every organisation boundary."""

import uuid
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from workflow import keys, webhooks
from workflow.management.commands import seed_demo
from workflow.models import Organisation, WebhookDelivery

# Tables whose rows nothing here may change (keys' last use and tokens do change).
WATCHED = [
    "workflow.Project",
    "workflow.ProjectTransition",
    "workflow.Deadline",
    "workflow.Notification",
    "reviews.Evaluation",
    "reviews.Scorecard",
    "reviews.Score",
    "reviews.RegulatoryReview",
    "reviews.FeedbackItem",
    "reviews.CutSubmission",
    "reviews.CutEpisode",
    "reviews.FinalReview",
    "reviews.ChecklistConfirmation",
    "reviews.ProjectLoss",
    "contracts.Budget",
    "contracts.BudgetLine",
    "contracts.Clearance",
    "contracts.Release",
    "contracts.EpisodeMetric",
]


def snapshot() -> dict:
    """Every row of the watched tables: a refused request must leave them as they were."""
    return {label: list(apps.get_model(label).objects.order_by("pk").values()) for label in WATCHED}


def _client(user=None, token=None) -> APIClient:
    client = APIClient()
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    else:
        client.force_authenticate(user)
    return client


@pytest.fixture
def demo(db):
    call_command("seed_demo", force=True, stdout=StringIO())
    users = {u.username: u for u in get_user_model().objects.all()}
    orgs = {o.name: o for o in Organisation.objects.all()}
    d = SimpleNamespace(users=users)
    d.galaxy, d.orange = orgs[seed_demo.GALAXY], orgs[seed_demo.ORANGE]
    d.bamboo, d.starfish = orgs[seed_demo.BAMBOO], orgs[seed_demo.STARFISH]
    # A key of each side, so that keys meet the same walls as people.
    d.orange_key = keys.api_key_create(
        actor=users["orange_admin"], organisation=d.orange, name="B's tool", scopes=("read",)
    )
    d.galaxy_key = keys.api_key_create(
        actor=users["galaxy_admin"],
        organisation=d.galaxy,
        name="A's tool",
        scopes=("read", "write", "transition"),
    )
    d.bamboo_key = keys.api_key_create(
        actor=users["bamboo_admin"],
        organisation=d.bamboo,
        name="Platform A's tool",
        scopes=("read", "write", "transition"),
        role="content_manager",
    )
    # B's webhook subscriptions (and a delivery log row), so that the matrix reaches them too.
    for org, admin in ((d.orange, "orange_admin"), (d.starfish, "starfish_admin")):
        subscription = webhooks.webhook_subscribe(
            actor=users[admin],
            organisation=org,
            url="https://hooks.example.com/mdprod",
            event_types=["project.transitioned"],
        )
        WebhookDelivery.objects.create(
            subscription=subscription,
            event_type="project.transitioned",
            event_id=uuid.uuid4(),
            payload={},
        )
    d.client = _client
    return d
