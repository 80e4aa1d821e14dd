"""The authorisation matrix: for every detail route of the API and every method it takes, a user
or key of organisation A gets 404 for organisation B's object, and nothing changes; A's lists
hold none of B's objects; a body naming B's object by id is refused.

The routes are read from the URL configuration, so a new detail route fails here until it says
how its objects belong to an organisation (``OWNERSHIP``) or why it is public (``PUBLIC``).
"""

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.db.models import Q
from django.forms.models import model_to_dict
from django.urls import get_resolver
from django.urls.resolvers import URLResolver
from django.utils import timezone

from tests.mdprod.conftest import snapshot
from workflow.models import ApiKey, Notification, WebhookDelivery, WebhookSubscription

# basename -> (model label, the lookup from the model to its project)
OWNERSHIP = {
    "project": ("workflow.Project", "pk__in"),
    "project-activity": ("workflow.Project", "pk__in"),
    "comment": ("conversations.Comment", "thread__project__in"),
    "deadline": ("workflow.Deadline", "project__in"),
    "evaluation": ("reviews.Evaluation", "project__in"),
    "scorecard": ("reviews.Scorecard", "evaluation__project__in"),
    "regulatory-review": ("reviews.RegulatoryReview", "project__in"),
    "feedback-item": ("reviews.FeedbackItem", "project__in"),
    "cut-round": ("reviews.CutSubmission", "project__in"),
    "final-review": ("reviews.FinalReview", "project__in"),
    "checklist-confirmation": ("reviews.ChecklistConfirmation", "project__in"),
    "project-loss": ("reviews.ProjectLoss", "project__in"),
    "budget": ("budgets.Budget", "project__in"),
    "budget-line": ("budgets.BudgetLine", "budget__project__in"),
    "clearance": ("reviews.Clearance", "project__in"),
    "release": ("releases.Release", "project__in"),
    "episode-metric": ("audience.EpisodeMetric", "project__in"),
    "contract": ("contracts.Contract", "project__in"),
    "payment-schedule": ("contracts.Contract", "project__in"),
    "installment": ("contracts.Installment", "project__in"),
    "residual-statement": ("contracts.ResidualStatement", "project__in"),
    "document": ("contracts.Document", "project__in"),
    "episode": ("audience.Episode", "project__in"),
    "release-batch": ("audience.ReleaseBatch", "project__in"),
    "test-clip": ("audience.TestClip", "project__in"),
    "signal-import": ("audience.SignalImport", "project__in"),
    "audience-signal": ("audience.AudienceSignal", "project__in"),
    "quiet-rule": ("audience.QuietRule", "project__in"),
    "revision": ("audience.Revision", "project__in"),
}
# Owned by a person or an organisation rather than a project: see ``_b_objects``.
PERSONAL = {"notification", "api-key", "webhook", "webhook-delivery"}
# Reference data every signed-in user reads.
PUBLIC = {"rubric", "tier-policy", "compliance-checklist", "platform"}
# Routes being built; none now (a new detail route must be classified above).
IN_PROGRESS: set[str] = set()


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def api_routes():
    """(path template, basename, {method: action}) of every viewset route under /api/v1/."""
    routes = []
    for regex, pattern in _walk(get_resolver().url_patterns):
        callback = pattern.callback
        actions = getattr(callback, "actions", None)
        if not regex.startswith("api/v1/") or not actions or "(?P<format>" in regex:
            continue
        path = "/" + regex.replace("^", "").replace("$", "")
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
        # A method the viewset refuses outright (405) is not a route to test.
        allowed = callback.cls.http_method_names
        routes.append(
            (
                path,
                callback.initkwargs["basename"],
                {m: a for m, a in actions.items() if m in allowed},
            )
        )
    return routes


def detail_routes():
    return [r for r in api_routes() if "{pk}" in r[0]]


def test_every_detail_route_is_classified():
    known = set(OWNERSHIP) | PERSONAL | PUBLIC | IN_PROGRESS
    unknown = {basename for _path, basename, _actions in detail_routes()} - known
    assert not unknown, f"say how these routes' objects are owned: {sorted(unknown)}"


# Organisation A: a producer company (Galaxy) and a platform (Bamboo), each as a person and a key.
ACTORS = ["galaxy_producer", "galaxy_key", "bamboo_cm", "bamboo_key"]


def _actor(demo, name, basename=None):
    if basename in ("api-key", "webhook", "webhook-delivery"):
        # Only organisation admins manage keys and webhooks (everyone else is refused whatever the id):
        # A's admin is the one who must not reach B's keys.
        name = "galaxy_admin" if name.startswith("galaxy") else "bamboo_admin"
    if name.endswith("_key"):
        key = getattr(demo, name)
        return demo.client(token=key.token), key.user
    user = demo.users[name]
    return demo.client(user), user


def _b_projects(demo, name):
    from workflow.models import Project

    if name.startswith("galaxy"):
        return Project.objects.filter(producer=demo.orange)
    return Project.objects.filter(platform=demo.starfish)


def _b_objects(demo, name, user, basename):
    """B's objects of this route's kind: every row A may not see."""
    if basename == "notification":
        return Notification.objects.exclude(recipient=user)
    own = demo.galaxy if name.startswith("galaxy") else demo.bamboo
    if basename == "api-key":
        return ApiKey.objects.exclude(organisation=own)
    if basename == "webhook":
        return WebhookSubscription.objects.exclude(organisation=own)
    if basename == "webhook-delivery":
        return WebhookDelivery.objects.exclude(subscription__organisation=own)
    label, lookup = OWNERSHIP[basename]
    return apps.get_model(label).objects.filter(**{lookup: _b_projects(demo, name)})


def _call(client, method, url):
    if method == "get":
        return client.get(url)
    if method == "delete":
        return client.delete(url)
    return getattr(client, method)(url, {}, format="json", HTTP_IF_MATCH="*")


@pytest.mark.parametrize("name", ACTORS)
def test_a_detail_route_of_another_organisations_object_is_404_and_changes_nothing(demo, name):
    client, user = _actor(demo, name)
    before = snapshot()
    wrong, covered = [], set()

    for path, basename, actions in detail_routes():
        if basename not in OWNERSHIP and basename not in PERSONAL:
            continue  # public, in progress, or unclassified (test_every_detail_route_is_...)
        client, user = _actor(demo, name, basename)
        target = _b_objects(demo, name, user, basename).order_by("pk").first()
        if target is None:
            continue  # the demo data has none of this kind outside A's scope
        covered.add(basename)
        url = path.format(pk=target.pk, name="withdraw")
        for method in actions:
            if method in ("head", "options"):
                continue
            row_before = model_to_dict(type(target).objects.get(pk=target.pk))
            response = _call(client, method, url)
            if response.status_code != 404:
                wrong.append((method.upper(), url, response.status_code))
            if model_to_dict(type(target).objects.get(pk=target.pk)) != row_before:
                wrong.append((method.upper(), url, "changed"))

    assert not wrong, wrong
    assert snapshot() == before
    # The demo data reaches most kinds; the matrix must not silently test nothing.
    assert {
        "project",
        "budget",
        "budget-line",
        "evaluation",
        "scorecard",
        "cut-round",
        "final-review",
        "clearance",
        "release",
        "contract",
        "payment-schedule",
        "installment",
        "webhook",
        "webhook-delivery",
        "comment",
        "project-activity",
    } <= covered, covered
    if name.startswith("bamboo"):  # B's audience data is on a title platform B commissioned
        assert {
            "episode",
            "release-batch",
            "test-clip",
            "signal-import",
            "audience-signal",
            "quiet-rule",
            "revision",
        } <= covered, covered


@pytest.mark.parametrize("name", ACTORS)
def test_lists_hold_none_of_another_organisations_objects(demo, name):
    client, user = _actor(demo, name)
    leaked = []

    for path, basename, actions in api_routes():
        if actions.get("get") != "list" or basename not in OWNERSHIP and basename not in PERSONAL:
            continue
        client, user = _actor(demo, name, basename)
        theirs = set(_b_objects(demo, name, user, basename).values_list("pk", flat=True))
        response = client.get(path, {"page_size": 200})
        assert response.status_code == 200, (path, response.status_code)
        body = response.json()
        rows = body["results"] if isinstance(body, dict) else body
        shown = {row["id"] for row in rows}
        if shown & theirs:
            leaked.append((path, sorted(shown & theirs)))

    assert not leaked


@pytest.mark.parametrize("name", ACTORS)
def test_the_inbox_holds_none_of_another_organisations_work(demo, name):
    """The inbox (a list of work, not of one model) names projects: none of B's."""
    client, _user = _actor(demo, name)

    response = client.get("/api/v1/inbox/", {"page_size": 200})

    assert response.status_code == 200
    shown = {row["project"] for row in response.json()["results"]}
    assert shown or name.endswith("_key"), "the demo gives A's people work to do"
    assert not shown & set(_b_projects(demo, name).values_list("pk", flat=True))


def test_a_body_naming_another_organisations_object_is_refused(demo):
    from audience.models import EpisodeMetric
    from budgets.models import Budget
    from releases.models import Release
    from reviews.models import ChecklistConfirmation, ChecklistItem, Clearance, CutSubmission
    from workflow.models import Project

    client = demo.client(demo.users["galaxy_producer"])
    theirs = Project.objects.filter(producer=demo.orange)
    project = theirs.order_by("pk").first()
    budget = Budget.objects.filter(project__in=theirs).order_by("pk").first()
    today = timezone.localdate()
    before = snapshot()
    counts = {
        m: m.objects.count()
        for m in (Budget, Clearance, CutSubmission, EpisodeMetric, Release, ChecklistConfirmation)
    }
    item = ChecklistItem.objects.order_by("pk").first()

    attempts = [
        ("/api/v1/budgets/", {"project": project.pk}),
        (
            "/api/v1/budget-lines/",
            {"budget": budget.pk, "category": "cast", "planned": "1.00"},
        ),
        (
            "/api/v1/clearances/",
            {"project": project.pk, "kind": "platform_approval", "number": "P-1"},
        ),
        (
            "/api/v1/cut-rounds/",
            {
                "project": project.pk,
                "episodes": [{"number": 1, "reference": "s3://b/1.mp4", "duration_seconds": 90}],
            },
        ),
        ("/api/v1/releases/schedule/", {"project": project.pk, "on": str(today)}),
        ("/api/v1/releases/unschedule/", {"project": project.pk}),
        ("/api/v1/releases/confirm-credits/", {"project": project.pk, "clearance": 1}),
        (
            "/api/v1/metrics/bulk/",
            {
                "project": project.pk,
                "rows": [{"episode": 1, "date": str(today - timedelta(days=1)), "plays": 1}],
            },
        ),
    ]
    attempts += [
        ("/api/v1/episodes/", {"project": project.pk, "number": 1}),
        ("/api/v1/release-batches/", {"project": project.pk}),
        ("/api/v1/test-clips/", {"project": project.pk, "code": "teaser"}),
        (
            "/api/v1/signal-imports/",
            {
                "project": project.pk,
                "rows": [
                    {
                        "platform": "douyin",
                        "kind": "comment",
                        "episode": 1,
                        "posted_at": "2026-01-01T12:00:00+08:00",
                        "author_id": "u1",
                        "text": "好看",
                    }
                ],
            },
        ),
        ("/api/v1/quiet-rules/", {"project": project.pk}),
        ("/api/v1/comments/", {"project": project.pk, "body": "Hello."}),
        (
            "/api/v1/revisions/",
            {"project": project.pk, "kind": "pacing", "summary": "x", "episodes": [1]},
        ),
    ]
    if item is not None:
        attempts.append(
            (
                "/api/v1/checklist-confirmations/",
                {"project": project.pk, "item": item.pk, "reference": "x"},
            )
        )
    refused = {url: client.post(url, body, format="json").status_code for url, body in attempts}
    # A's own line cannot be moved into B's budget either.
    own_line = (
        apps.get_model("budgets.BudgetLine")
        .objects.filter(budget__project__producer=demo.galaxy)
        .order_by("pk")
        .first()
    )
    if own_line is not None:
        refused["PATCH budget-line"] = client.patch(
            f"/api/v1/budget-lines/{own_line.pk}/",
            {"budget": budget.pk},
            format="json",
        ).status_code

    assert set(refused.values()) == {404}, refused
    assert {m: m.objects.count() for m in counts} == counts
    assert snapshot() == before


def test_a_key_of_b_reads_nothing_of_a(demo):
    """The other way round, for a key: B's read key against A's project."""
    from workflow.models import Project

    ours = Project.objects.filter(producer=demo.galaxy).order_by("pk").first()
    client = demo.client(token=demo.orange_key.token)

    assert client.get(f"/api/v1/projects/{ours.pk}/").status_code == 404
    listed = client.get("/api/v1/projects/", {"page_size": 200}).json()["results"]
    assert ours.pk not in {row["id"] for row in listed}
    assert not Project.objects.filter(
        Q(pk__in=[row["id"] for row in listed]) & ~Q(producer=demo.orange)
    ).exists()


@pytest.mark.parametrize("name", ACTORS)
def test_the_board_holds_none_of_another_organisations_projects(demo, name):
    """The board is not a list of rows with ids (columns of cards), so it is checked here: its
    cards, in every column, and its reminders, which name projects in the body."""
    client, _user = _actor(demo, name)
    theirs = set(_b_projects(demo, name).values_list("pk", flat=True))

    response = client.get("/api/v1/board/", {"closed": "true", "per_column": 100})
    assert response.status_code == 200
    shown = {card["id"] for column in response.json()["columns"] for card in column["cards"]}
    assert shown  # A has projects on the board
    assert not shown & theirs

    before = snapshot()
    reminded = client.post("/api/v1/board/reminders/", {"projects": [min(theirs)]}, format="json")
    assert reminded.status_code == 404
    assert snapshot() == before
