"""The episodes, release batches and test clips API: scope, input errors, state conflicts, cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audience.models import Episode, ReleaseBatch
from audience.models import TestClip as Clip
from audience.services import batches, clips
from audience.services import episodes as services
from tests.audience.conftest import BATCH_2_RELEASED_AT

EPISODES = "/api/v1/episodes/"
BATCHES = "/api/v1/release-batches/"
CLIPS = "/api/v1/test-clips/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.data
    return [row["id"] for row in response.data["results"]]


# Scope -----------------------------------------------------------------------------------------


def test_the_producer_and_the_commissioning_platform_read_the_episodes(
    api, episodes, producer_user, producer_admin, platform_cm
):
    for user in (producer_user, producer_admin, platform_cm):
        listed = api(user).get(EPISODES)
        detail = api(user).get(f"{EPISODES}{episodes[12].pk}/")

        assert ids(listed) == [e.pk for e in episodes]
        assert detail.status_code == 200
        assert detail.data["number"] == 13
        assert detail.data["access"] == "paid"
        assert detail.data["batch_number"] == 2
        assert detail.data["released_at"] is not None
        assert detail["ETag"]


@pytest.mark.parametrize(
    "user", ["other_producer_user", "rater_user", "regulator_user", "other_platform_cm"]
)
def test_everyone_else_gets_nothing_and_404(api, episodes, release_batches, request, user):
    client = api(request.getfixturevalue(user))
    clip = Clip.objects.create(project=episodes[0].project, code="teaser-1")

    assert ids(client.get(EPISODES)) == []
    assert ids(client.get(BATCHES)) == []
    assert ids(client.get(CLIPS)) == []
    for url in (
        f"{EPISODES}{episodes[0].pk}/",
        f"{BATCHES}{release_batches[0].pk}/",
        f"{CLIPS}{clip.pk}/",
    ):
        assert client.get(url).status_code == 404
    assert client.patch(f"{EPISODES}{episodes[0].pk}/", {"title": "x"}).status_code == 404
    assert client.delete(f"{CLIPS}{clip.pk}/").status_code == 404
    assert Clip.objects.filter(pk=clip.pk).exists()


def test_anonymous_callers_are_refused(api, episodes):
    assert api().get(EPISODES).status_code == 401


def test_a_project_out_of_scope_in_a_body_is_not_found(api, audience_project, other_producer_user):
    response = api(other_producer_user).post(
        EPISODES, {"project": audience_project.pk, "number": 1}, format="json"
    )

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "No such project in your scope."}
    assert not Episode.objects.exists()


def test_filters_narrow_the_list(api, episodes, producer_user, make_project, release_batches):
    other = make_project("released")
    services.episode_create(project=other, actor=producer_user, number=1)
    client = api(producer_user)

    by_project = client.get(EPISODES, {"project": episodes[0].project_id})
    by_batch = client.get(EPISODES, {"batch": release_batches[1].pk})
    free = client.get(EPISODES, {"access": "free", "project": episodes[0].project_id})
    unreleased = client.get(EPISODES, {"released": "false"})
    bad = client.get(EPISODES, {"project": "abc"})

    assert len(ids(by_project)) == 20
    assert [row["number"] for row in by_batch.data["results"]] == list(range(11, 21))
    assert [row["number"] for row in free.data["results"]] == list(range(1, 11))
    assert [row["project"] for row in unreleased.data["results"]] == [other.pk]
    assert bad.status_code == 400
    assert "project" in bad.data["fields"]


# Episodes --------------------------------------------------------------------------------------


def test_a_producer_adds_a_whole_series_in_one_call(api, audience_project, producer_user):
    response = api(producer_user).post(
        f"{EPISODES}bulk/",
        {
            "project": audience_project.pk,
            "first": 1,
            "last": 80,
            "duration_seconds": 90,
            "free_through": 10,
            "access": "paid",
            "title_pattern": "第{number}集",
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    assert response.data["created"] == 80
    assert response.data["episodes"][0]["title"] == "第1集"
    assert Episode.objects.filter(project=audience_project, access="free").count() == 10
    assert Episode.objects.filter(project=audience_project, access="paid").count() == 70


def test_a_bulk_range_past_the_planned_count_is_a_field_error(api, audience_project, producer_user):
    response = api(producer_user).post(
        f"{EPISODES}bulk/", {"project": audience_project.pk, "first": 1, "last": 90}, format="json"
    )

    assert response.status_code == 400
    assert "80" in response.data["fields"]["last"][0]
    assert not Episode.objects.exists()


def test_an_episode_is_added_and_edited(api, audience_project, producer_user, release_batches):
    client = api(producer_user)
    third = batches.release_batch_create(project=audience_project, actor=producer_user)

    created = client.post(
        EPISODES,
        {"project": audience_project.pk, "number": 21, "title": "婚礼", "batch": third.pk},
        format="json",
    )
    assert created.status_code == 201, created.data
    assert (created.data["duration_seconds"], created.data["batch_number"]) == (90, 3)

    url = f"{EPISODES}{created.data['id']}/"
    edited = client.patch(
        url,
        {"access": "ad_unlock", "batch": None},
        format="json",
        HTTP_IF_MATCH=client.get(url)["ETag"],
    )
    assert edited.status_code == 200, edited.data
    assert (edited.data["access"], edited.data["batch"]) == ("ad_unlock", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"number": 81}, "number"),
        ({"number": 0}, "number"),
        ({"access": "gratis"}, "access"),
        ({"project": 99}, "project"),
        ({"state": "released"}, "state"),
        ({"batch": 10**6}, "batch"),
    ],
)
def test_bad_episode_edits_are_field_errors(
    api, audience_project, episodes, producer_user, body, field
):
    episode = services.episode_create(project=audience_project, actor=producer_user, number=21)

    response = api(producer_user).patch(f"{EPISODES}{episode.pk}/", body, format="json")

    assert response.status_code == 400
    assert field in response.data["fields"]
    assert Episode.objects.get(pk=episode.pk).number == episode.number


def test_a_released_episode_cannot_move_batch(api, episodes, producer_user, audience_project):
    third = batches.release_batch_create(project=audience_project, actor=producer_user)

    response = api(producer_user).patch(
        f"{EPISODES}{episodes[0].pk}/", {"batch": third.pk}, format="json"
    )
    deleted = api(producer_user).delete(f"{EPISODES}{episodes[0].pk}/")

    assert response.status_code == 409
    assert response.data["code"] == "batch_released"
    assert deleted.status_code == 409
    assert Episode.objects.get(pk=episodes[0].pk).batch_id == episodes[0].batch_id


def test_a_stale_etag_changes_nothing(api, episodes, producer_user):
    client = api(producer_user)
    url = f"{EPISODES}{episodes[0].pk}/"
    etag = client.get(url)["ETag"]
    client.patch(url, {"title": "First"}, format="json", HTTP_IF_MATCH=etag)

    response = client.patch(url, {"title": "Second"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert Episode.objects.get(pk=episodes[0].pk).title == "First"


def test_episodes_of_a_draft_are_a_conflict(api, make_project, producer_user):
    draft = make_project("draft")

    response = api(producer_user).post(EPISODES, {"project": draft.pk, "number": 1}, format="json")

    assert response.status_code == 409
    assert response.data["code"] == "episodes_not_accepted"


# Batches ---------------------------------------------------------------------------------------


def test_batches_list_their_episode_ranges(api, episodes, producer_user):
    response = api(producer_user).get(BATCHES, {"project": episodes[0].project_id})

    assert response.status_code == 200
    rows = [
        (r["number"], r["episode_total"], r["first_episode"], r["last_episode"], r["is_released"])
        for r in response.data["results"]
    ]
    assert rows == [(1, 10, 1, 10, True), (2, 10, 11, 20, True)]


def test_a_batch_is_created_filled_and_released(api, audience_project, producer_user):
    client = api(producer_user)
    services.episodes_bulk_create(project=audience_project, actor=producer_user, first=1, last=20)

    created = client.post(
        BATCHES, {"project": audience_project.pk, "first": 1, "last": 10}, format="json"
    )
    assert created.status_code == 201, created.data
    batch_url = f"{BATCHES}{created.data['id']}/"
    assigned = client.post(f"{batch_url}assign/", {"first": 11, "last": 12}, format="json")
    released = client.post(f"{batch_url}release/", {}, format="json")
    again = client.post(f"{batch_url}release/", {}, format="json")
    late = client.post(f"{batch_url}assign/", {"first": 13, "last": 13}, format="json")

    assert (created.data["number"], created.data["episode_total"]) == (1, 10)
    assert assigned.data["last_episode"] == 12
    assert released.status_code == 200
    assert released.data["is_released"] is True
    assert (again.status_code, again.data["code"]) == (409, "batch_not_releasable")
    assert (late.status_code, late.data["code"]) == (409, "batch_released")
    assert ReleaseBatch.objects.get(pk=created.data["id"]).episodes.count() == 12


def test_a_range_given_by_half_is_a_field_error(api, audience_project, producer_user):
    response = api(producer_user).post(
        BATCHES, {"project": audience_project.pk, "first": 1}, format="json"
    )

    assert response.status_code == 400
    assert "last" in response.data["fields"]
    assert not ReleaseBatch.objects.exists()


def test_a_future_release_time_is_a_field_error(api, audience_project, producer_user):
    services.episode_create(project=audience_project, actor=producer_user, number=1)
    batch = batches.release_batch_create(
        project=audience_project, actor=producer_user, episodes=[1]
    )

    response = api(producer_user).post(
        f"{BATCHES}{batch.pk}/release/", {"released_at": "2999-01-01T20:00:00+08:00"}, format="json"
    )

    assert response.status_code == 400
    assert "released_at" in response.data["fields"]


def test_a_released_batch_time_is_corrected(api, episodes, producer_user):
    batch = episodes[10].batch

    response = api(producer_user).patch(
        f"{BATCHES}{batch.pk}/",
        {"released_at": "2026-03-09T21:00:00+08:00", "note": "Moved by an hour"},
        format="json",
    )

    assert response.status_code == 200, response.data
    fresh = ReleaseBatch.objects.get(pk=batch.pk)
    assert (fresh.released_at - BATCH_2_RELEASED_AT).total_seconds() == 3600
    assert fresh.note == "Moved by an hour"


# Test clips ------------------------------------------------------------------------------------


def test_a_platform_content_manager_adds_a_test_clip(api, audience_project, platform_cm):
    client = api(platform_cm)

    created = client.post(
        CLIPS,
        {
            "project": audience_project.pk,
            "code": "teaser-1",
            "released_at": "2026-02-20T12:00+08:00",
        },
        format="json",
    )
    duplicate = client.post(
        CLIPS, {"project": audience_project.pk, "code": "teaser-1"}, format="json"
    )
    renamed = client.patch(
        f"{CLIPS}{created.data['id']}/", {"title": "Wedding teaser"}, format="json"
    )

    assert created.status_code == 201, created.data
    assert duplicate.status_code == 400
    assert "code" in duplicate.data["fields"]
    assert renamed.data["title"] == "Wedding teaser"
    assert ids(client.get(CLIPS, {"project": audience_project.pk})) == [created.data["id"]]


def test_test_clips_of_a_greenlit_project_are_a_conflict(api, make_project, producer_user):
    greenlit = make_project("greenlit")

    response = api(producer_user).post(CLIPS, {"project": greenlit.pk, "code": "t"}, format="json")

    assert response.status_code == 409
    assert response.data["code"] == "test_clips_not_accepted"


# Cost ------------------------------------------------------------------------------------------


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [EPISODES, BATCHES, CLIPS])
def test_lists_cost_the_same_queries_whatever_their_size(
    api, audience_project, producer_user, make_project, url, django_assert_max_num_queries
):
    client = api(producer_user)

    def fill(project, count):
        services.episodes_bulk_create(project=project, actor=producer_user, first=1, last=40)
        for index in range(count):
            batches.release_batch_create(
                project=project,
                actor=producer_user,
                episodes=range(index * 10 + 1, index * 10 + 11),
            )
            clips.clip_create(project=project, actor=producer_user, code=f"teaser-{index}")

    fill(audience_project, 1)
    few = _queries(client, url)
    for _ in range(2):
        fill(make_project("released"), 4)
    many = _queries(client, url)

    assert many == few
    with django_assert_max_num_queries(3):
        client.get(url, {"page_size": 200})


def test_a_batch_tag_changes_when_its_episodes_do(api, audience_project, producer_user):
    client = api(producer_user)
    services.episodes_bulk_create(project=audience_project, actor=producer_user, first=1, last=3)
    batch = batches.release_batch_create(project=audience_project, actor=producer_user)
    url = f"{BATCHES}{batch.pk}/"
    before = client.get(url)["ETag"]
    services.episode_update(
        episode=Episode.objects.get(project=audience_project, number=1),
        actor=producer_user,
        data={"batch": batch},
    )

    stale = client.patch(url, {"note": "Launch"}, format="json", HTTP_IF_MATCH=before)

    assert stale.status_code == 412
    assert client.get(url)["ETag"] != before
