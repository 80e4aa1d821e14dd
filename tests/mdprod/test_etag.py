"""Optimistic concurrency: detail reads and edits carry an ETag; a stale If-Match is 412 and
changes nothing; API keys must send If-Match (428), people may omit it."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from budgets.models import Budget, BudgetLine
from reviews.models import Scorecard
from reviews.services import scorecards as scorecard_services
from tests.concurrency import race
from tests.reviews.evaluation_helpers import criteria, submit_proposal
from workflow import keys
from workflow.models import Project

PROJECTS = "/api/v1/projects/"


def key_client(world, scopes=("read", "write")) -> APIClient:
    key = keys.api_key_create(
        actor=world.admin_a, organisation=world.studio_a, name="Sync tool", scopes=scopes
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.token}")
    return client


@pytest.fixture
def budget(make_project):
    budget = Budget.objects.create(project=make_project("draft"))
    BudgetLine.objects.create(budget=budget, category="cast", planned=Decimal("1000.00"))
    return budget


# Projects ---------------------------------------------------------------------------------------


def test_the_detail_and_an_edit_carry_the_etag_of_the_version(world, make_project, api):
    project = make_project("draft", title="Before")
    client = api(world.producer_a)

    first = client.get(f"{PROJECTS}{project.pk}/")
    edited = client.patch(
        f"{PROJECTS}{project.pk}/", {"title": "After"}, format="json", HTTP_IF_MATCH=first["ETag"]
    )
    again = client.get(f"{PROJECTS}{project.pk}/")

    assert first["ETag"][0] == first["ETag"][-1] == '"'
    assert edited.status_code == 200, edited.json()
    assert edited["ETag"] != first["ETag"]
    assert again["ETag"] == edited["ETag"]
    assert client.get(f"{PROJECTS}{project.pk}/")["ETag"] == again["ETag"]  # stable


def test_a_stale_if_match_is_412_and_changes_nothing(world, make_project, api):
    project = make_project("draft", title="Before")
    client = api(world.producer_a)
    stale = client.get(f"{PROJECTS}{project.pk}/")["ETag"]
    assert (
        client.patch(
            f"{PROJECTS}{project.pk}/", {"title": "Theirs"}, format="json", HTTP_IF_MATCH=stale
        ).status_code
        == 200
    )

    response = client.patch(
        f"{PROJECTS}{project.pk}/", {"title": "Mine"}, format="json", HTTP_IF_MATCH=stale
    )

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert "ETag" not in response
    assert Project.objects.get(pk=project.pk).title == "Theirs"


def test_a_stale_if_match_is_412_before_the_body_is_read(world, make_project, api):
    # RFC 9110, 13.2.1: preconditions are evaluated before the content is processed.
    project = make_project("draft", title="Before")
    client = api(world.producer_a)

    response = client.patch(
        f"{PROJECTS}{project.pk}/", {"episode_count": "many"}, format="json", HTTP_IF_MATCH='"x"'
    )

    assert response.status_code == 412
    assert Project.objects.get(pk=project.pk).title == "Before"


@pytest.mark.parametrize("header", ['"not-the-etag"', 'W/"{etag}"', "garbage", '"a", "b"'], ids=str)
def test_anything_but_the_current_etag_is_refused(world, make_project, api, header):
    project = make_project("draft", title="Before")
    client = api(world.producer_a)
    etag = client.get(f"{PROJECTS}{project.pk}/")["ETag"].strip('"')

    response = client.put(
        f"{PROJECTS}{project.pk}/",
        {"title": "After", "platform": world.platform.pk},
        format="json",
        HTTP_IF_MATCH=header.format(etag=etag),
    )

    assert response.status_code == 412  # a weak tag never matches strongly
    assert Project.objects.get(pk=project.pk).title == "Before"


def test_the_current_etag_among_several_or_a_star_matches(world, make_project, api):
    project = make_project("draft", title="Before")
    client = api(world.producer_a)
    etag = client.get(f"{PROJECTS}{project.pk}/")["ETag"]

    listed = client.patch(
        f"{PROJECTS}{project.pk}/",
        {"title": "Listed"},
        format="json",
        HTTP_IF_MATCH=f'"old", {etag}',
    )
    star = client.patch(
        f"{PROJECTS}{project.pk}/", {"title": "Star"}, format="json", HTTP_IF_MATCH="*"
    )

    assert (listed.status_code, star.status_code) == (200, 200)
    assert Project.objects.get(pk=project.pk).title == "Star"


def test_a_transition_changes_the_etag(world, make_project, api):
    project = make_project("draft")
    client = api(world.producer_a)
    before = client.get(f"{PROJECTS}{project.pk}/")["ETag"]

    client.post(f"{PROJECTS}{project.pk}/transitions/submit/", {}, format="json")

    assert client.get(f"{PROJECTS}{project.pk}/")["ETag"] != before
    assert (
        client.patch(
            f"{PROJECTS}{project.pk}/", {"title": "x"}, format="json", HTTP_IF_MATCH=before
        ).status_code
        == 412
    )


def test_people_may_omit_if_match(world, make_project, api):
    project = make_project("draft", title="Before")

    response = api(world.producer_a).patch(
        f"{PROJECTS}{project.pk}/", {"title": "After"}, format="json"
    )

    assert response.status_code == 200
    assert Project.objects.get(pk=project.pk).title == "After"


def test_a_key_must_send_if_match(world, make_project):
    project = make_project("draft", title="Before")
    client = key_client(world)

    refused = client.patch(f"{PROJECTS}{project.pk}/", {"title": "Blind"}, format="json")
    etag = client.get(f"{PROJECTS}{project.pk}/")["ETag"]
    accepted = client.patch(
        f"{PROJECTS}{project.pk}/", {"title": "Seen"}, format="json", HTTP_IF_MATCH=etag
    )

    assert refused.status_code == 428
    assert refused.json()["code"] == "precondition_required"
    assert accepted.status_code == 200
    assert Project.objects.get(pk=project.pk).title == "Seen"


def test_a_key_gets_404_not_428_outside_its_scope(world, make_project):
    other = make_project("draft", producer=world.studio_b, title="B's")

    response = key_client(world).patch(f"{PROJECTS}{other.pk}/", {"title": "x"}, format="json")

    assert response.status_code == 404
    assert Project.objects.get(pk=other.pk).title == "B's"


def test_a_failed_edit_keeps_the_etag(world, make_project, api):
    project = make_project("submitted", title="Before")
    client = api(world.producer_a)
    etag = client.get(f"{PROJECTS}{project.pk}/")["ETag"]

    locked = client.patch(
        f"{PROJECTS}{project.pk}/", {"title": "x"}, format="json", HTTP_IF_MATCH=etag
    )

    assert locked.status_code == 409
    assert client.get(f"{PROJECTS}{project.pk}/")["ETag"] == etag


# Budgets, lines, scorecards, SLAs ---------------------------------------------------------------


def test_budget_lines_honour_if_match(world, budget, api):
    client = api(world.producer_a)
    line = budget.lines.get()
    url = f"/api/v1/budget-lines/{line.pk}/"
    etag = client.get(url)["ETag"]

    first = client.patch(url, {"planned": "1200.00"}, format="json", HTTP_IF_MATCH=etag)
    second = client.patch(url, {"planned": "1300.00"}, format="json", HTTP_IF_MATCH=etag)

    assert first.status_code == 200
    assert client.get(url)["ETag"] == first["ETag"] != etag
    assert second.status_code == 412
    assert BudgetLine.objects.get(pk=line.pk).planned == Decimal("1200.00")


def test_replacing_a_budgets_lines_needs_the_budgets_current_etag(world, budget, api):
    client = api(world.producer_a)
    url = f"/api/v1/budgets/{budget.pk}/"
    etag = client.get(url)["ETag"]
    # A line edit changes the budget's representation (its totals) and so its ETag.
    line = budget.lines.get()
    client.patch(f"/api/v1/budget-lines/{line.pk}/", {"planned": "900.00"}, format="json")

    stale = client.put(
        f"{url}lines/", [{"category": "crew", "planned": "10"}], format="json", HTTP_IF_MATCH=etag
    )
    fresh_etag = client.get(url)["ETag"]
    replaced = client.put(
        f"{url}lines/",
        [{"category": "crew", "planned": "10"}],
        format="json",
        HTTP_IF_MATCH=fresh_etag,
    )

    assert stale.status_code == 412
    assert fresh_etag != etag
    assert replaced.status_code == 200, replaced.json()
    assert replaced["ETag"] == client.get(url)["ETag"]
    assert list(BudgetLine.objects.filter(budget=budget).values_list("category", flat=True)) == [
        "crew"
    ]


def test_scorecards_honour_if_match(world, api):
    evaluation = submit_proposal(world)
    card = scorecard_services.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    client = api(world.rater)
    url = f"/api/v1/scorecards/{card.pk}/"
    first, *_ = criteria(evaluation)
    etag = client.get(url)["ETag"]

    saved = client.patch(url, {"comment": "Fun."}, format="json", HTTP_IF_MATCH=etag)
    stale = client.patch(
        url,
        {"scores": [{"criterion": first.pk, "value": 3}]},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert saved.status_code == 200
    assert saved["ETag"] == client.get(url)["ETag"]
    assert stale.status_code == 412
    card = Scorecard.objects.get(pk=card.pk)
    assert (card.comment, card.scores.count()) == ("Fun.", 0)


def test_an_sla_honours_if_match(db, api):
    from tests.factories import UserFactory

    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = api(admin)
    url = "/api/v1/deadlines/slas/evaluation/"
    etag = client.get(url)["ETag"]

    changed = client.patch(url, {"days": 9}, format="json", HTTP_IF_MATCH=etag)
    stale = client.patch(url, {"days": 11}, format="json", HTTP_IF_MATCH=etag)

    assert changed.status_code == 200, changed.json()
    assert stale.status_code == 412
    assert client.get(url).json()["days"] == 9


# The schema -------------------------------------------------------------------------------------


def test_the_schema_documents_if_match_etag_412_and_428(world, api):
    schema = api(world.producer_a).get("/api/schema/", HTTP_ACCEPT="application/json").json()

    for path, method in [
        ("/api/v1/projects/{id}/", "patch"),
        ("/api/v1/projects/{id}/", "put"),
        ("/api/v1/budget-lines/{id}/", "patch"),
        ("/api/v1/budgets/{id}/lines/", "put"),
        ("/api/v1/scorecards/{id}/", "patch"),
    ]:
        operation = schema["paths"][path][method]
        assert "If-Match" in [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert {"412", "428"} <= set(operation["responses"])
        assert "ETag" in operation["responses"]["200"]["headers"]
    retrieve = schema["paths"]["/api/v1/projects/{id}/"]["get"]
    assert "ETag" in retrieve["responses"]["200"]["headers"]


# Racing clients (PostgreSQL) --------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clients_with_the_same_etag_cannot_both_win(world, make_project):
    project = make_project("draft", title="Before")
    reader = APIClient()
    reader.force_authenticate(world.producer_a)
    etag = reader.get(f"{PROJECTS}{project.pk}/")["ETag"]

    def edit(index):
        client = APIClient()
        client.force_authenticate(world.producer_a)
        return client.patch(
            f"{PROJECTS}{project.pk}/",
            {"title": f"Writer {index}"},
            format="json",
            HTTP_IF_MATCH=etag,
        ).status_code

    outcomes = race(edit, threads=8, indexed=True)

    assert outcomes.count(200) == 1, outcomes
    assert set(outcomes) <= {200, 409, 412}
    winner = Project.objects.get(pk=project.pk).title
    assert winner.startswith("Writer ")


# Contracts --------------------------------------------------------------------------------------


def test_a_stale_contract_edit_is_412_and_a_platform_key_must_send_if_match(
    world, make_project, api
):
    from contracts.models import Contract
    from tests.contracts.contract_helpers import offer

    contract = offer(make_project("greenlit"), world)
    url = f"/api/v1/contracts/{contract.pk}/"
    cm = api(world.content_manager)
    etag = cm.get(url)["ETag"]
    assert cm.patch(url, {"rights_scope": "Mainland China"}, HTTP_IF_MATCH=etag).status_code == 200
    stale = cm.patch(url, {"rights_scope": "Worldwide"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert Contract.objects.get(pk=contract.pk).rights_scope == "Mainland China"

    key = keys.api_key_create(
        actor=_platform_admin(world),
        organisation=world.platform,
        name="Contracts sync",
        scopes=("read", "write"),
        role="content_manager",
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.token}")
    assert client.patch(url, {"rights_scope": "Asia"}, format="json").status_code == 428
    assert Contract.objects.get(pk=contract.pk).rights_scope == "Mainland China"


def _platform_admin(world):
    from tests.factories import MembershipFactory, UserFactory

    admin = UserFactory(username="platform_admin")
    MembershipFactory(user=admin, organisation=world.platform, role="org_admin")
    return admin
