"""The release gate's API and admin page: scope, actions, bad input, constant query counts."""

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from releases import services
from releases.models import Release
from reviews.services.clearances import clearance_record
from workflow.models import StatusChange

RELEASES = "/api/v1/releases/"
_serials = itertools.count(1)


def registration(world, project):
    return clearance_record(
        project=project,
        kind="online_registration",
        number=f"（沪）网剧备字（{timezone.localdate().year}）第{next(_serials)}号",
        issued_by=world.shanghai,
        actor=world.shanghai_reviewer,
    )


def confirmed(world, project):
    clearance = registration(world, project)
    return services.credits_confirm(project=project, actor=world.producer_a, clearance=clearance)


def post(client, action, **body):
    return client.post(f"{RELEASES}{action}/", body, format="json")


# Actions


def test_the_producer_confirms_credits_through_the_api(world, api, make_project):
    project = make_project("cleared")
    clearance = registration(world, project)

    response = post(
        api(world.producer_a), "confirm-credits", project=project.pk, clearance=clearance.pk
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["project"] == project.pk
    assert body["clearance"]["number"] == clearance.number
    assert body["credits_confirmed_by"] == "producer_a"
    assert body["credits_confirmed_at"] is not None


@pytest.mark.parametrize(
    ("user", "status"),
    [("content_manager", 403), ("shanghai_reviewer", 403), ("producer_b", 404), ("outsider", 404)],
)
def test_confirm_credits_refusals_change_nothing(world, api, make_project, user, status):
    project = make_project("cleared")
    clearance = registration(world, project)

    response = post(
        api(getattr(world, user)), "confirm-credits", project=project.pk, clearance=clearance.pk
    )

    assert response.status_code == status
    assert not Release.objects.filter(clearance__isnull=False).exists()


def test_a_clearance_of_another_project_is_refused_on_clearance(world, api, make_project):
    project = make_project("cleared")
    other = registration(world, make_project("cleared"))

    response = post(
        api(world.producer_a), "confirm-credits", project=project.pk, clearance=other.pk
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["clearance"]


def test_unknown_and_read_only_keys_are_refused(world, api, make_project):
    project = make_project("cleared")

    response = post(
        api(world.content_manager),
        "schedule",
        project=project.pk,
        on=timezone.localdate().isoformat(),
        released_at="2026-01-01T00:00:00Z",
    )

    assert response.status_code == 400
    assert "released_at" in response.json()["fields"]
    assert not Release.objects.exists()


def test_the_platform_schedules_and_unschedules(world, api, make_project):
    project = make_project("cleared")
    client = api(world.content_manager)
    day = timezone.localdate() + timedelta(days=3)

    response = post(client, "schedule", project=project.pk, on=day.isoformat())

    assert response.status_code == 200, response.json()
    assert (response.json()["scheduled_for"], response.json()["scheduled_by"]) == (
        day.isoformat(),
        "cm_p",
    )
    past = post(client, "schedule", project=project.pk, on="2000-01-01")
    assert past.status_code == 400
    assert list(past.json()["fields"]) == ["on"]

    response = post(client, "unschedule", project=project.pk)
    assert response.status_code == 200
    assert response.json()["scheduled_for"] is None
    again = post(client, "unschedule", project=project.pk)
    assert again.status_code == 409
    assert again.json()["code"] == "release_conflict"


def test_a_release_scheduled_absurdly_far_ahead_is_refused(world, api, make_project):
    project = make_project("cleared")
    client = api(world.content_manager)
    latest = timezone.localdate() + services.SCHEDULE_HORIZON
    post(client, "schedule", project=project.pk, on=timezone.localdate().isoformat())

    for day in ("9999-12-31", (latest + timedelta(days=1)).isoformat()):
        refused = post(client, "schedule", project=project.pk, on=day)

        assert refused.status_code == 400, refused.json()
        assert refused.json()["fields"] == {
            "on": [f"Choose a day within two years, {latest.isoformat()} at the latest."]
        }
    # Nothing changed: the day set before stands, and nothing more was logged.
    gate = Release.objects.get(project=project)
    assert gate.scheduled_for == timezone.localdate()
    assert StatusChange.objects.filter(project=project, field="schedule").count() == 1

    accepted = post(client, "schedule", project=project.pk, on=latest.isoformat())
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["scheduled_for"] == latest.isoformat()


def test_scheduling_is_refused_to_others_and_outside_cleared(world, api, make_project):
    project = make_project("cleared")
    today = timezone.localdate().isoformat()

    assert post(api(world.producer_a), "schedule", project=project.pk, on=today).status_code == 403
    assert (
        post(api(world.other_content_manager), "schedule", project=project.pk, on=today).status_code
        == 404
    )
    live = make_project("released")
    assert (
        post(api(world.content_manager), "schedule", project=live.pk, on=today).status_code == 409
    )
    assert not Release.objects.exists()


# Reading: scope, filters, query counts


def test_the_list_is_scoped_and_filtered(world, api, make_project):
    waiting = confirmed(world, make_project("cleared"))
    scheduled = services.release_schedule(
        project=make_project("cleared"), actor=world.content_manager, on=timezone.localdate()
    )
    live = confirmed(world, make_project("cleared"))
    api(world.content_manager).post(
        f"/api/v1/projects/{live.project_id}/transitions/release/", {}, format="json"
    )
    hidden = services.release_schedule(
        project=make_project("cleared", producer=world.studio_b, platform=world.other_platform),
        actor=world.other_content_manager,
        on=timezone.localdate(),
    )
    client = api(world.producer_a)

    def ids(**params):
        response = client.get(RELEASES, params)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {waiting.pk, scheduled.pk, live.pk}
    assert ids(state="scheduled") == {scheduled.pk}
    assert ids(state="released") == {live.pk}
    assert ids(project=waiting.project_id) == {waiting.pk}
    assert client.get(f"{RELEASES}{hidden.pk}/").status_code == 404
    detail = client.get(f"{RELEASES}{live.pk}/").json()
    assert detail["project_state"] == "released"
    assert detail["released_at"] is not None
    assert client.get(RELEASES, {"state": "gone"}).status_code == 400


@pytest.mark.parametrize("user", ["producer_a", "content_manager"])
def test_the_list_costs_the_same_queries_for_few_and_many_rows(world, api, make_project, user):
    client = api(getattr(world, user))

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(RELEASES, {"page_size": 100})
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    def add(n):
        for _ in range(n):
            gate = confirmed(world, make_project("cleared"))
            services.release_schedule(
                project=gate.project, actor=world.content_manager, on=timezone.localdate()
            )

    count()  # the user's memberships are read once per user object
    add(2)
    few, listed = count()
    add(15)
    many, listed_many = count()
    assert (listed, listed_many) == (2, 17)
    assert many == few


# Admin


def test_the_admin_release_page_offers_the_users_actions(client, world, make_project):
    gate = services.release_schedule(
        project=make_project("cleared"), actor=world.content_manager, on=timezone.localdate()
    )
    change = reverse("admin:releases_release_change", args=[gate.pk])

    client.force_login(world.producer_a)
    page = client.get(change).content.decode()
    assert reverse("admin:releases_release_confirm_credits", args=[gate.pk]) in page
    assert reverse("admin:releases_release_schedule", args=[gate.pk]) not in page
    assert client.get(reverse("admin:releases_release_schedule", args=[gate.pk])).status_code == 403

    client.force_login(world.content_manager)
    page = client.get(change).content.decode()
    assert reverse("admin:releases_release_schedule", args=[gate.pk]) in page

    client.force_login(world.producer_b)
    assert client.get(change).status_code == 404
    assert (
        client.get(reverse("admin:releases_release_confirm_credits", args=[gate.pk])).status_code
        == 404
    )


def test_the_producer_confirms_credits_in_the_admin(client, world, make_project):
    project = make_project("cleared")
    gate = services.release_schedule(
        project=project, actor=world.content_manager, on=timezone.localdate()
    )
    clearance = registration(world, project)
    client.force_login(world.producer_a)
    url = reverse("admin:releases_release_confirm_credits", args=[gate.pk])

    response = client.post(url, {"clearance": clearance.pk})

    assert response.status_code == 302
    gate.refresh_from_db()
    assert (gate.clearance, gate.credits_confirmed_by) == (clearance, world.producer_a)


def test_the_platform_schedules_in_the_admin_and_refusals_are_shown(client, world, make_project):
    project = make_project("cleared")
    gate = services.release_schedule(
        project=project, actor=world.content_manager, on=timezone.localdate()
    )
    client.force_login(world.content_manager)
    url = reverse("admin:releases_release_schedule", args=[gate.pk])

    refused = client.post(url, {"on": "2000-01-01"})
    assert refused.status_code == 200
    assert "or a later date" in refused.content.decode()

    day = timezone.localdate() + timedelta(days=5)
    assert client.post(url, {"on": day.isoformat()}).status_code == 302
    gate.refresh_from_db()
    assert gate.scheduled_for == day

    assert client.post(url, {"cancel": "on"}).status_code == 302
    gate.refresh_from_db()
    assert gate.scheduled_for is None


def test_the_admin_changelist_costs_the_same_queries(client, world, make_project):
    client.force_login(world.producer_a)
    url = reverse("admin:releases_release_changelist")

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), len(response.context["cl"].result_list)

    for _ in range(2):
        confirmed(world, make_project("cleared"))
    few, listed = count()
    for _ in range(12):
        confirmed(world, make_project("cleared"))
    many, listed_many = count()
    assert (listed, listed_many) == (2, 14)
    assert many == few


def test_the_release_and_clearance_endpoints_are_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    for path in ["confirm-credits", "schedule", "unschedule"]:
        responses = paths[f"/api/v1/releases/{path}/"]["post"]["responses"]
        assert {"200", "400", "403", "404", "409"} <= set(responses), path
    assert "/api/v1/releases/{id}/" in paths
    assert {"201", "403", "404", "409"} <= set(paths["/api/v1/clearances/"]["post"]["responses"])
    parameters = {p["name"] for p in paths["/api/v1/clearances/"]["get"]["parameters"]}
    assert {"project", "kind", "expiring_within"} <= parameters


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/contracts/release/", "/admin/releases/release/"),
        (
            "/admin/contracts/release/?release=scheduled&q=Drama",
            "/admin/releases/release/?release=scheduled&q=Drama",
        ),
        ("/admin/contracts/release/9/change/", "/admin/releases/release/9/change/"),
        ("/admin/contracts/release/9/schedule/", "/admin/releases/release/9/schedule/"),
        (
            "/admin/contracts/release/9/confirm-credits/",
            "/admin/releases/release/9/confirm-credits/",
        ),
    ],
)
def test_old_admin_addresses_of_the_release_gate_redirect_permanently(client, old, new):
    response = client.get(old)

    assert response.status_code == 301
    assert response["Location"] == new


def test_the_redirected_release_pages_open(client, world, make_project):
    gate = confirmed(world, make_project("cleared"))
    client.force_login(world.producer_a)

    response = client.get(f"/admin/contracts/release/{gate.pk}/change/", follow=True)
    assert response.redirect_chain == [
        (reverse("admin:releases_release_change", args=[gate.pk]), 301)
    ]
    assert response.status_code == 200
    assert response.context["original"] == gate
    response = client.get("/admin/contracts/release/?release=scheduled", follow=True)
    assert response.redirect_chain == [
        (reverse("admin:releases_release_changelist") + "?release=scheduled", 301)
    ]
    assert response.status_code == 200
