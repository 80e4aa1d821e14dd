"""Quiet mode and the audience feedback page in the admin."""

from datetime import timedelta

import pytest
from django.urls import reverse

from audience.models import QuietReveal, QuietRule, ReleaseBatch
from audience.services.quiet import quiet_rule_create
from tests.audience.feedback_helpers import Signals, chinese_set

CHANGELIST = reverse("admin:audience_quietrule_changelist")
ADD = reverse("admin:audience_quietrule_add")
FEEDBACK = reverse("admin:audience_feedback")


def reveal_url(rule):
    return reverse("admin:audience_quietrule_reveal", args=[rule.pk])


@pytest.fixture
def signals(audience_project, producer_user, episodes):
    s = Signals(audience_project, producer_user, episodes)
    chinese_set(s, episode=1)
    s.add("E", "x", terms=["拖沓"], episode=15)
    return s


@pytest.fixture
def rule(audience_project, producer_user):
    return quiet_rule_create(
        project=audience_project, actor=producer_user, first_episode=11, last_episode=20
    )


def page_terms(response, table):
    return [row.term for row in response.context[table].terms]


def test_feedback_page_shows_terms_by_authors_with_mentions_beside(
    client, audience_project, platform_cm, signals
):
    client.force_login(platform_cm)

    response = client.get(FEEDBACK, {"project__id__exact": audience_project.pk})

    assert response.status_code == 200
    top = {row.term: (row.authors, row.mentions) for row in response.context["top"].terms}
    assert top["女主"] == (3, 3)
    assert top["男主"] == (2, 6)
    assert top["拖沓"] == (1, 1)
    html = response.content.decode()
    assert "男主" in html
    assert "Show me" not in html  # nothing is quiet for the platform
    assert response.context["rising"] is not None  # batch 2 against batch 1


def test_rising_terms_default_to_the_last_batch_the_audience_spoke_about(
    client, audience_project, platform_cm, signals, release_batches
):
    """A batch just released, with no comment yet, is not compared: the one before it is."""
    ReleaseBatch.objects.create(project=audience_project, number=3)
    client.force_login(platform_cm)

    response = client.get(FEEDBACK, {"project": audience_project.pk})

    assert response.context["batch"] == 2
    assert response.context["rising"].batch == 2


def test_feedback_page_says_what_quiet_mode_hides_and_show_me_reveals_it(
    client, audience_project, producer_user, producer_admin, signals, rule
):
    client.force_login(producer_user)
    page = f"{FEEDBACK}?project={audience_project.pk}"

    before = client.get(page)

    assert "拖沓" not in page_terms(before, "top")
    assert [lock["reveal_url"] for lock in before.context["locks"]] == [reveal_url(rule)]
    assert "Show me" in before.content.decode()

    revealed = client.post(reveal_url(rule), {"next": page})

    assert revealed.status_code == 302
    assert revealed.url == page
    after = client.get(page)
    assert "拖沓" in page_terms(after, "top")
    assert after.context["locks"] == []
    client.force_login(producer_admin)
    assert "拖沓" not in page_terms(client.get(page), "top")


def test_feedback_page_filters(client, audience_project, producer_user, signals):
    signals.add("F", "x", terms=["霸总"], after=timedelta(days=4), platform="kuaishou")
    signals.add("G", "x", terms=["霸总"], automated=True)
    client.force_login(producer_user)

    def terms(**params):
        response = client.get(FEEDBACK, {"project": audience_project.pk, **params})
        assert response.status_code == 200
        return {row.term: row.authors for row in response.context["top"].terms}

    assert terms()["霸总"] == 1
    assert terms(include_flagged="on")["霸总"] == 2
    assert set(terms(platform="kuaishou")) == {"霸总"}
    assert "霸总" not in terms(window="72")
    bad = client.get(FEEDBACK, {"project": audience_project.pk, "window": "5"})
    assert bad.context["form"].errors


def test_feedback_page_is_404_out_of_scope(
    client, audience_project, rater_user, other_producer_user, other_platform_cm
):
    for user in (other_producer_user, other_platform_cm):
        client.force_login(user)
        assert client.get(FEEDBACK, {"project": audience_project.pk}).status_code == 404
    client.force_login(rater_user)
    assert client.get(FEEDBACK, {"project": audience_project.pk}).status_code in (403, 404)


def test_the_project_page_links_to_the_feedback_page(client, audience_project, producer_user):
    client.force_login(producer_user)

    response = client.get(reverse("admin:workflow_project_change", args=[audience_project.pk]))

    assert f"{FEEDBACK}?project__id__exact={audience_project.pk}" in response.content.decode()


def test_feedback_page_queries_do_not_grow_with_the_data(
    client, audience_project, producer_user, signals, rule, django_assert_max_num_queries
):
    for n in range(30):
        signals.add(f"more{n}", "x", terms=[f"词{n}", "女主"], episode=1 + n % 20)
    client.force_login(producer_user)

    # session, user, memberships, project, quiet rules, latest batch, top (2), rising (2),
    # the header's unread badge
    with django_assert_max_num_queries(13):
        response = client.get(FEEDBACK, {"project": audience_project.pk, "early": "on"})

    assert response.status_code == 200


def test_the_writing_team_adds_a_rule_through_the_service(client, audience_project, producer_user):
    client.force_login(producer_user)

    response = client.post(
        ADD, {"project": audience_project.pk, "first_episode": 11, "last_episode": 20, "note": ""}
    )

    assert response.status_code == 302
    rule = QuietRule.objects.get()
    assert (rule.first_episode, rule.last_episode, rule.created_by) == (11, 20, producer_user)


def test_a_rule_past_the_last_episode_is_refused_on_its_field(
    client, audience_project, producer_user
):
    client.force_login(producer_user)

    response = client.post(ADD, {"project": audience_project.pk, "first_episode": 81})

    assert response.status_code == 200
    assert not QuietRule.objects.exists()
    form = response.context["adminform"].form
    assert form["first_episode"].value() == "81"
    assert "80 episodes" in " ".join(form.errors["first_episode"])


def test_platform_staff_cannot_add_rules(client, audience_project, platform_cm):
    client.force_login(platform_cm)

    assert client.get(ADD).status_code == 403
    assert client.get(CHANGELIST).status_code == 200


def test_changelist_show_me_and_end_action(
    client, audience_project, producer_user, platform_cm, rule, django_assert_max_num_queries
):
    for first in range(30, 80, 10):
        quiet_rule_create(project=audience_project, actor=producer_user, first_episode=first)
    client.force_login(producer_user)

    with django_assert_max_num_queries(10):
        listing = client.get(CHANGELIST)

    assert listing.content.decode().count(">Show me<") == 6
    elsewhere = client.post(reveal_url(rule), {"next": "https://evil.example/"})
    assert elsewhere.url == CHANGELIST
    assert QuietReveal.objects.filter(rule=rule, user=producer_user).exists()
    assert client.get(CHANGELIST).content.decode().count(">Show me<") == 5

    client.post(CHANGELIST, {"action": "end_rules", "_selected_action": [rule.pk]})

    assert QuietRule.objects.get(pk=rule.pk).active is False
    client.force_login(platform_cm)
    assert client.post(reveal_url(rule)).status_code == 302
    assert not QuietReveal.objects.filter(user=platform_cm).exists()
    assert client.get(reveal_url(rule)).status_code == 405
