"""Comments in the API: posted, edited and deleted by their author, scoped like the threads,
with clear 400s and 404s."""

import pytest

from conversations.models import Comment, Thread
from workflow.models import Notification

from .helpers import COMMENTS, post


@pytest.fixture
def project(make_project):
    return make_project("submitted")


def test_a_producer_posts_to_the_platform_by_default(world, api, project):
    response = api(world.producer_a).post(
        COMMENTS, {"project": project.pk, "body": "  New synopsis is in.  "}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["body"] == "New synopsis is in."
    assert body["counterpart"] == {
        "id": world.platform.pk,
        "name": "Platform P",
        "kind": "platform",
    }
    assert (body["author"], body["organisation"]["name"]) == ("producer_a", "Studio A")
    assert (body["deleted"], body["edited_at"], body["mentions"]) == (False, None, [])


def test_a_project_outside_the_scope_is_404_and_nothing_is_written(world, api, project):
    responses = [
        api(world.producer_b).post(COMMENTS, {"project": project.pk, "body": "x"}, format="json"),
        api(world.other_content_manager).post(
            COMMENTS, {"project": project.pk, "body": "x"}, format="json"
        ),
        api(world.producer_a).post(
            COMMENTS,
            {"project": project.pk, "body": "x", "counterpart": world.other_platform.pk},
            format="json",
        ),
        api(world.content_manager).post(
            COMMENTS,
            {"project": project.pk, "body": "x", "counterpart": world.shanghai.pk},
            format="json",
        ),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert responses[2].json()["code"] == "not_found"
    assert not Thread.objects.exists()


def test_bad_input_is_400_naming_the_field(world, api, project):
    client = api(world.producer_a)

    empty = client.post(COMMENTS, {"project": project.pk, "body": "   "}, format="json")
    long = client.post(COMMENTS, {"project": project.pk, "body": "x" * 4001}, format="json")
    unknown = client.post(
        COMMENTS, {"project": project.pk, "body": "x", "author": 1}, format="json"
    )
    no_project = client.post(COMMENTS, {"body": "x"}, format="json")
    not_an_id = client.post(COMMENTS, {"project": "seven", "body": "x"}, format="json")

    assert empty.status_code == 400
    assert list(empty.json()["fields"]) == ["body"]
    assert long.status_code == 400
    assert list(long.json()["fields"]) == ["body"]
    assert unknown.status_code == 400
    assert list(unknown.json()["fields"]) == ["author"]
    assert no_project.status_code == 400
    assert list(no_project.json()["fields"]) == ["project"]
    assert not_an_id.status_code == 400
    assert not Comment.objects.exists()


def test_only_the_author_edits_and_deletes_and_a_deletion_leaves_a_trace(world, api, project):
    comment = post(project, world.producer_a, "Budget is 450k.")
    url = f"{COMMENTS}{comment.pk}/"

    by_other = api(world.content_manager).patch(url, {"body": "Hacked."}, format="json")
    edited = api(world.producer_a).patch(url, {"body": "Budget is 480k."}, format="json")
    deleted_by_other = api(world.content_manager).delete(url)
    deleted = api(world.producer_a).delete(url)
    after = api(world.content_manager).get(url)
    again = api(world.producer_a).patch(url, {"body": "Back."}, format="json")

    assert by_other.status_code == 403
    assert edited.status_code == 200, edited.json()
    assert edited.json()["body"] == "Budget is 480k."
    assert edited.json()["edited_at"] is not None
    assert deleted_by_other.status_code == 403
    assert deleted.status_code == 204
    assert after.status_code == 200
    assert (after.json()["deleted"], after.json()["deleted_by"], after.json()["body"]) == (
        True,
        "producer_a",
        "",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "comment_deleted"


def test_another_threads_comment_is_404_for_every_method(world, api, project):
    to_bureau = post(project, world.producer_a, "Filing note.", counterpart=world.shanghai)
    url = f"{COMMENTS}{to_bureau.pk}/"

    for user in (world.content_manager, world.rater, world.producer_b, world.national_reviewer):
        client = api(user)
        assert client.get(url).status_code == 404
        assert client.patch(url, {"body": "x"}, format="json").status_code == 404
        assert client.delete(url).status_code == 404
    assert api(world.shanghai_reviewer).get(url).status_code == 200
    assert Comment.objects.get(pk=to_bureau.pk).body == "Filing note."


def test_the_list_filters_by_project_and_thread(world, api, project, make_project):
    other = make_project("submitted")
    post(project, world.producer_a, "One.")
    post(project, world.producer_a, "Two.", counterpart=world.shanghai)
    post(other, world.producer_a, "Three.")
    client = api(world.producer_a)

    by_project = client.get(COMMENTS, {"project": project.pk}).json()["results"]
    by_thread = client.get(
        COMMENTS, {"project": project.pk, "counterpart": world.shanghai.pk}
    ).json()["results"]
    bad = client.get(COMMENTS, {"project": "x"})

    assert [row["body"] for row in by_project] == ["One.", "Two."]
    assert [row["body"] for row in by_thread] == ["Two."]
    assert bad.status_code == 400


def test_a_page_of_comments_costs_the_same_whatever_its_length(
    world, api, project, django_assert_max_num_queries
):
    client = api(world.content_manager)
    post(project, world.producer_a, "@cm_p first.")
    client.get(COMMENTS)
    with django_assert_max_num_queries(8) as captured:
        assert client.get(COMMENTS).status_code == 200
    before = len(captured)
    for n in range(6):
        post(project, world.producer_a if n % 2 else world.content_manager, f"@rater_p {n}.")

    with django_assert_max_num_queries(before):
        response = client.get(COMMENTS)

    assert len(response.json()["results"]) == 7


def test_posting_costs_a_fixed_number_of_queries(
    world, api, project, django_assert_max_num_queries
):
    client = api(world.producer_a)
    client.post(COMMENTS, {"project": project.pk, "body": "Warm."}, format="json")

    with django_assert_max_num_queries(16):
        response = client.post(
            COMMENTS,
            {"project": project.pk, "body": "@cm_p @rater_p please look."},
            format="json",
        )

    assert response.status_code == 201
    assert Notification.objects.filter(source__endswith=":mention").count() == 0  # not committed
