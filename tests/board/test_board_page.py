"""The board page: columns and counts per role, scope, filters kept in the URL, cards, the
transitions a card offers, and a constant number of queries."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def column(html: str, state: str) -> str:
    """The HTML of one column (empty if the page has none)."""
    start = html.find(f'id="column-{state}"')
    if start == -1:
        return ""
    return html[start : html.find("</section>", start)]


def count_of(html: str, state: str) -> int:
    found = re.search(r'class="mdprod-board-count"[^>]*>(\d+)<', column(html, state))
    return int(found.group(1))


def card(html: str, project) -> str:
    start = html.find(f'data-project="{project.pk}"')
    assert start != -1, f"no card for {project}"
    return html[start : html.find("</article>", start)]


def board(client, query: str = "") -> str:
    response = client.get(f"/board/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_goes_to_the_sign_in_page():
    response = Client().get("/board/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/board/"


def test_the_header_links_to_the_board(world, web):
    html = board(web(world.producer_a), "")
    assert '<a href="/board/" id="board-link">' in html


def test_a_producer_sees_its_projects_by_state_and_never_another_companys(world, web, make_project):
    draft = make_project("draft", title="Our draft")
    make_project("submitted", title="Ours in review")
    make_project("submitted", title="Ours too")
    theirs = make_project("submitted", producer=world.studio_b, title="Theirs")

    html = board(web(world.producer_a))

    assert count_of(html, "draft") == 1
    assert count_of(html, "submitted") == 2
    assert "Our draft" in column(html, "draft")
    assert "Ours in review" in column(html, "submitted")
    assert "Theirs" not in html
    assert f'data-project="{theirs.pk}"' not in html
    # Columns in process order.
    assert html.find('id="column-draft"') < html.find('id="column-submitted"')
    assert html.find('id="column-submitted"') < html.find('id="column-released"')
    assert f'href="/admin/workflow/project/{draft.pk}/change/"' in card(html, draft)


def test_a_content_manager_sees_its_platforms_submitted_projects_not_drafts(
    world, web, make_project
):
    make_project("draft", title="Still a draft")
    make_project("submitted", title="Proposed to us")
    make_project("submitted", platform=world.other_platform, title="Proposed elsewhere")

    html = board(web(world.content_manager))

    assert count_of(html, "draft") == 0
    assert count_of(html, "submitted") == 1
    assert "Proposed to us" in html
    assert "Still a draft" not in html
    assert "Proposed elsewhere" not in html


def test_a_regulator_sees_only_the_projects_routed_to_it(world, web, make_project):
    make_project("final_review", title="Shanghai ordinary")
    make_project("final_review", tier="OTHER", title="Platform reviews this")
    make_project("final_review", producer=world.studio_b, title="Zhejiang ordinary")

    html = board(web(world.shanghai_reviewer))

    assert count_of(html, "final_review") == 1
    assert "Shanghai ordinary" in html
    assert "Platform reviews this" not in html
    assert "Zhejiang ordinary" not in html


def test_a_user_of_no_organisation_is_sent_to_sign_in(world):
    client = Client()
    client.force_login(world.outsider)
    assert client.get("/board/").status_code == 302  # the admin's own sign-in check


def test_closed_columns_are_hidden_until_asked_for(world, web, make_project):
    make_project("withdrawn", title="Given up")
    make_project("submitted", title="Alive")
    client = web(world.producer_a)

    html = board(client)
    assert column(html, "withdrawn") == ""
    assert "Given up" not in html
    assert "Show closed projects (1)" in html

    html = board(client, "?closed=1")
    assert count_of(html, "withdrawn") == 1
    assert "Given up" in column(html, "withdrawn")
    assert "Hide closed projects" in html


def test_filters_by_platform_tier_and_overdue_are_kept_in_the_url(
    world, web, make_project, deadline
):
    on_p = make_project("submitted", tier="KEY", title="Key on P")
    make_project("submitted", tier="ORDINARY", title="Ordinary on P")
    make_project("submitted", tier="KEY", platform=world.other_platform, title="Key on Q")
    late = make_project("revising", tier="KEY", title="Late one")
    deadline(late, due_in=-timedelta(hours=2))
    deadline(on_p, due_in=timedelta(days=3))
    client = web(world.producer_a)

    html = board(client, f"?platform={world.platform.pk}&tier=KEY")
    assert "Key on P" in html
    assert "Late one" in html
    assert "Ordinary on P" not in html
    assert "Key on Q" not in html
    # The bulk actions come back to the same filters; the form shows them.
    assert f'name="filters" value="platform={world.platform.pk}&amp;tier=KEY"' in html
    assert f'<option value="{world.platform.pk}" selected>' in html

    html = board(client, "?overdue=1")
    assert "Late one" in html
    assert "Key on P" not in html
    assert 'name="filters" value="overdue=1"' in html


def test_a_bad_filter_is_said_and_left_out(world, web, make_project):
    make_project("submitted", title="Still listed")
    html = board(web(world.producer_a), "?tier=GOLD")
    assert "Still listed" in html
    assert "Select a valid choice" in html


def test_a_card_shows_tier_platform_who_it_waits_on_and_the_next_due_time(
    world, web, make_project, deadline
):
    project = make_project("revising", tier="KEY", planned_budget=Decimal("1500000"))
    deadline(project, due_in=-timedelta(hours=1))
    deadline(project, due_in=timedelta(days=2), kind="evaluation")
    deadline(project, due_in=-timedelta(days=3), kind="cut_review", paused=True)

    shown = card(board(web(world.producer_a)), project)

    assert "Key" in shown
    assert "Platform P" in shown
    assert "<dd>Producer</dd>" in shown
    assert "(Asia/Shanghai) · overdue" in shown
    assert 'class="mdprod-board-due overdue"' in shown
    assert "¥1,500,000.00" in shown


def test_a_card_reads_in_chinese(world, web, make_project, deadline):
    project = make_project("final_review", tier="ORDINARY")
    deadline(project, due_in=timedelta(days=2), kind="final_review")

    shown = card(board(web(world.content_manager, "zh-hans")), project)

    assert "普通" in shown  # ORDINARY
    assert "监管" in shown  # waits on the regulator
    assert "ORDINARY" not in shown
    assert "(Asia/Shanghai)" in shown


def test_a_producers_draft_offers_submit_and_withdraw_apart(world, web, make_project):
    project = make_project("draft")
    shown = card(board(web(world.producer_a)), project)

    submit = f'href="/admin/workflow/project/{project.pk}/transition/submit/"'
    withdraw = f'href="/admin/workflow/project/{project.pk}/transition/withdraw/"'
    assert submit in shown
    assert withdraw in shown
    # Withdraw sits in the destructive group, after the others, and leads to its own page.
    danger = shown[shown.find("mdprod-board-danger") :]
    assert withdraw in danger
    assert submit not in danger


def test_a_content_manager_gets_the_platforms_steps_and_a_rater_none(world, web, make_project):
    project = make_project("submitted")
    change = f"/admin/workflow/project/{project.pk}/change/"

    shown = card(board(web(world.content_manager)), project)
    assert f'href="/admin/workflow/project/{project.pk}/transition/greenlight/"' in shown
    # Reject is made through the evaluation's decision: the card leads to the project.
    danger = shown[shown.find("mdprod-board-danger") :]
    assert "Reject" in danger
    assert f'href="{change}"' in danger
    assert "/transition/reject/" not in shown
    assert "/transition/withdraw/" not in shown

    shown = card(board(web(world.rater)), project)
    assert "mdprod-board-transition" not in shown


def test_the_page_costs_the_same_queries_whatever_the_number_of_projects(
    world, web, make_project, deadline
):
    client = web(world.producer_a)
    first = make_project("draft")
    deadline(make_project("revising"), due_in=timedelta(days=1))
    board(client)  # warm up: sessions, content types, the catalogue

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            board(client)
        return len(context.captured_queries)

    few = queries()
    for state in ("draft", "submitted", "revising", "greenlit", "in_production", "cut_review"):
        for _ in range(3):
            deadline(make_project(state), due_in=timedelta(days=-1))
    many = queries()

    assert first.pk
    assert many == few
