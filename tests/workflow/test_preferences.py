"""A person's time zone: set on "My settings" or with PATCH /api/v1/me/, and every time on the
pages shown in it with its label."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from workflow.models import Deadline, Membership, UserPreference

ME = "/api/v1/me/"
DUE = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai, 11:00 in Berlin


def test_me_answers_the_default_zone(world, api):
    response = api(world.producer_a).get(ME)

    assert response.status_code == 200
    assert response.json()["time_zone"] == "Asia/Shanghai"


def test_me_changes_the_zone(world, api):
    client = api(world.producer_a)

    response = client.patch(ME, {"time_zone": "Europe/Berlin"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["time_zone"] == "Europe/Berlin"
    assert client.get(ME).json()["time_zone"] == "Europe/Berlin"
    assert UserPreference.objects.get(user=world.producer_a).time_zone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"time_zone": "UTC", "username": "x"}, "username"),
    ],
)
def test_me_refuses_a_bad_zone_by_field(world, api, body, field):
    response = api(world.producer_a).patch(ME, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not UserPreference.objects.filter(user=world.producer_a).exists()


def test_me_needs_a_signed_in_person(db, api):
    assert api().patch(ME, {"time_zone": "UTC"}, format="json").status_code == 401


def _deadline(world, make_project):
    project = make_project("revising", title="Zone test")
    return Deadline.objects.create(
        project=project,
        kind="producer_response",
        round=project.review_round,
        due_at=DUE,
        responsible_organisation=world.studio_a,
        responsible_role=Membership.Role.PRODUCER,
    )


def test_the_deadlines_list_shows_local_time_with_its_label(client, world, make_project):
    _deadline(world, make_project)
    client.force_login(world.producer_a)

    html = client.get(reverse("admin:workflow_deadline_changelist")).content.decode()

    assert "2026-12-08 18:00 CST" in html
    assert "2026-12-08 10:00" not in html  # not UTC


def test_my_settings_page_changes_the_zone_of_every_page(client, world, make_project):
    _deadline(world, make_project)
    client.force_login(world.producer_a)
    page = client.get(reverse("my-settings"))
    assert page.status_code == 200
    assert reverse("my-settings") in page.content.decode()  # linked from the header

    saved = client.post(reverse("my-settings"), {"time_zone": "Europe/Berlin"})

    assert saved.status_code == 302
    html = client.get(reverse("admin:workflow_deadline_changelist")).content.decode()
    assert "2026-12-08 11:00 CET" in html


def test_my_settings_page_refuses_an_unknown_zone(client, world):
    client.force_login(world.producer_a)

    response = client.post(reverse("my-settings"), {"time_zone": "Mars/Olympus"})

    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"]
    assert not UserPreference.objects.filter(user=world.producer_a).exists()


def test_my_settings_needs_a_signed_in_member(client, db):
    response = client.get(reverse("my-settings"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_an_empty_patch_changes_nothing(world, api):
    client = api(world.producer_a)
    client.patch("/api/v1/me/", {"time_zone": "Europe/Berlin"}, format="json")

    response = client.patch("/api/v1/me/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["time_zone"] == "Europe/Berlin"
