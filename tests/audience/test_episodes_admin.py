"""Episodes, release batches and test clips in the admin: scoped lists, saving through services."""

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audience.models import Episode, ReleaseBatch
from audience.models import TestClip as Clip
from audience.services import batches, clips
from audience.services import episodes as services
from workflow.admin.common import project_record_links

EPISODES = reverse("admin:audience_episode_changelist")
BATCHES = reverse("admin:audience_releasebatch_changelist")
CLIPS = reverse("admin:audience_testclip_changelist")
BULK = reverse("admin:audience_episode_bulk")


def listed(client, url, params=None) -> set[int]:
    response = client.get(url, params or {})
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_producer_and_platform_see_the_episodes_others_do_not(
    client, episodes, producer_user, platform_cm, rater_user, regulator_user, other_producer_user
):
    ours = {e.pk for e in episodes}
    for user in (producer_user, platform_cm):
        client.force_login(user)
        assert listed(client, EPISODES) == ours
        assert listed(client, EPISODES, {"batch__number": 2}) == {e.pk for e in episodes[10:]}
        assert listed(client, EPISODES, {"access": "free"}) == {e.pk for e in episodes[:10]}

    client.force_login(other_producer_user)
    assert listed(client, EPISODES) == set()
    change = reverse("admin:audience_episode_change", args=[episodes[0].pk])
    assert client.get(change).status_code == 404

    for user in (rater_user, regulator_user):
        client.force_login(user)
        assert client.get(EPISODES).status_code == 403
        assert client.get(BATCHES).status_code == 403
        assert client.get(change).status_code in (403, 404)


@pytest.mark.parametrize("url", [EPISODES, BATCHES, CLIPS])
def test_changelists_run_the_same_queries_whatever_the_rows(
    client, audience_project, producer_user, make_project, url, django_assert_max_num_queries
):
    client.force_login(producer_user)

    def fill(project, count):
        services.episodes_bulk_create(project=project, actor=producer_user, first=1, last=30)
        for index in range(count):
            batches.release_batch_create(
                project=project,
                actor=producer_user,
                episodes=range(index * 10 + 1, index * 10 + 11),
            )
            clips.clip_create(project=project, actor=producer_user, code=f"teaser-{index}")

    fill(audience_project, 1)
    client.get(url)  # the session and the content types are read once
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(2):
        fill(make_project("released"), 3)
    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(many) == len(few)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


def test_the_project_page_links_to_the_records(audience_project):
    links = dict(project_record_links(audience_project))

    assert f"{EPISODES}?project__id__exact={audience_project.pk}" in links.values()
    assert f"{BATCHES}?project__id__exact={audience_project.pk}" in links.values()
    assert f"{CLIPS}?project__id__exact={audience_project.pk}" in links.values()


def test_a_producer_adds_a_range_of_episodes_on_one_page(client, audience_project, producer_user):
    client.force_login(producer_user)
    assert BULK in client.get(EPISODES).content.decode()

    response = client.post(
        BULK,
        {
            "project": audience_project.pk,
            "first": 1,
            "last": 80,
            "duration_seconds": 90,
            "free_through": 10,
            "access_after": "paid",
            "title_pattern": "Episode {number}",
        },
    )

    assert response.status_code == 302
    assert Episode.objects.filter(project=audience_project).count() == 80
    assert Episode.objects.get(project=audience_project, number=11).access == "paid"
    assert "Added 80 episodes" in " ".join(texts(response))


def test_a_bad_range_is_shown_on_the_form(client, audience_project, producer_user, episodes):
    client.force_login(producer_user)

    response = client.post(BULK, {"project": audience_project.pk, "first": 15, "last": 25})

    assert response.status_code == 200
    assert "already exist" in response.content.decode()
    assert Episode.objects.filter(project=audience_project).count() == 20


def test_an_episode_saved_in_the_admin_goes_through_the_rules(
    client, audience_project, producer_user, episodes
):
    client.force_login(producer_user)
    add = reverse("admin:audience_episode_add")

    beyond = client.post(
        add,
        {"project": audience_project.pk, "number": 81, "title": "", "access": "free"},
    )
    added = client.post(
        add,
        {"project": audience_project.pk, "number": 21, "title": "Finale", "access": "paid"},
    )

    assert beyond.status_code == 200
    assert beyond.context["adminform"].form["number"].value() == "81"
    assert "80" in str(beyond.context["adminform"].form.errors)
    assert added.status_code == 302
    episode = Episode.objects.get(project=audience_project, number=21)
    assert (episode.title, episode.duration_seconds) == ("Finale", 90)
    assert not Episode.objects.filter(number=81).exists()

    released = reverse("admin:audience_episode_change", args=[episodes[0].pk])
    third = batches.release_batch_create(project=audience_project, actor=producer_user)
    moved = client.post(
        released,
        {
            "number": 1,
            "title": "Episode 1",
            "duration_seconds": 90,
            "access": "free",
            "batch": third.pk,
        },
    )
    assert moved.status_code == 200
    assert "released" in str(moved.context["adminform"].form.errors)
    assert Episode.objects.get(pk=episodes[0].pk).batch_id == episodes[0].batch_id


def test_a_batch_page_shows_its_episodes_and_takes_a_range(client, audience_project, producer_user):
    client.force_login(producer_user)
    services.episodes_bulk_create(project=audience_project, actor=producer_user, first=1, last=12)

    created = client.post(
        reverse("admin:audience_releasebatch_add"),
        {
            "project": audience_project.pk,
            "number": "",
            "note": "Launch",
            "assign_first": 1,
            "assign_last": 10,
        },
    )
    batch = ReleaseBatch.objects.get(project=audience_project)
    page = client.get(reverse("admin:audience_releasebatch_change", args=[batch.pk]))

    assert created.status_code == 302
    assert (batch.number, batch.note, batch.episodes.count()) == (1, "Launch", 10)
    assert page.status_code == 200
    assert "Episode" in page.content.decode() or "episode" in page.content.decode()
    assert len(page.context["inline_admin_formsets"][0].formset.forms) == 10


def test_batches_are_released_from_the_list(client, audience_project, producer_user):
    client.force_login(producer_user)
    services.episodes_bulk_create(project=audience_project, actor=producer_user, first=1, last=20)
    first = batches.release_batch_create(
        project=audience_project, actor=producer_user, episodes=range(1, 11)
    )
    second = batches.release_batch_create(
        project=audience_project, actor=producer_user, episodes=range(11, 21)
    )

    refused = client.post(
        BATCHES, {"action": "release_now", "_selected_action": [second.pk]}, follow=True
    )
    both = client.post(
        BATCHES, {"action": "release_now", "_selected_action": [first.pk, second.pk]}, follow=True
    )

    assert "first" in " ".join(texts(refused))
    assert both.status_code == 200
    assert ReleaseBatch.objects.filter(released_at__isnull=False).count() == 2


def test_a_test_clip_is_added_in_the_admin(client, audience_project, platform_cm):
    client.force_login(platform_cm)

    response = client.post(
        reverse("admin:audience_testclip_add"),
        {"project": audience_project.pk, "code": "teaser-1", "title": "Teaser"},
    )
    duplicate = client.post(
        reverse("admin:audience_testclip_add"),
        {"project": audience_project.pk, "code": "teaser-1", "title": "Again"},
    )

    assert response.status_code == 302
    assert "teaser-1" in " ".join(texts(duplicate))
    assert list(Clip.objects.values_list("title", flat=True)) == ["Teaser"]


def test_a_released_episode_is_not_deleted_from_the_admin(client, episodes, producer_user):
    client.force_login(producer_user)
    url = reverse("admin:audience_episode_delete", args=[episodes[0].pk])

    response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert "released" in " ".join(texts(response))
    assert Episode.objects.filter(pk=episodes[0].pk).exists()


def _form_inputs(html: str) -> dict[str, str]:
    """What a browser would send back from the page's inputs (hidden ones included)."""
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None or 'type="submit"' in tag or 'type="checkbox"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    return data


def test_a_released_batch_note_is_edited_on_its_page(client, episodes, producer_user):
    client.force_login(producer_user)
    batch = episodes[0].batch
    url = reverse("admin:audience_releasebatch_change", args=[batch.pk])
    data = _form_inputs(client.get(url).content.decode())

    response = client.post(url, {**data, "note": "Launch weekend"})

    assert response.status_code == 302
    fresh = ReleaseBatch.objects.get(pk=batch.pk)
    assert (fresh.note, fresh.released_at, fresh.episodes.count()) == (
        "Launch weekend",
        batch.released_at,
        10,
    )


def test_an_unreleased_batch_takes_more_episodes_on_its_page(
    client, audience_project, producer_user
):
    client.force_login(producer_user)
    services.episodes_bulk_create(project=audience_project, actor=producer_user, first=1, last=6)
    batch = batches.release_batch_create(
        project=audience_project, actor=producer_user, episodes=[1, 2]
    )
    url = reverse("admin:audience_releasebatch_change", args=[batch.pk])
    data = _form_inputs(client.get(url).content.decode())

    response = client.post(url, {**data, "assign_first": 3, "assign_last": 6})
    backwards = client.post(url, {**data, "assign_first": 6, "assign_last": 5})

    assert response.status_code == 302
    assert backwards.status_code == 200  # the form shows its error
    assert sorted(batch.episodes.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]
