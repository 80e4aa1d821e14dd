"""The project page's feed and comment box: a refused post comes back with the text and the
reason; each reader sees their own threads; the page costs the same whatever the feed's length."""

import pytest

from conversations.models import Comment

from .helpers import post


def page_url(project):
    return f"/admin/workflow/project/{project.pk}/change/"


def post_url(project):
    return f"/projects/{project.pk}/comments/"


@pytest.fixture
def project(make_project):
    return make_project("submitted")


def test_a_comment_posted_on_the_page_shows_in_the_feed(world, client, project):
    client.force_login(world.content_manager)

    response = client.post(post_url(project), {"body": "Scoring on Wednesday."}, follow=True)

    assert response.redirect_chain == [(f"{page_url(project)}#project-history", 302)]
    html = response.content.decode()
    assert "Scoring on Wednesday." in html
    assert "Your comment is posted." in html
    assert Comment.objects.get().organisation == world.platform


def test_a_refused_comment_keeps_the_text_and_says_why(world, client, project):
    client.force_login(world.producer_a)
    typed = "Hi @cm_q, a long note I do not want to type again."

    response = client.post(post_url(project), {"body": typed}, follow=True)

    html = response.content.decode()
    assert f">{typed}</textarea>" in html
    assert "@cm_q cannot read this conversation, so cannot be told" in html
    assert not Comment.objects.exists()
    # Shown once: the next visit starts with an empty box.
    again = client.get(page_url(project)).content.decode()
    assert typed not in again


def test_a_blank_comment_is_refused_on_the_page(world, client, project):
    client.force_login(world.producer_a)

    response = client.post(post_url(project), {"body": "   "}, follow=True)

    assert "Write something before posting." in response.content.decode()
    assert not Comment.objects.exists()


def test_posting_outside_the_scope_is_404(world, client, project):
    client.force_login(world.producer_b)
    assert client.post(post_url(project), {"body": "Hi."}).status_code == 404
    client.force_login(world.content_manager)
    refused = client.post(post_url(project), {"body": "Hi.", "counterpart": world.shanghai.pk})
    assert refused.status_code == 404
    assert client.get(post_url(project)).status_code == 405
    assert not Comment.objects.exists()


def test_the_producer_chooses_the_thread_and_each_side_sees_its_own(world, client, project):
    client.force_login(world.producer_a)
    client.post(post_url(project), {"body": "To the bureau.", "counterpart": world.shanghai.pk})
    post(project, world.content_manager, "From the platform.")

    producer = client.get(page_url(project)).content.decode()
    client.force_login(world.content_manager)
    platform = client.get(page_url(project)).content.decode()
    client.force_login(world.shanghai_reviewer)
    bureau = client.get(page_url(project)).content.decode()

    assert "To the bureau." in producer
    assert "From the platform." in producer
    assert 'name="counterpart"' in producer
    assert "From the platform." in platform
    assert "To the bureau." not in platform
    assert "To the bureau." in bureau
    assert "From the platform." not in bureau


def test_the_page_costs_the_same_whatever_the_feeds_length(
    world, client, project, django_assert_max_num_queries
):
    post(project, world.producer_a, "@cm_p first.")
    client.force_login(world.content_manager)
    client.get(page_url(project))
    with django_assert_max_num_queries(80) as captured:
        client.get(page_url(project))
    before = len(captured)
    for n in range(8):
        post(project, world.producer_a if n % 2 else world.content_manager, f"@rater_p {n}.")

    with django_assert_max_num_queries(before):
        response = client.get(page_url(project))

    assert response.content.decode().count('class="mdprod-feed-comment"') == 9


def test_the_author_deletes_a_comment_on_the_page_and_a_trace_stays(world, client, project):
    own = post(project, world.producer_a, "Wrong project, sorry.")
    theirs = post(project, world.content_manager, "Scoring on Wednesday.")
    client.force_login(world.producer_a)

    page = client.get(page_url(project)).content.decode()
    refused = client.post(f"{post_url(project)}{theirs.pk}/delete/", follow=True)
    response = client.post(f"{post_url(project)}{own.pk}/delete/", follow=True)

    assert page.count('class="mdprod-feed-delete"') == 1
    assert "Only its author may change a comment." in refused.content.decode()
    assert Comment.objects.get(pk=theirs.pk).body == "Scoring on Wednesday."
    html = response.content.decode()
    assert "Wrong project, sorry." not in html
    assert "Comment deleted by" in html
    assert Comment.objects.get(pk=own.pk).deleted_by == world.producer_a
    client.force_login(world.producer_b)
    assert client.post(f"{post_url(project)}{theirs.pk}/delete/").status_code == 404
