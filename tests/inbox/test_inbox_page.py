"""The inbox as people meet it: the landing page after sign-in, the header's unread badge, the API,
and notifications that link to what they are about."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inbox.templatetags import inbox_badge
from workflow.models import Deadline, DeadlineKind, Membership, Notification

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
INBOX = "/inbox/"
API = "/api/v1/inbox/"


def notify(user, project=None, *, n=1, read=False, source="test"):
    for i in range(n):
        Notification.objects.create(
            recipient=user,
            project=project,
            subject=f"Something happened {i}",
            source=f"{source}:{i}",
            read_at=timezone.now() if read else None,
        )


# Sign-in lands on the inbox -------------------------------------------------------------------


def test_signing_in_lands_on_the_inbox(client, world):
    page = client.get(reverse("admin:login"))
    assert page.status_code == 200
    assert 'name="next" value="/inbox/"' in page.content.decode()

    response = client.post(reverse("admin:login"), {"username": "producer_a", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == INBOX


def test_signing_in_with_a_next_goes_there(client, world, make_project):
    project = make_project("draft")
    target = reverse("admin:workflow_project_change", args=[project.pk])
    response = client.post(
        reverse("admin:login") + f"?next={target}",
        {"username": "producer_a", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == target


def test_a_signed_in_member_opening_the_sign_in_page_goes_to_the_inbox(client, world):
    client.force_login(world.producer_a)
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"] == INBOX


def test_the_inbox_asks_anonymous_visitors_to_sign_in(client, world):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert "next=/inbox/" in response["Location"]


# The page -------------------------------------------------------------------------------------


def test_the_page_lists_the_work_overdue_first_with_links_to_the_action(
    client, world, make_project
):
    waiting = make_project("draft", title="Undated Draft")
    late = make_project("revising", title="Late Revision")
    Deadline.objects.create(
        project=late,
        kind=DeadlineKind.PRODUCER_RESPONSE,
        round=1,
        due_at=timezone.now() - timedelta(days=2),
        responsible_organisation=world.studio_a,
        responsible_role=Membership.Role.PRODUCER,
    )
    make_project("draft", title="Not Mine", producer=world.studio_b)
    client.force_login(world.producer_a)

    page = client.get(INBOX).content.decode()

    assert page.index("Late Revision") < page.index("Undated Draft")
    assert "Not Mine" not in page
    assert f'href="{reverse("admin:workflow_project_change", args=[late.pk])}"' in page
    assert f'href="{reverse("admin:workflow_project_change", args=[waiting.pk])}"' in page
    assert "Overdue since" in page
    assert '2 things wait on you. <strong class="overdue">1 is overdue.</strong>' in page
    # The header links to the inbox and keeps the dashboard.
    assert 'id="inbox-link" href="/inbox/"' in page or 'href="/inbox/" id="inbox-link"' in page
    assert 'id="dashboard-link"' in page


def test_the_page_says_plainly_when_nothing_waits(client, world):
    client.force_login(world.rater)
    response = client.get(INBOX)
    assert response.status_code == 200
    assert "Nothing waits on you now." in response.content.decode()


def test_the_page_speaks_chinese(client, world, make_project):
    make_project("draft", title="Flash Marriage")
    client.force_login(world.producer_a)
    client.cookies["django_language"] = "zh-hans"

    page = client.get(INBOX).content.decode()

    assert "待提交的草稿" in page
    assert "Draft to submit" not in page


def test_the_page_costs_the_same_queries_with_more_work(
    client, world, make_project, django_assert_max_num_queries
):
    client.force_login(world.producer_a)
    for i in range(2):
        make_project("draft", title=f"Draft {i}")
    with django_assert_max_num_queries(30) as captured:
        assert client.get(INBOX).status_code == 200
    few = len(captured)
    for i in range(8):
        make_project("revising", title=f"Revision {i}")
        make_project("in_production", title=f"Shooting {i}")
    with django_assert_max_num_queries(few):
        page = client.get(INBOX)
    assert page.content.decode().count('class="mdprod-inbox-item') == 18


# The unread badge -----------------------------------------------------------------------------


def test_every_page_shows_the_unread_count_linking_to_the_unread_list(client, world, make_project):
    project = make_project("draft")
    notify(world.producer_a, project, n=3)
    notify(world.producer_a, project, n=2, read=True, source="old")
    notify(world.producer_b, n=4)
    client.force_login(world.producer_a)
    url = reverse("admin:workflow_notification_changelist") + "?read=no"

    for page in (
        INBOX,
        "/",
        reverse("admin:index"),
        reverse("admin:workflow_project_changelist"),
    ):
        html = client.get(page).content.decode()
        assert 'id="notifications-badge"' in html, page
        assert f'href="{url}"' in html, page
        assert '<span class="count">3</span>' in html, page


def test_the_badge_costs_one_query(client, world, make_project):
    """The same page with and without the badge's count differs by one query."""
    client.force_login(world.producer_a)
    notify(world.producer_a, n=2)
    client.get(INBOX)

    with CaptureQueriesContext(connection) as with_badge:
        client.get(INBOX)
    original = inbox_badge.unread_count
    inbox_badge.unread_count = lambda user: 0
    try:
        with CaptureQueriesContext(connection) as without_badge:
            client.get(INBOX)
    finally:
        inbox_badge.unread_count = original
    assert len(with_badge) - len(without_badge) == 1


def test_a_failing_count_leaves_the_badge_out_and_the_page_up(client, world, monkeypatch):
    def broken(user):
        raise DatabaseError("the count is unreadable")

    monkeypatch.setattr(inbox_badge, "unread_count", broken)
    client.force_login(world.producer_a)

    response = client.get(INBOX)

    assert response.status_code == 200
    assert 'id="notifications-badge"' not in response.content.decode()


# The API --------------------------------------------------------------------------------------


def test_the_api_lists_the_same_items_in_the_same_order(api, world, make_project):
    late = make_project("revising", title="Late Revision")
    make_project("draft", title="Undated Draft")
    make_project("draft", title="Not Mine", producer=world.studio_b)
    due = timezone.now() - timedelta(hours=5)
    Deadline.objects.create(
        project=late,
        kind=DeadlineKind.PRODUCER_RESPONSE,
        round=1,
        due_at=due,
        responsible_organisation=world.studio_a,
        responsible_role=Membership.Role.PRODUCER,
    )

    response = api(world.producer_a).get(API)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert first["kind"] == "resubmit"
    assert first["kind_label"] == "Revision to resubmit"
    assert first["project"] == late.pk
    assert first["project_title"] == "Late Revision"
    assert first["overdue"] is True
    assert first["due_at"] is not None
    assert first["url"] == "http://testserver" + reverse(
        "admin:workflow_project_change", args=[late.pk]
    )
    assert (second["project_title"], second["due_at"], second["overdue"]) == (
        "Undated Draft",
        None,
        False,
    )


def test_the_api_answers_in_the_callers_language(api, world, make_project):
    make_project("draft", title="Flash Marriage")
    response = api(world.producer_a).get(API, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert response.json()["results"][0]["kind_label"] == "待提交的草稿"


def test_the_api_refuses_anonymous_callers(api, world):
    response = api().get(API)
    assert response.status_code == 401


def test_the_api_rejects_a_bad_page_size_with_a_field_message(api, world):
    response = api(world.producer_a).get(API, {"page_size": "lots"})
    assert response.status_code == 400
    assert "page_size" in response.json()["fields"]


def test_the_api_costs_the_same_queries_with_more_work(
    api, world, make_project, django_assert_max_num_queries
):
    client = api(world.producer_a)
    make_project("draft", title="Only One")
    with django_assert_max_num_queries(30) as captured:
        assert client.get(API).status_code == 200
    few = len(captured)
    for i in range(6):
        make_project("cut_changes", title=f"Cut {i}")
        make_project("greenlit", title=f"Greenlit {i}")
    with django_assert_max_num_queries(few):
        assert client.get(API).json()["count"] == 13


# Notifications link to their object ----------------------------------------------------------


def test_a_notification_links_to_its_project_in_the_api(api, world, make_project):
    project = make_project("draft", title="Linked")
    notify(world.producer_a, project, source="with")
    notify(world.producer_a, source="without")

    body = api(world.producer_a).get("/api/v1/notifications/").json()

    urls = {row["project_title"]: row["url"] for row in body["results"]}
    assert urls == {
        "Linked": "http://testserver" + reverse("admin:workflow_project_change", args=[project.pk]),
        None: None,
    }


def test_a_notification_links_to_its_project_in_the_admin_list(client, world, make_project):
    project = make_project("draft", title="Linked")
    notify(world.producer_a, project)
    client.force_login(world.producer_a)

    page = client.get(reverse("admin:workflow_notification_changelist")).content.decode()

    link = reverse("admin:workflow_project_change", args=[project.pk])
    assert f'<a href="{link}">Linked</a>' in page


def test_the_api_filters_by_kind_and_overdue(api, world, make_project):
    late = make_project("revising", title="Late Revision")
    make_project("draft", title="Undated Draft")
    Deadline.objects.create(
        project=late,
        kind=DeadlineKind.PRODUCER_RESPONSE,
        round=1,
        due_at=timezone.now() - timedelta(hours=5),
        responsible_organisation=world.studio_a,
        responsible_role=Membership.Role.PRODUCER,
    )
    client = api(world.producer_a)

    def titles(**query):
        response = client.get(API, query)
        assert response.status_code == 200
        return [row["project_title"] for row in response.json()["results"]]

    assert titles(kind="submit") == ["Undated Draft"]
    assert titles(overdue="true") == ["Late Revision"]
    assert titles(overdue="false") == ["Undated Draft"]
    assert titles(kind="submit", overdue="true") == []


def test_the_api_rejects_an_unknown_kind_or_a_bad_overdue(api, world):
    client = api(world.producer_a)

    unknown = client.get(API, {"kind": "nap"})
    bad = client.get(API, {"overdue": "perhaps"})

    assert unknown.status_code == 400
    assert "kind" in unknown.json()["fields"]
    assert bad.status_code == 400
    assert "overdue" in bad.json()["fields"]


def test_an_entrys_link_is_a_404_for_another_organisation(client, world, make_project, api):
    make_project("draft", title="Ours")
    url = api(world.producer_a).get(API).json()["results"][0]["url"]
    client.force_login(world.producer_b)

    assert client.get(url.removeprefix("http://testserver")).status_code == 404
