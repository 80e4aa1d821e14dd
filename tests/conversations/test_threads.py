"""Who reads which thread: the producer company all of its project's threads, a platform its
own, a regulator only one addressed to it, nobody else anything."""

import pytest

from common.errors import NotInScope
from conversations.models import Thread
from conversations.selectors import comment_list_for, readable_counterparts

from .helpers import bodies, post


@pytest.fixture
def submitted(make_project):
    return make_project("submitted")


@pytest.fixture
def both_threads(world, submitted):
    """A comment to the platform and one to the Shanghai bureau (the project is routed to it)."""
    post(submitted, world.producer_a, "To the platform.")
    post(submitted, world.producer_a, "To the bureau.", counterpart=world.shanghai)
    return submitted


def test_the_platform_thread_is_the_default_for_each_side(world, submitted):
    from_producer = post(submitted, world.producer_a, "Hello platform.")
    from_platform = post(submitted, world.content_manager, "Hello studio.")

    assert from_producer.thread == from_platform.thread
    assert from_producer.thread.counterpart == world.platform
    assert from_platform.organisation == world.platform
    assert Thread.objects.count() == 1


def test_each_reader_sees_only_the_threads_addressed_to_it(world, api, both_threads):
    project = both_threads

    assert bodies(api, world.producer_a) == ["To the platform.", "To the bureau."]
    assert bodies(api, world.admin_a) == ["To the platform.", "To the bureau."]
    assert bodies(api, world.content_manager) == ["To the platform."]
    assert bodies(api, world.rater) == ["To the platform."]
    assert bodies(api, world.shanghai_reviewer) == ["To the bureau."]
    # Routed to it, but the national administration was addressed nothing.
    assert readable_counterparts(world.national_reviewer, project) == set()
    for outsider in (world.producer_b, world.other_content_manager, world.zhejiang_reviewer):
        assert bodies(api, outsider) == []
        assert not comment_list_for(outsider, project=project).exists()


def test_a_regulator_answers_in_its_own_thread_only(world, both_threads):
    answer = post(both_threads, world.shanghai_reviewer, "Noted.")

    assert answer.thread.counterpart == world.shanghai
    with pytest.raises(NotInScope):
        post(both_threads, world.shanghai_reviewer, "Hi platform.", counterpart=world.platform)


def test_a_platform_cannot_write_to_another_thread(world, submitted):
    with pytest.raises(NotInScope):
        post(submitted, world.content_manager, "Psst.", counterpart=world.shanghai)
    with pytest.raises(NotInScope):
        post(submitted, world.producer_a, "Hi.", counterpart=world.other_platform)
    # Not routed to Zhejiang: Studio A is in Shanghai.
    with pytest.raises(NotInScope):
        post(submitted, world.producer_a, "Hi.", counterpart=world.zhejiang)
    assert not Thread.objects.exists()


def test_a_draft_is_the_producers_alone(world, make_project, api):
    draft = make_project("draft")
    post(draft, world.producer_a, "Note to self before we submit.")

    assert bodies(api, world.producer_a) == ["Note to self before we submit."]
    assert bodies(api, world.content_manager) == []
    with pytest.raises(NotInScope):
        post(draft, world.content_manager, "Early.")
