"""The demo data set (every tier through the production stage, two producer companies, two
platforms, three regulators), seeded with the services a user would use: one object of every
kind, on both sides of every organisation boundary."""

import uuid
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from audience.services.clips import clip_create
from audience.services.quiet import quiet_rule_create
from devdata import demo_audience, demo_cast, demo_production
from workflow import keys, webhooks
from workflow.models import Organisation, Project, WebhookDelivery

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
    "budgets.Budget",
    "budgets.BudgetLine",
    "reviews.Clearance",
    "releases.Release",
    "audience.EpisodeMetric",
    "audience.Episode",
    "audience.ReleaseBatch",
    "audience.TestClip",
    "audience.SignalImport",
    "audience.AudienceSignal",
    "audience.QuietRule",
    "audience.Revision",
    "audience.RevisionEvidence",
    "conversations.Thread",
    "conversations.Comment",
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
    d.galaxy, d.orange = orgs[demo_cast.GALAXY], orgs[demo_cast.ORANGE]
    d.bamboo, d.starfish = orgs[demo_cast.BAMBOO], orgs[demo_cast.STARFISH]
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
    # The demo's audience story is on platform A's title; tell it on a title platform B
    # commissioned too, so that the matrix reaches B's episodes, signals and revisions.
    b_title = Project.objects.get(producer=d.galaxy, platform=d.starfish, state="taken_down")
    demo_audience.audience_story(
        b_title,
        users["galaxy_producer"],
        went_live=timezone.now() - timedelta(days=demo_production.METRIC_DAYS),
    )
    clip_create(project=b_title, actor=users["galaxy_producer"], code="teaser-1")
    quiet_rule_create(
        project=b_title, actor=users["galaxy_producer"], first_episode=1, last_episode=5
    )
    d.client = _client
    return d
