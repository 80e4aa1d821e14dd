"""The project and notification lists read rows, not instances (``common.rows``): their bodies
must be byte for byte the ones the serializers make of the instances, and what it knows about the caller (token, key,
memberships) is read with the credential on every request, so a change shows at once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, UserFactory
from workflow import keys, memberships, tokens
from workflow.api.notifications import NotificationSerializer
from workflow.api.projects import ProjectSerializer
from workflow.models import Membership, Notification, Project
from workflow.notifications import notify

LIST = "/api/v1/projects/"


def _varied(world, make_project):
    """Projects that exercise every kind of field: blank and set tiers and times, Chinese and
    quoted text, empty and long lists, odd budgets, special subjects, two producers."""
    make_project("draft", title="草稿：闪婚后", genre_tags=[], paywall_positions=[])
    make_project(
        "submitted",
        title='A "quoted" title\\with a backslash',
        planned_budget=Decimal("0.00"),
        special_subject=True,
        genre_tags=["都市", "romance", "CEO"],
    )
    make_project(
        "revising", tier="KEY", planned_budget=Decimal("1000000.50"), producer=world.studio_b
    )
    make_project("in_production", tier="OTHER", planned_budget=Decimal("299999.99"))
    released = make_project("released", homepage_promotion=True, paywall_positions=[11, 12, 80])
    Project.objects.filter(pk=released.pk).update(
        tier_changed_at=timezone.now() - timedelta(days=3, microseconds=17),
        tier_reason="Budget over the threshold (¥1,000,000).",
        synopsis="Line one.\nLine two\twith a tab and an emoji 🎬.",
    )
    make_project("taken_down", tier="KEY", key_opt_in=True, lead_ad_sales_title=True)


def _expected(response):
    """The body the instance serializer makes of the same page, through the same renderer."""
    page = response.json()
    ids = [row["id"] for row in page["results"]]
    instances = Project.objects.select_related("producer").in_bulk(ids)
    results = ProjectSerializer([instances[pk] for pk in ids], many=True).data
    body = {
        "count": page["count"],
        "next": page["next"],
        "previous": page["previous"],
        "results": results,
    }
    return JSONRenderer().render(body)


@pytest.mark.parametrize(
    ("user", "params", "language"),
    [
        ("producer_a", {}, "en"),
        ("producer_a", {"ordering": "planned_budget"}, "zh-hans"),
        ("producer_a", {"page_size": 2, "page": 2}, "en"),
        ("content_manager", {"state": ["released", "taken_down"]}, "zh-hans"),
        ("national_reviewer", {"search": "title"}, "en"),
    ],
)
def test_the_list_body_is_the_serializers_byte_for_byte(
    world, make_project, api, user, params, language
):
    _varied(world, make_project)
    client = api(getattr(world, user))
    response = client.get(LIST, params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response.json()["results"], "the case lists nothing: it would prove nothing"
    from django.utils import translation

    with translation.override(language):
        expected = _expected(response)
    assert response.content == expected


@pytest.mark.parametrize("params", [{}, {"unread": "true"}, {"ordering": "read_at"}])
def test_the_notification_list_body_is_the_serializers_byte_for_byte(world, make_project, params):
    project = make_project("submitted", title='闪婚后 "quoted"')
    notify(recipients=[world.content_manager], subject="No project", body="", source="a")
    notify(
        recipients=[world.content_manager],
        subject="提交了",
        body="Line one.\nLine two 🎬",
        source="b",
        project=project,
    )
    notify(
        recipients=[world.content_manager], subject="Read", body="x", source="c", project=project
    )
    Notification.objects.filter(source="c").update(
        read_at=timezone.now() - timedelta(hours=1, microseconds=3)
    )
    notify(recipients=[world.producer_a], subject="Not mine", body="", source="d")
    _token, client = _token_client(world.content_manager)
    response = client.get("/api/v1/notifications/", params)
    assert response.status_code == 200
    page = response.json()
    assert page["results"]
    ids = [row["id"] for row in page["results"]]
    instances = Notification.objects.select_related("project").in_bulk(ids)
    expected = {
        "count": page["count"],
        "next": page["next"],
        "previous": page["previous"],
        "results": NotificationSerializer(
            [instances[pk] for pk in ids], many=True, context={"request": response.wsgi_request}
        ).data,
    }
    assert response.content == JSONRenderer().render(expected)


def test_the_list_counts_without_joining_the_producer(
    world, make_project, api, django_assert_num_queries
):
    for _ in range(3):
        make_project("submitted")
    token = Token.objects.create(user=world.content_manager)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    with django_assert_num_queries(3) as captured:  # the token with memberships, count, page
        assert client.get(LIST).json()["count"] == 3
    count = next(q["sql"] for q in captured.captured_queries if "COUNT(*)" in q["sql"])
    assert "workflow_organisation" not in count


# What the list knows about the caller ends with the credential or the membership ----------------


def _token_client(user):
    token = tokens.token_issue(user=user)
    return token, APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")


def test_a_revoked_token_is_refused_on_the_next_request(world, make_project):
    make_project("submitted")
    token, client = _token_client(world.content_manager)
    assert client.get(LIST).status_code == 200
    tokens.token_revoke(token=token)
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_an_expired_token_is_refused_on_the_next_request(world, make_project):
    make_project("submitted")
    token, client = _token_client(world.content_manager)
    assert client.get(LIST).status_code == 200
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=2))
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_a_deactivated_user_is_refused_on_the_next_request(world, make_project):
    _token, client = _token_client(world.content_manager)
    assert client.get(LIST).status_code == 200
    type(world.content_manager).objects.filter(pk=world.content_manager.pk).update(is_active=False)
    assert client.get(LIST).status_code == 401


def test_a_removed_membership_narrows_the_list_on_the_next_request(world, make_project):
    mine = make_project("submitted")
    elsewhere = make_project("submitted", platform=world.other_platform)
    extra = MembershipFactory(
        user=world.content_manager,
        organisation=world.other_platform,
        role=Membership.Role.CONTENT_MANAGER,
    )
    _token, client = _token_client(world.content_manager)
    listed = {row["id"] for row in client.get(LIST).json()["results"]}
    assert listed == {mine.pk, elsewhere.pk}
    memberships.membership_delete(membership_ids=[extra.pk], actor=_superuser())
    listed = {row["id"] for row in client.get(LIST).json()["results"]}
    assert listed == {mine.pk}
    assert client.get(f"{LIST}{elsewhere.pk}/").status_code == 404


def test_a_new_membership_widens_the_list_on_the_next_request(world, make_project):
    elsewhere = make_project("submitted", platform=world.other_platform)
    _token, client = _token_client(world.content_manager)
    assert client.get(LIST).json()["count"] == 0
    memberships.membership_create(
        actor=_superuser(),
        user=world.content_manager,
        organisation=world.other_platform,
        role=Membership.Role.CONTENT_MANAGER,
    )
    assert [row["id"] for row in client.get(LIST).json()["results"]] == [elsewhere.pk]


def test_a_revoked_api_key_is_refused_on_the_next_request(world, make_project):
    make_project("submitted")
    key = keys.api_key_create(
        actor=_superuser(), organisation=world.platform, name="Nightly", scopes=["read"]
    )
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {key.token}")
    assert client.get(LIST).json()["count"] == 1
    keys.api_key_revoke(key=key, actor=_superuser())
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json()["detail"] == "This API key has been revoked."


def test_an_expired_api_key_is_refused_on_the_next_request(world, make_project):
    make_project("submitted")
    key = keys.api_key_create(
        actor=_superuser(), organisation=world.platform, name="Nightly", scopes=["read"]
    )
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {key.token}")
    assert client.get(LIST).status_code == 200
    type(key).objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json()["detail"] == "This API key has expired."


def test_an_api_key_lists_its_organisations_projects_in_three_queries(
    world, make_project, django_assert_max_num_queries
):
    make_project("submitted")
    make_project("submitted", platform=world.other_platform)
    key = keys.api_key_create(
        actor=_superuser(), organisation=world.platform, name="Nightly", scopes=["read"]
    )
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {key.token}")
    client.get(LIST)  # the first use writes last_used_at
    with django_assert_max_num_queries(3):
        assert client.get(LIST).json()["count"] == 1


def _superuser():
    return UserFactory(is_superuser=True)
