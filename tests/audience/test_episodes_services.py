"""Episodes, release batches and test clips: the services' rules."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audience.models import AudienceSignal, Episode, ReleaseBatch, SignalImport
from audience.models import TestClip as Clip
from audience.services import batches, clips
from audience.services import episodes as services
from common.errors import PermissionDenied
from tests.audience.conftest import BATCH_1_RELEASED_AT, BATCH_2_RELEASED_AT
from tests.conftest import put_in_state
from workflow.models import Project

SHANGHAI = ZoneInfo("Asia/Shanghai")


def field_errors(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def numbers(project) -> list[int]:
    return list(
        Episode.objects.filter(project=project).order_by("number").values_list("number", flat=True)
    )


def signal_on(episode, user):
    source = SignalImport.objects.create(
        project=episode.project, source=SignalImport.Source.API, imported_by=user
    )
    return AudienceSignal.objects.create(
        project=episode.project,
        episode=episode,
        source_import=source,
        platform="douyin",
        kind=AudienceSignal.Kind.COMMENT,
        posted_at=BATCH_1_RELEASED_AT + timedelta(hours=1),
        text="女主演技好",
        author_hash="a" * 64,
        fingerprint="f" * 64,
    )


# Bulk creation ---------------------------------------------------------------------------------


def test_a_producer_plans_a_whole_series_in_one_step(audience_project, producer_user):
    created = services.episodes_bulk_create(
        project=audience_project,
        actor=producer_user,
        first=1,
        last=80,
        duration_seconds=95,
        free_through=10,
        access_after=Episode.Access.PAID,
        title_pattern="Episode {number}",
    )

    assert [e.number for e in created] == list(range(1, 81))
    assert {e.duration_seconds for e in created} == {95}
    assert {e.access for e in created[:10]} == {"free"}
    assert {e.access for e in created[10:]} == {"paid"}
    assert created[41].title == "Episode 42"


def test_bulk_defaults_come_from_the_proposal(make_project, producer_user):
    project = make_project("greenlit", episode_count=30, episode_length_seconds=75, free_episodes=5)

    created = services.episodes_bulk_create(project=project, actor=producer_user, first=1, last=30)

    assert {e.duration_seconds for e in created} == {75}
    assert [e.number for e in created if e.access == "free"] == [1, 2, 3, 4, 5]
    assert {e.access for e in created[5:]} == {"paid"}


def test_a_free_ad_supported_drama_defaults_to_free_episodes(make_project, producer_user):
    project = make_project(
        "greenlit", monetisation=Project.Monetisation.FREE_AD, free_episodes=0, paywall_positions=[]
    )

    created = services.episodes_bulk_create(project=project, actor=producer_user, first=1, last=5)

    assert {e.access for e in created} == {"free"}


def test_a_range_over_existing_episodes_adds_nothing_unless_told_to_skip_them(
    audience_project, producer_user, episodes
):
    with pytest.raises(ValidationError) as excinfo:
        services.episodes_bulk_create(
            project=audience_project, actor=producer_user, first=15, last=25
        )
    assert "16" in " ".join(field_errors(excinfo)["first"])
    assert numbers(audience_project) == list(range(1, 21))

    created = services.episodes_bulk_create(
        project=audience_project, actor=producer_user, first=15, last=25, skip_existing=True
    )

    assert [e.number for e in created] == [21, 22, 23, 24, 25]
    assert Episode.objects.get(project=audience_project, number=15).batch is not None


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [(1, 81, "last"), (10, 5, "last"), (0, 5, "first")],
)
def test_a_range_outside_the_series_is_refused_on_its_field(
    audience_project, producer_user, first, last, field
):
    with pytest.raises(ValidationError) as excinfo:
        services.episodes_bulk_create(
            project=audience_project, actor=producer_user, first=first, last=last
        )

    assert field in field_errors(excinfo)
    assert numbers(audience_project) == []


def test_a_bad_title_pattern_is_refused(audience_project, producer_user):
    with pytest.raises(ValidationError) as excinfo:
        services.episodes_bulk_create(
            project=audience_project, actor=producer_user, first=1, last=3, title_pattern="Ep {n}"
        )

    assert "title_pattern" in field_errors(excinfo)


# One episode -----------------------------------------------------------------------------------


def test_episode_numbers_are_unique_and_within_the_planned_count(audience_project, producer_user):
    services.episode_create(project=audience_project, actor=producer_user, number=80)

    with pytest.raises(ValidationError) as taken:
        services.episode_create(project=audience_project, actor=producer_user, number=80)
    with pytest.raises(ValidationError) as beyond:
        services.episode_create(project=audience_project, actor=producer_user, number=81)

    assert "already exists" in field_errors(taken)["number"][0]
    assert "80" in field_errors(beyond)["number"][0]
    assert numbers(audience_project) == [80]


def test_a_new_episode_takes_the_proposal_length_unless_given(audience_project, producer_user):
    default = services.episode_create(project=audience_project, actor=producer_user, number=1)
    given = services.episode_create(
        project=audience_project,
        actor=producer_user,
        number=2,
        duration_seconds=120,
        access=Episode.Access.AD_UNLOCK,
        title="The contract",
    )

    assert default.duration_seconds == 90
    assert (given.duration_seconds, given.access, given.title) == (120, "ad_unlock", "The contract")


def test_an_episode_is_renumbered_only_to_a_free_number(audience_project, producer_user):
    first = services.episode_create(project=audience_project, actor=producer_user, number=1)
    services.episode_create(project=audience_project, actor=producer_user, number=2)

    with pytest.raises(ValidationError) as excinfo:
        services.episode_update(episode=first, actor=producer_user, data={"number": 2})
    assert "number" in field_errors(excinfo)

    moved = services.episode_update(episode=first, actor=producer_user, data={"number": 3})
    assert moved.number == 3
    assert numbers(audience_project) == [2, 3]


def test_an_unknown_field_is_refused(audience_project, producer_user):
    episode = services.episode_create(project=audience_project, actor=producer_user, number=1)

    with pytest.raises(ValidationError) as excinfo:
        services.episode_update(episode=episode, actor=producer_user, data={"project": 2})

    assert "project" in field_errors(excinfo)


# Who and when ----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["draft", "submitted", "revising", "completed", "withdrawn"])
def test_episodes_wait_for_greenlight_and_stop_when_the_project_is_finished(
    make_project, producer_user, state
):
    project = make_project(state)

    with pytest.raises(services.EpisodesNotAccepted) as excinfo:
        services.episode_create(project=project, actor=producer_user, number=1)

    assert excinfo.value.status_code == 409
    assert not Episode.objects.filter(project=project).exists()


@pytest.mark.parametrize("state", ["greenlit", "in_production", "cleared", "taken_down"])
def test_episodes_are_planned_from_greenlight_on(make_project, producer_user, state):
    project = make_project(state)

    episode = services.episode_create(project=project, actor=producer_user, number=1)

    assert episode.pk is not None


def test_test_clips_come_with_production(make_project, producer_user):
    greenlit, shooting = make_project("greenlit"), make_project("in_production")

    with pytest.raises(clips.TestClipsNotAccepted):
        clips.clip_create(project=greenlit, actor=producer_user, code="teaser-1")
    clip = clips.clip_create(project=shooting, actor=producer_user, code="teaser-1")

    assert clip.project == shooting
    assert not Clip.objects.filter(project=greenlit).exists()


def test_the_platform_content_side_and_org_admins_manage_episodes_too(
    audience_project, platform_cm, producer_admin
):
    by_platform = services.episode_create(project=audience_project, actor=platform_cm, number=1)
    by_admin = services.episode_create(project=audience_project, actor=producer_admin, number=2)

    assert (by_platform.number, by_admin.number) == (1, 2)


@pytest.mark.parametrize(
    "user", ["rater_user", "regulator_user", "other_producer_user", "other_platform_cm"]
)
def test_others_may_not_manage_episodes(audience_project, request, user):
    with pytest.raises(PermissionDenied):
        services.episode_create(
            project=audience_project, actor=request.getfixturevalue(user), number=1
        )


# Batches ---------------------------------------------------------------------------------------


def test_batches_are_numbered_in_turn_and_take_a_range_of_episodes(audience_project, producer_user):
    services.episodes_bulk_create(project=audience_project, actor=producer_user, first=1, last=30)

    first = batches.release_batch_create(
        project=audience_project, actor=producer_user, episodes=range(1, 11)
    )
    second = batches.release_batch_create(project=audience_project, actor=producer_user)
    batches.release_batch_assign(batch=second, actor=producer_user, episodes=range(11, 21))

    assert (first.number, second.number) == (1, 2)
    assert list(first.episodes.order_by("number").values_list("number", flat=True)) == list(
        range(1, 11)
    )
    assert second.episodes.count() == 10
    with pytest.raises(ValidationError) as excinfo:
        batches.release_batch_create(project=audience_project, actor=producer_user, number=2)
    assert "number" in field_errors(excinfo)


def test_assigning_episodes_that_do_not_exist_is_refused(audience_project, producer_user):
    batch = batches.release_batch_create(project=audience_project, actor=producer_user)

    with pytest.raises(ValidationError) as excinfo:
        batches.release_batch_assign(batch=batch, actor=producer_user, episodes=[1, 2])

    assert "1, 2" in field_errors(excinfo)["episodes"][0]


def test_a_batch_is_released_after_the_ones_before_it(audience_project, producer_user):
    services.episodes_bulk_create(project=audience_project, actor=producer_user, first=1, last=20)
    first = batches.release_batch_create(
        project=audience_project, actor=producer_user, episodes=range(1, 11)
    )
    second = batches.release_batch_create(
        project=audience_project, actor=producer_user, episodes=range(11, 21)
    )

    with pytest.raises(batches.BatchNotReleasable) as excinfo:
        batches.release_batch_release(batch=second, actor=producer_user)
    assert "batch 1" in excinfo.value.detail

    batches.release_batch_release(batch=first, actor=producer_user, released_at=BATCH_1_RELEASED_AT)
    with pytest.raises(ValidationError) as earlier:
        batches.release_batch_release(
            batch=second, actor=producer_user, released_at=BATCH_1_RELEASED_AT - timedelta(days=1)
        )
    assert "released_at" in field_errors(earlier)

    released = batches.release_batch_release(
        batch=second, actor=producer_user, released_at=BATCH_2_RELEASED_AT
    )
    assert released.released_at == BATCH_2_RELEASED_AT
    with pytest.raises(batches.BatchNotReleasable):
        batches.release_batch_release(batch=second, actor=producer_user)


def test_a_batch_released_now_gets_the_current_time(audience_project, producer_user):
    services.episodes_bulk_create(project=audience_project, actor=producer_user, first=1, last=2)
    batch = batches.release_batch_create(
        project=audience_project, actor=producer_user, episodes=[1, 2]
    )
    before = timezone.now()

    released = batches.release_batch_release(batch=batch, actor=producer_user)

    assert released.released_at >= before
    assert ReleaseBatch.objects.get(pk=batch.pk).released_at == released.released_at


def test_an_empty_batch_or_a_future_time_or_an_unreleased_series_is_refused(
    audience_project, make_project, producer_user
):
    empty = batches.release_batch_create(project=audience_project, actor=producer_user)
    with pytest.raises(batches.BatchNotReleasable):
        batches.release_batch_release(batch=empty, actor=producer_user)

    services.episode_create(project=audience_project, actor=producer_user, number=1, batch=empty)
    with pytest.raises(ValidationError) as future:
        batches.release_batch_release(
            batch=empty, actor=producer_user, released_at=timezone.now() + timedelta(hours=1)
        )
    assert "released_at" in field_errors(future)

    cleared = make_project("cleared")
    services.episode_create(project=cleared, actor=producer_user, number=1)
    batch = batches.release_batch_create(project=cleared, actor=producer_user, episodes=[1])
    with pytest.raises(batches.BatchNotReleasable) as excinfo:
        batches.release_batch_release(batch=batch, actor=producer_user)
    assert "cleared" in excinfo.value.detail
    assert ReleaseBatch.objects.filter(released_at__isnull=False).count() == 0


def test_a_released_batch_keeps_its_episodes(audience_project, producer_user, episodes):
    released_episode = episodes[0]
    first_batch, second_batch = released_episode.batch, episodes[10].batch
    third = batches.release_batch_create(project=audience_project, actor=producer_user)

    refusals = [
        lambda: services.episode_update(
            episode=released_episode, actor=producer_user, data={"batch": third}
        ),
        lambda: services.episode_update(
            episode=released_episode, actor=producer_user, data={"batch": None}
        ),
        lambda: services.episode_update(
            episode=released_episode, actor=producer_user, data={"number": 30}
        ),
        lambda: services.episode_delete(episode=released_episode, actor=producer_user),
        lambda: batches.release_batch_assign(batch=third, actor=producer_user, episodes=[1]),
        lambda: batches.release_batch_assign(batch=first_batch, actor=producer_user, episodes=[11]),
        lambda: services.episode_create(
            project=audience_project, actor=producer_user, number=21, batch=first_batch
        ),
        lambda: batches.release_batch_delete(batch=second_batch, actor=producer_user),
    ]
    for refuse in refusals:
        with pytest.raises(services.BatchReleased):
            refuse()

    fresh = Episode.objects.get(pk=released_episode.pk)
    assert (fresh.number, fresh.batch_id) == (1, first_batch.pk)
    assert not Episode.objects.filter(project=audience_project, number__gt=20).exists()
    assert ReleaseBatch.objects.filter(pk=second_batch.pk).exists()


def test_a_released_episode_still_takes_a_new_title(audience_project, producer_user, episodes):
    updated = services.episode_update(
        episode=episodes[0], actor=producer_user, data={"title": "The flash marriage"}
    )

    assert updated.title == "The flash marriage"
    assert updated.batch_id == episodes[0].batch_id


def test_an_unreleased_batch_is_deleted_and_its_episodes_stay(audience_project, producer_user):
    services.episodes_bulk_create(project=audience_project, actor=producer_user, first=1, last=3)
    batch = batches.release_batch_create(
        project=audience_project, actor=producer_user, episodes=[1, 2, 3]
    )

    batches.release_batch_delete(batch=batch, actor=producer_user)

    assert numbers(audience_project) == [1, 2, 3]
    assert not Episode.objects.filter(project=audience_project, batch__isnull=False).exists()


def test_a_released_time_is_corrected_but_not_cleared(audience_project, producer_user, episodes):
    second = episodes[10].batch
    corrected = BATCH_2_RELEASED_AT + timedelta(hours=2)

    batches.release_batch_update(batch=second, actor=producer_user, data={"released_at": corrected})
    with pytest.raises(services.BatchReleased):
        batches.release_batch_update(batch=second, actor=producer_user, data={"released_at": None})
    with pytest.raises(ValidationError):
        batches.release_batch_update(
            batch=second,
            actor=producer_user,
            data={"released_at": BATCH_1_RELEASED_AT - timedelta(days=1)},
        )

    assert ReleaseBatch.objects.get(pk=second.pk).released_at == corrected


def test_an_episode_with_signals_keeps_its_number(audience_project, make_project, producer_user):
    episode = services.episode_create(project=audience_project, actor=producer_user, number=5)
    signal_on(episode, producer_user)

    with pytest.raises(services.EpisodeInUse):
        services.episode_update(episode=episode, actor=producer_user, data={"number": 6})
    with pytest.raises(services.EpisodeInUse):
        services.episode_delete(episode=episode, actor=producer_user)

    assert AudienceSignal.objects.filter(episode=episode).count() == 1


def test_a_planned_episode_is_deleted(audience_project, producer_user):
    episode = services.episode_create(project=audience_project, actor=producer_user, number=5)

    services.episode_delete(episode=episode, actor=producer_user)

    assert numbers(audience_project) == []


# Test clips ------------------------------------------------------------------------------------


def test_test_clip_codes_are_unique_per_project(audience_project, make_project, producer_user):
    clips.clip_create(project=audience_project, actor=producer_user, code="teaser-1")
    other = make_project("released")
    clips.clip_create(project=other, actor=producer_user, code="teaser-1")

    with pytest.raises(ValidationError) as excinfo:
        clips.clip_create(project=audience_project, actor=producer_user, code="teaser-1")

    assert "code" in field_errors(excinfo)
    assert Clip.objects.filter(code="teaser-1").count() == 2


def test_a_test_clip_is_updated_but_not_released_in_the_future(audience_project, producer_user):
    went_out = datetime(2026, 2, 20, 12, 0, tzinfo=SHANGHAI)
    clip = clips.clip_create(
        project=audience_project, actor=producer_user, code="teaser-1", released_at=went_out
    )

    with pytest.raises(ValidationError) as excinfo:
        clips.clip_update(
            clip=clip,
            actor=producer_user,
            data={"released_at": timezone.now() + timedelta(days=1)},
        )
    assert "released_at" in field_errors(excinfo)

    updated = clips.clip_update(
        clip=clip, actor=producer_user, data={"title": "Wedding teaser", "duration_seconds": 45}
    )
    assert (updated.title, updated.duration_seconds, updated.released_at) == (
        "Wedding teaser",
        45,
        went_out,
    )


def test_a_finished_project_takes_no_more_clips(audience_project, producer_user):
    clip = clips.clip_create(project=audience_project, actor=producer_user, code="teaser-1")
    put_in_state(audience_project, "completed")

    with pytest.raises(clips.TestClipsNotAccepted):
        clips.clip_update(clip=clip, actor=producer_user, data={"title": "Late"})

    assert Clip.objects.get(pk=clip.pk).title == ""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_numbering_the_same_project_at_once_meet_at_its_lock(
    audience_project, producer_user, platform_cm
):
    from tests.concurrency import race

    def attempt(index):
        actor = producer_user if index % 2 else platform_cm
        actor = type(actor).objects.get(pk=actor.pk)  # memberships read per thread
        return services.episodes_bulk_create(
            project=audience_project, actor=actor, first=1, last=40
        )

    outcomes = race(attempt, threads=6, indexed=True)

    succeeded = [o for o in outcomes if isinstance(o, list)]
    assert len(succeeded) == 1
    assert all(isinstance(o, Exception) for o in outcomes if not isinstance(o, list))
    assert numbers(audience_project) == list(range(1, 41))


def test_only_the_project_side_releases_a_batch(audience_project, producer_user, rater_user):
    services.episode_create(project=audience_project, actor=producer_user, number=1)
    batch = batches.release_batch_create(
        project=audience_project, actor=producer_user, episodes=[1]
    )

    with pytest.raises(PermissionDenied):
        batches.release_batch_release(batch=batch, actor=rater_user)

    assert ReleaseBatch.objects.get(pk=batch.pk).released_at is None
