"""The clearance register in the API and the admin: expiry lists, scope, authorities recording."""

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews.clearance_numbers import issuer_abbreviation
from reviews.models import Clearance
from reviews.services.clearances import clearance_record

CLEARANCES = "/api/v1/clearances/"
_serials = itertools.count(1)


def registration(world, project, *, expires_in=None, issuer=None, actor=None):
    """An online registration of the Shanghai bureau, expiring in ``expires_in`` days."""
    today = timezone.localdate()
    issuer = issuer or world.shanghai
    return clearance_record(
        project=project,
        kind="online_registration",
        number=f"（{issuer_abbreviation(issuer)}）网剧备字（{today.year}）第{next(_serials)}号",
        issued_by=issuer,
        actor=actor or world.shanghai_reviewer,
        expires_on=None if expires_in is None else today + timedelta(days=expires_in),
    )


def expired(world, project, *, days_ago=1):
    """A registration issued 400 days ago that expired ``days_ago`` days ago."""
    issued_at = timezone.now() - timedelta(days=400)
    year = timezone.localdate(issued_at).year
    return clearance_record(
        project=project,
        kind="online_registration",
        number=f"（沪）网剧备字（{year}）第{next(_serials)}号",
        issued_by=world.shanghai,
        actor=world.shanghai_reviewer,
        issued_at=issued_at,
        expires_on=timezone.localdate() - timedelta(days=days_ago),
    )


@pytest.fixture
def register(world, make_project):
    """Clearances expiring in 10, 30, 60, 200 days, never, and one expired yesterday."""
    rows = {}
    for name, days in [("d10", 10), ("d30", 30), ("d60", 60), ("d200", 200), ("never", None)]:
        rows[name] = registration(world, make_project("released"), expires_in=days)
    rows["expired"] = expired(world, make_project("released"))
    return rows


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {row["number"] for row in response.json()["results"]}


def test_the_api_lists_clearances_expiring_within_30_and_90_days(world, api, register):
    client = api(world.producer_a)

    within_30 = numbers(client.get(CLEARANCES, {"expiring_within": 30}))
    within_90 = numbers(client.get(CLEARANCES, {"expiring_within": 90}))

    assert within_30 == {register["d10"].number, register["d30"].number}
    assert within_90 == within_30 | {register["d60"].number}
    row = client.get(f"{CLEARANCES}{register['d10'].pk}/").json()
    assert row["expires_on"] == (timezone.localdate() + timedelta(days=10)).isoformat()


@pytest.mark.parametrize("days", ["0", "367", "30.5", "soon"])
def test_an_expiry_window_outside_1_to_366_days_is_refused(world, api, days):
    response = api(world.producer_a).get(CLEARANCES, {"expiring_within": days})

    assert response.status_code == 400
    assert "expiring_within" in response.json()["fields"]


def test_the_api_filters_by_kind_and_project(world, api, make_project, register):
    project = register["d10"].project
    filing = clearance_record(
        project=project,
        kind="planning_filing",
        number="SH-2024-77",
        issued_by=world.shanghai,
        actor=world.shanghai_reviewer,
    )
    client = api(world.producer_a)

    assert numbers(client.get(CLEARANCES, {"kind": "planning_filing"})) == {filing.number}
    assert numbers(client.get(CLEARANCES, {"project": project.pk})) == {
        filing.number,
        register["d10"].number,
    }


def test_whoever_sees_the_project_sees_its_clearances(world, api, register):
    everything = {c.number for c in register.values()}
    assert numbers(api(world.content_manager).get(CLEARANCES)) == everything
    assert numbers(api(world.shanghai_reviewer).get(CLEARANCES)) == everything
    assert numbers(api(world.zhejiang_reviewer).get(CLEARANCES)) == set()
    assert numbers(api(world.producer_b).get(CLEARANCES)) == set()
    assert api(world.producer_b).get(f"{CLEARANCES}{register['d10'].pk}/").status_code == 404


@pytest.mark.parametrize("user", ["producer_a", "content_manager", "shanghai_reviewer"])
def test_the_list_costs_the_same_queries_for_few_and_many_rows(world, api, make_project, user):
    client = api(getattr(world, user))

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(CLEARANCES, {"expiring_within": 366, "page_size": 100})
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    count()  # the user's memberships are read once per user object
    for _ in range(3):
        registration(world, make_project("released"), expires_in=20)
    few, listed = count()
    assert listed == 3
    for _ in range(20):
        registration(world, make_project("released"), expires_in=20)
        hidden = make_project("released", producer=world.studio_b, platform=world.other_platform)
        registration(
            world, hidden, expires_in=20, issuer=world.zhejiang, actor=world.zhejiang_reviewer
        )
    many, listed = count()
    assert listed == 23
    assert many == few


# Recording a new clearance (an authority, for a project waiting for one)


def post(client, project, **body):
    return client.post(
        CLEARANCES,
        {
            "project": project.pk,
            "kind": "online_registration",
            "number": f"(沪)网剧备字({timezone.localdate().year})第088号",
            **body,
        },
        format="json",
    )


def test_the_authority_records_a_new_registration_for_a_taken_down_project(
    world, api, make_project
):
    project = make_project("taken_down")
    expires = (timezone.localdate() + timedelta(days=365)).isoformat()

    response = post(api(world.shanghai_reviewer), project, expires_on=expires)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == f"（沪）网剧备字（{timezone.localdate().year}）第088号"
    assert body["issued_by"]["name"] == "Shanghai bureau"
    assert body["expires_on"] == expires
    assert Clearance.objects.get(project=project).recorded_by == world.shanghai_reviewer


def test_the_platform_records_its_approval_for_an_other_project(world, api, make_project):
    project = make_project("taken_down", tier="OTHER")

    response = post(
        api(world.content_manager), project, kind="platform_approval", number="PP-2026-0042"
    )

    assert response.status_code == 201, response.json()
    assert Clearance.objects.get(project=project).issued_by == world.platform


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("producer_a", 403),
        ("content_manager", 403),  # ORDINARY: the bureau is the authority, not the platform
        ("zhejiang_reviewer", 404),  # not routed to a Shanghai producer's project
        ("producer_b", 404),
        ("outsider", 404),
    ],
)
def test_only_the_authority_records_and_others_do_not_learn_of_the_project(
    world, api, make_project, user, status
):
    project = make_project("taken_down")

    response = post(api(getattr(world, user)), project)

    assert response.status_code == status
    assert not Clearance.objects.exists()


def test_recording_is_refused_in_other_states_and_for_other_kinds(world, api, make_project):
    client = api(world.shanghai_reviewer)

    live = post(client, make_project("released"))
    assert live.status_code == 409
    assert live.json()["code"] == "clearance_not_open"

    wrong_kind = post(client, make_project("taken_down"), kind="distribution_licence")
    assert wrong_kind.status_code == 400
    assert "online filing registration number" in wrong_kind.json()["fields"]["kind"][0]

    bad = post(client, make_project("taken_down"), number="（沪）网剧备字（1999）第001号")
    assert bad.status_code == 400
    assert bad.json()["fields"]["number"][0].startswith("Expected a number like")

    unknown = post(client, make_project("taken_down"), issued_by=world.nrta.pk)
    assert unknown.status_code == 400
    assert list(unknown.json()["fields"]) == ["issued_by"]
    assert not Clearance.objects.exists()


def test_a_duplicate_is_refused_on_number(world, api, make_project):
    client = api(world.shanghai_reviewer)
    assert post(client, make_project("taken_down")).status_code == 201

    again = post(client, make_project("taken_down"))

    assert again.status_code == 400
    assert "has already issued" in again.json()["fields"]["number"][0]
    assert Clearance.objects.count() == 1


# Admin


def listed(client, url) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def test_the_admin_filters_by_expiry(client, world, register):
    client.force_login(world.producer_a)
    url = reverse("admin:reviews_clearance_changelist")

    assert listed(client, f"{url}?expires=30") == {register["d10"].pk, register["d30"].pk}
    assert listed(client, f"{url}?expires=90") == {
        register["d10"].pk,
        register["d30"].pk,
        register["d60"].pk,
    }
    assert listed(client, f"{url}?expires=expired") == {register["expired"].pk}
    assert len(listed(client, url)) == 6


def test_the_authority_adds_a_clearance_in_the_admin(client, world, make_project):
    project = make_project("taken_down")
    make_project("released")  # not waiting for a clearance: not offered
    client.force_login(world.shanghai_reviewer)
    add = reverse("admin:reviews_clearance_add")

    page = client.get(add)
    assert page.status_code == 200
    assert [p.pk for p in page.context["adminform"].form.fields["project"].queryset] == [project.pk]
    year = timezone.localdate().year
    response = client.post(
        add,
        {
            "project": project.pk,
            "kind": "online_registration",
            "number": f"(沪)网剧备字({year})第9号",
        },
    )

    assert response.status_code == 302
    assert Clearance.objects.get(project=project).number == f"（沪）网剧备字（{year}）第9号"


def test_an_invalid_number_in_the_admin_is_a_message_not_a_500(client, world, make_project):
    project = make_project("taken_down")
    client.force_login(world.shanghai_reviewer)
    add = reverse("admin:reviews_clearance_add")

    response = client.post(
        add,
        {
            "project": project.pk,
            "kind": "online_registration",
            "number": "（浙）网剧备字（2020）第9号",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "Expected a number like" in response.content.decode()
    assert not Clearance.objects.exists()


def test_producers_cannot_add_clearances_in_the_admin(client, world):
    client.force_login(world.producer_a)
    assert client.get(reverse("admin:reviews_clearance_add")).status_code == 403
