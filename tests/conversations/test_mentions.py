"""@mentions tell exactly the people named who can read the thread, after the commit; a mention
of anyone else refuses the post with a 400 naming them."""

import pytest
from django.core.exceptions import ValidationError

from conversations.models import Comment
from conversations.services import comment_edit, mentioned_usernames
from workflow.models import Notification

from .helpers import COMMENTS, mentioned, post


@pytest.fixture
def project(make_project):
    return make_project("submitted")


def test_mentions_are_read_from_the_text():
    text = "@cm_p see ep. 3; mail me at a.b@example.com, cc @rater_p. And @cm_p again."

    assert mentioned_usernames(text) == ["cm_p", "rater_p"]


def test_the_people_mentioned_are_told_after_the_commit(
    world, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment = post(project, world.producer_a, "@cm_p @rater_p the new cut is up.")
        assert not Notification.objects.exists()
    for callback in callbacks:
        callback()

    assert mentioned(world.content_manager) == ["@cm_p @rater_p the new cut is up."]
    assert mentioned(world.rater) == ["@cm_p @rater_p the new cut is up."]
    assert Notification.objects.count() == 2
    notification = Notification.objects.get(recipient=world.content_manager)
    assert notification.project == project
    assert notification.source == f"comment:{comment.pk}:mention"


def test_nobody_else_is_told_and_not_the_author(world, project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(project, world.content_manager, "@cm_p note to self; @producer_a over to you.")

    assert Notification.objects.get().recipient == world.producer_a


@pytest.mark.parametrize(
    ("who", "counterpart"),
    [
        ("cm_q", None),  # another platform
        ("producer_b", None),  # another producer company
        ("reviewer_sh", None),  # the regulator, in the platform's thread
        ("cm_p", "shanghai"),  # the platform, in the regulator's thread
        ("nobody_by_that_name", None),
    ],
)
def test_a_mention_of_someone_who_cannot_read_the_thread_is_refused(
    world, api, project, who, counterpart, django_capture_on_commit_callbacks
):
    body = {"project": project.pk, "body": f"Hello @{who}, and @producer_a."}
    if counterpart:
        body["counterpart"] = getattr(world, counterpart).pk

    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.producer_a).post(COMMENTS, body, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["body"] == [
        f"@{who} cannot read this conversation, so cannot be told: name someone who can, or "
        "remove the @."
    ]
    assert not Comment.objects.exists()
    assert not Notification.objects.exists()


def test_an_edit_tells_only_the_newly_mentioned(world, project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comment = post(project, world.producer_a, "@cm_p have a look.")
    with django_capture_on_commit_callbacks(execute=True):
        comment_edit(comment=comment, actor=world.producer_a, body="@cm_p @rater_p have a look.")

    assert len(mentioned(world.content_manager)) == 1
    assert mentioned(world.rater) == ["@cm_p @rater_p have a look."]
    with pytest.raises(ValidationError):
        comment_edit(comment=comment, actor=world.producer_a, body="@cm_q too.")


def test_a_regulator_in_its_thread_can_be_mentioned(
    world, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(project, world.producer_a, "@reviewer_sh the plan.", counterpart=world.shanghai)

    assert mentioned(world.shanghai_reviewer) == ["@reviewer_sh the plan."]
