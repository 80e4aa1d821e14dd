from decimal import Decimal

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from tests.factories import MembershipFactory, OrganisationFactory
from tests.reviews.evaluation_helpers import put_greenlight_decision
from workflow.api.projects import ProjectSerializer
from workflow.models import Project, ProjectTransition
from workflow.services import PROPOSAL_FIELDS

LIST = "/api/v1/projects/"


def detail(project):
    return f"/api/v1/projects/{project.pk}/"


def proposal(world, **overrides):
    body = {
        "title": "闪婚后，豪门老公藏不住了",
        "logline": "A flash marriage to a stranger who owns the city.",
        "synopsis": "She married a stranger to escape her family.",
        "genre_tags": ["romance", "CEO"],
        "episode_count": 80,
        "episode_length_seconds": 90,
        "monetisation": "pay_to_unlock",
        "free_episodes": 10,
        "paywall_positions": [11, 40],
        "platform": world.platform.pk,
        "planned_budget": "450000.00",
    }
    body.update(overrides)
    return body


def ids(response):
    return {row["id"] for row in response.json()["results"]}


# Scope


def test_each_organisation_lists_only_what_it_may_see(world, make_project, api):
    draft_a = make_project("draft")
    submitted_a = make_project("submitted", tier="ORDINARY")
    key_b = make_project("final_review", tier="KEY", producer=world.studio_b)
    other_a = make_project("cleared", tier="OTHER")
    on_q = make_project("submitted", platform=world.other_platform)

    assert ids(api(world.producer_a).get(LIST)) == {draft_a.pk, submitted_a.pk, other_a.pk, on_q.pk}
    assert ids(api(world.producer_b).get(LIST)) == {key_b.pk}
    # A platform never sees drafts, nor projects proposed to another platform.
    assert ids(api(world.content_manager).get(LIST)) == {submitted_a.pk, key_b.pk, other_a.pk}
    # Bureaus see their province's KEY and ORDINARY projects; the national administration KEY ones.
    assert ids(api(world.shanghai_reviewer).get(LIST)) == {submitted_a.pk, on_q.pk}
    assert ids(api(world.zhejiang_reviewer).get(LIST)) == {key_b.pk}
    assert ids(api(world.national_reviewer).get(LIST)) == {key_b.pk}
    assert ids(api(world.outsider).get(LIST)) == set()


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("patch", ""),
        ("put", ""),
        ("get", "transitions/"),
        ("post", "transitions/submit/"),
        ("get", "history/"),
    ],
)
def test_another_companys_project_is_not_found(world, make_project, api, method, suffix):
    project_b = make_project("draft", producer=world.studio_b)
    response = getattr(api(world.producer_a), method)(
        detail(project_b) + suffix, {"title": "mine now"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    project_b.refresh_from_db()
    assert (project_b.title, project_b.state) != ("mine now", "submitted")
    assert not ProjectTransition.objects.exists()


def test_anonymous_callers_are_asked_to_authenticate(world, make_project, api):
    response = api().get(LIST)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_token_authentication(world, make_project, api):
    make_project("draft")
    response = api().post(
        "/api/v1/auth/token/",
        {"username": "producer_a", "password": "correct horse battery staple"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(key=token).user == world.producer_a
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(LIST).json()["count"] == 1


# Create and edit


def test_producer_creates_a_proposal_in_their_company(world, api):
    response = api(world.producer_a).post(LIST, proposal(world), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["producer"]["id"] == world.studio_a.pk
    assert body["state"] == "draft"
    project = Project.objects.get(pk=body["id"])
    assert project.planned_budget == Decimal("450000.00")
    assert project.created_by == world.producer_a


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"state": "released"}, "state"),
        ({"producer": 1}, "producer"),
        ({"review_tier": "OTHER"}, "review_tier"),
        ({"colour": "red"}, "colour"),
        ({"episode_count": "eighty"}, "episode_count"),
        ({"episode_count": 0}, "episode_count"),
        ({"planned_budget": "-5"}, "planned_budget"),
        ({"planned_budget": "12.345"}, "planned_budget"),
        ({"genre_tags": "romance"}, "genre_tags"),
        ({"paywall_positions": [5]}, "paywall_positions"),
        ({"paywall_positions": [40, 11]}, "paywall_positions"),
        ({"free_episodes": 81}, "free_episodes"),
        ({"source": "adaptation", "rights_holder": ""}, "rights_holder"),
        ({"orientation": "diagonal"}, "orientation"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_proposals_get_field_errors_and_create_nothing(world, api, overrides, field):
    response = api(world.producer_a).post(LIST, proposal(world, **overrides), format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]
    assert not Project.objects.exists()


@pytest.mark.parametrize("platform", ["studio_b", 999999])
def test_a_platform_that_is_none_is_not_found_and_nothing_is_created(world, api, platform):
    platform = getattr(world, platform).pk if isinstance(platform, str) else platform

    response = api(world.producer_a).post(LIST, proposal(world, platform=platform), format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "platform" in response.json()["detail"]
    assert not Project.objects.exists()


def test_non_json_bodies_are_400(world, api):
    client = api(world.producer_a)
    response = client.post(LIST, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    response = client.post(LIST, [1, 2], format="json")
    assert response.status_code == 400
    assert not Project.objects.exists()


def test_only_producers_create_proposals(world, api):
    response = api(world.content_manager).post(LIST, proposal(world), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Project.objects.exists()


def test_a_producer_of_two_companies_names_one(world, api):
    MembershipFactory(user=world.producer_a, organisation=world.studio_b, role="producer")
    client = api(world.producer_a)
    response = client.post(LIST, proposal(world), format="json")
    assert response.status_code == 400
    assert "organisation" in response.json()["fields"]

    response = client.post(
        f"{LIST}?organisation={world.studio_b.pk}", proposal(world), format="json"
    )
    assert response.status_code == 201
    assert response.json()["producer"]["id"] == world.studio_b.pk

    stranger = OrganisationFactory(name="Stranger studio")
    response = client.post(f"{LIST}?organisation={stranger.pk}", proposal(world), format="json")
    assert response.status_code == 400


def test_the_api_writes_the_proposal_and_nothing_the_workflow_owns():
    fields = ProjectSerializer().fields

    assert {name for name, field in fields.items() if not field.read_only} == set(PROPOSAL_FIELDS)


def test_proposal_is_editable_in_draft_only(world, make_project, api):
    draft = make_project("draft")
    client = api(world.producer_a)
    response = client.patch(detail(draft), {"planned_budget": "280000.00"}, format="json")
    assert response.status_code == 200
    assert response.json()["planned_budget"] == "280000.00"

    submitted = make_project("submitted")
    response = client.patch(detail(submitted), {"title": "New"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "project_locked"
    submitted.refresh_from_db()
    assert submitted.title != "New"


def test_a_submitted_proposal_cannot_move_to_another_platform(world, make_project, api):
    # Its evaluation and scores belong to the platform it was proposed to.
    project = make_project("revising")
    client = api(world.producer_a)
    response = client.patch(detail(project), {"platform": world.other_platform.pk}, format="json")
    assert response.status_code == 400
    assert "platform" in response.json()["fields"]
    project.refresh_from_db()
    assert project.platform == world.platform

    draft = make_project("draft")
    response = client.patch(detail(draft), {"platform": world.other_platform.pk}, format="json")
    assert response.status_code == 200


def test_the_platform_cannot_edit_the_proposal(world, make_project, api):
    project = make_project("revising")
    response = api(world.content_manager).patch(detail(project), {"title": "New"}, format="json")
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.title != "New"


def test_patch_that_breaks_an_invariant_changes_nothing(world, make_project, api):
    project = make_project("draft")
    response = api(world.producer_a).patch(
        detail(project), {"title": "Renamed", "free_episodes": 200}, format="json"
    )
    assert response.status_code == 400
    assert "free_episodes" in response.json()["fields"]
    project.refresh_from_db()
    assert project.title != "Renamed"


# Transitions


def test_firing_a_transition(world, make_project, api):
    project = make_project("draft")
    response = api(world.producer_a).post(
        detail(project) + "transitions/submit/",
        {"comment": "first cut of the pitch"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "submitted"
    assert response.json()["review_tier"] == "ORDINARY"
    assert response.json()["tier_reason"].startswith(
        "ORDINARY: ¥300,000.00 <= investment ¥450,000.00"
    )
    history = api(world.producer_a).get(detail(project) + "history/").json()
    assert [(h["name"], h["source_state"], h["target_state"], h["actor"]) for h in history] == [
        ("submit", "draft", "submitted", "producer_a")
    ]
    assert history[0]["comment"] == "first cut of the pitch"
    assert history[0]["organisation"]["id"] == world.studio_a.pk


def test_transition_errors(world, make_project, api):
    project = make_project("submitted")
    url = detail(project) + "transitions/"
    producer = api(world.producer_a)

    wrong_state = producer.post(url + "start_production/", {}, format="json")
    assert wrong_state.status_code == 409
    assert wrong_state.json()["code"] == "transition_not_allowed"

    wrong_role = producer.post(url + "greenlight/", {}, format="json")
    assert wrong_role.status_code == 403
    assert wrong_role.json()["code"] == "permission_denied"

    unknown = producer.post(url + "publish/", {}, format="json")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "unknown_transition"

    bad_body = api(world.content_manager).post(
        url + "greenlight/", {"comment": ["x"]}, format="json"
    )
    assert bad_body.status_code == 400
    assert "comment" in bad_body.json()["fields"]

    smuggled = api(world.content_manager).post(
        url + "greenlight/", {"state": "released"}, format="json"
    )
    assert smuggled.status_code == 400
    assert "state" in smuggled.json()["fields"]

    project.refresh_from_db()
    assert project.state == "submitted"
    assert not ProjectTransition.objects.exists()


def test_a_transition_of_a_project_outside_your_scope_is_404_whatever_the_body(
    world, make_project, api
):
    project = make_project("draft")
    url = detail(project) + "transitions/submit/"
    outsider = api(world.producer_b)

    for body in ({}, {"comment": ["x"]}, {"state": "released"}):
        response = outsider.post(url, body, format="json")
        assert response.status_code == 404, body
        assert response.json()["code"] == "not_found"
    assert outsider.post(LIST + "abc/transitions/submit/", {}, format="json").status_code == 404

    project.refresh_from_db()
    assert project.state == "draft"
    assert not ProjectTransition.objects.exists()


def test_unmet_guards_are_a_conflict_with_reasons(world, make_project, api):
    project = make_project("draft", logline="")
    response = api(world.producer_a).post(detail(project) + "transitions/submit/", format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conditions_not_met"
    assert any("logline" in reason for reason in body["reasons"])


def test_why_not_lists_every_transition_with_reasons(world, make_project, api):
    # Tier OTHER: no planning filing to wait for (tests/reviews/test_filings*.py covers that).
    project = make_project("submitted", tier="OTHER")
    put_greenlight_decision(project)  # the platform evaluation decided "greenlight"
    options = {
        o["name"]: o
        for o in api(world.content_manager).get(detail(project) + "transitions/").json()
    }
    assert len(options) == 18
    assert options["greenlight"]["allowed"] is True
    assert options["greenlight"]["reasons"] == []
    assert options["submit"]["allowed"] is False
    assert "Not possible from Submitted" in options["submit"]["reasons"][0]

    producer_view = {
        o["name"]: o for o in api(world.producer_a).get(detail(project) + "transitions/").json()
    }
    assert producer_view["greenlight"]["allowed"] is False
    assert "content manager" in producer_view["greenlight"]["reasons"][0]


# Listing


def test_filter_search_and_order(world, make_project, api):
    a = make_project("draft", title="Alpha 总裁", planned_budget="100000.00")
    b = make_project("submitted", title="Beta 重生", planned_budget="900000.00")
    client = api(world.producer_a)
    assert ids(client.get(LIST, {"state": "submitted"})) == {b.pk}
    assert ids(client.get(LIST, {"state": ["draft", "submitted"]})) == {a.pk, b.pk}
    assert ids(client.get(LIST, {"search": "重生"})) == {b.pk}
    assert ids(client.get(LIST, {"platform": world.platform.pk})) == {a.pk, b.pk}
    ordered = client.get(LIST, {"ordering": "-planned_budget"}).json()["results"]
    assert [row["id"] for row in ordered] == [b.pk, a.pk]
    bad = client.get(LIST, {"state": "nonsense"})
    assert bad.status_code == 400
    assert "state" in bad.json()["fields"]


def test_pagination(world, make_project, api):
    for _ in range(3):
        make_project("draft")
    page = api(world.producer_a).get(LIST, {"page_size": 2}).json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"]
    assert api(world.producer_a).get(LIST, {"page": 9}).status_code == 404


@pytest.mark.parametrize("user", ["producer_a", "content_manager", "shanghai_reviewer"])
def test_list_costs_the_same_queries_for_5_and_50_projects(
    world, make_project, api, django_assert_max_num_queries, django_assert_num_queries, user
):
    client = api(getattr(world, user))
    for _ in range(5):
        make_project("submitted")
    client.get(LIST)  # warm: content types, etc.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as five:
        assert client.get(LIST).json()["count"] == 5
    for _ in range(45):
        make_project("submitted")
    with django_assert_num_queries(len(five)):
        assert len(client.get(LIST, {"page_size": 50}).json()["results"]) == 50
    assert len(five) <= 3


# Contract


def test_openapi_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/projects/{id}/transitions/{name}/" in text
    assert "ErrorResponse" in text or "Error" in text


def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_the_schema_offers_only_the_transitions_the_endpoint_fires(world, api):
    schema = api(world.producer_a).get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/api/v1/projects/{id}/transitions/{name}/"]["post"]
    (name,) = [p for p in operation["parameters"] if p["name"] == "name"]
    assert "submit" in name["schema"]["enum"]
    for decided in ("clear", "reject", "request_revision", "request_final_changes"):
        assert decided not in name["schema"]["enum"]
        assert f"`{decided}`" in name["description"]
