"""The issue's scenario in a real browser: a producer proposes and submits, two raters score
blind, the content manager greenlights, the home page shows the project, and the language switch
turns the UI Chinese."""

import re

import pytest

from reviews.models import Evaluation, Scorecard
from workflow.models import Project, ProjectState

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright is not installed (pip install -r requirements-dev.txt)",
).expect

TITLE = "The Heiress Returns"
NOT_YET_SHOWN = "Shown to the content manager, and to raters once they submit."
BUSINESS_COMMENT = "Strong hook; the second act drags."
MARKETING_COMMENT = "Easy to promote with the revenge trailer."


@pytest.fixture(autouse=True)
def _two_raters_make_a_quorum(settings):
    settings.MDPROD_EVALUATION_QUORUM = {"business": 1, "marketing": 1}


def submit(page, button) -> None:
    """Press a form's button and wait for the page the server answers with."""
    with page.expect_navigation():
        button.click()


def propose(page, base: str) -> None:
    """The producer fills in the add form and saves it."""
    page.goto(f"{base}/admin/workflow/project/add/")
    page.fill("#id_title", TITLE)
    page.fill("#id_logline", "A disowned daughter returns as the CEO who buys her family's firm.")
    page.fill("#id_synopsis", "Eighty episodes of revenge, romance and a boardroom showdown.")
    page.fill("#id_genre_tags", "revenge, romance, urban")
    page.select_option("#id_platform", label="Platform P")
    page.fill("#id_planned_budget", "200000.00")
    submit(page, page.locator("input[name=_save]"))
    expect(page.locator(".messagelist .success")).to_contain_text(TITLE)


def open_project(page, base: str) -> None:
    page.goto(f"{base}/admin/workflow/project/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator("h2", has_text="Next step")).to_be_visible()


def take_step(page, button: str, label: str) -> None:
    submit(page, page.get_by_role("button", name=button, exact=True))
    expect(page.locator(".messagelist .success")).to_contain_text(f"{label}: done.")


def open_scoring_screen(page, base: str) -> None:
    page.goto(f"{base}/admin/reviews/scorecard/")
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.locator("fieldset", has_text="Scores (1 to 10)")).to_be_visible()


def score(page, value: int, comment: str) -> None:
    inputs = page.locator("input[name^=criterion_]")
    assert inputs.count() >= 3
    for index in range(inputs.count()):
        inputs.nth(index).fill(str(value))
    page.fill("#id_comment", comment)
    page.check("#id_submit_now")
    submit(page, page.locator("input[name=_save]"))
    expect(page.locator(".messagelist .error")).to_have_count(0)
    expect(page.locator(".messagelist .success")).to_be_visible()


def open_evaluation(page, base: str) -> None:
    page.goto(f"{base}/admin/reviews/evaluation/")
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.locator(".field-aggregate_panel")).to_be_visible()


def assert_dashboard_shows_project(page, base: str, title: str, state: str) -> None:
    """The dashboard at / (the home page after signing in) counts the producer's projects by
    state, each count leading to its column of the board, where the project's card is."""
    page.goto(f"{base}/")
    assert page.url == f"{base}/"
    panel = page.locator("#content-main.mdprod-dashboard #panel-my_projects")
    panel.locator(f'a[href="/board/#column-{state}"]').click()
    expect(page.locator(f"#column-{state}").get_by_role("link", name=title)).to_be_visible()


def test_a_proposal_goes_from_draft_to_greenlight_with_blind_scoring(people, sign_in, http_server):
    base = http_server

    # A producer proposes and submits.
    producer = sign_in(people.producer_a)
    propose(producer, base)
    open_project(producer, base)
    # The step leads the page, above the proposal's fields.
    panel = producer.locator("#project-next-step")
    expect(panel.get_by_role("button", name="Save and submit")).to_be_enabled()
    expect(panel).to_contain_text("Draft")
    # A refused submission keeps what was typed, with the reason on its field.
    producer.fill("#id_synopsis", "")
    producer.fill("#id_title", f"{TITLE} (draft 2)")
    submit(producer, panel.get_by_role("button", name="Save and submit"))
    expect(producer.locator(".field-synopsis .errorlist")).to_contain_text(
        "The proposal needs a synopsis."
    )
    expect(producer.locator("#id_title")).to_have_value(f"{TITLE} (draft 2)")
    assert Project.objects.get(title=TITLE).synopsis  # nothing was saved
    producer.fill("#id_title", TITLE)
    producer.fill("#id_synopsis", "Eighty episodes of revenge, romance and a boardroom showdown.")
    take_step(producer, "Save and submit", "Submit")
    expect(producer.locator("#project-next-step")).to_contain_text("Submitted")
    project = Project.objects.get(title=TITLE)
    assert project.state == ProjectState.SUBMITTED
    evaluation = Evaluation.objects.get(project=project)

    # The content manager invites both raters on the evaluation's page.
    manager = sign_in(people.content_manager)
    open_evaluation(manager, base)
    manager.get_by_label(re.compile(r"\(Business\)")).check()
    manager.get_by_label(re.compile(r"\(Marketing\)")).check()
    submit(manager, manager.locator("input[name=_save]"))
    expect(manager.locator(".messagelist .error")).to_have_count(0)
    assert set(evaluation.scorecards.values_list("rater__username", flat=True)) == {
        people.rater.username,
        people.marketing_rater.username,
    }

    # The business rater scores and submits; the aggregate stays hidden from the other rater.
    business = sign_in(people.rater)
    open_scoring_screen(business, base)
    score(business, 8, BUSINESS_COMMENT)
    assert evaluation.scorecards.get(rater=people.rater).status == Scorecard.Status.SUBMITTED

    marketing = sign_in(people.marketing_rater)
    open_scoring_screen(marketing, base)
    expect(marketing.locator("#content")).not_to_contain_text(BUSINESS_COMMENT)
    open_evaluation(marketing, base)
    expect(marketing.locator(".field-aggregate_panel")).to_contain_text(NOT_YET_SHOWN)
    expect(marketing.locator("#content")).not_to_contain_text(BUSINESS_COMMENT)

    open_scoring_screen(marketing, base)
    score(marketing, 6, MARKETING_COMMENT)
    # Once submitted, the others' scores and the aggregate appear.
    open_evaluation(marketing, base)
    expect(marketing.locator(".field-scorecards_panel")).to_contain_text(BUSINESS_COMMENT)
    expect(marketing.locator("#evaluation-aggregate-summary")).to_contain_text("Suggested grade")
    assert set(evaluation.scorecards.values_list("status", flat=True)) == {
        Scorecard.Status.SUBMITTED
    }

    # The content manager greenlights.
    open_evaluation(manager, base)
    manager.select_option("#id_decision", value=Evaluation.Decision.GREENLIGHT)
    manager.select_option("#id_grade", value="B")
    manager.fill("#id_granted_budget", "200000.00")
    manager.fill("#id_traffic_support", "30000.00")
    submit(manager, manager.locator("input[name=_save]"))
    expect(manager.locator(".messagelist .success")).to_contain_text("The project is now Greenlit.")
    project.refresh_from_db()
    assert project.state == ProjectState.GREENLIT

    # The producer's dashboard shows it, greenlit.
    assert_dashboard_shows_project(producer, base, TITLE, ProjectState.GREENLIT)


def test_the_language_switch_turns_the_ui_chinese_and_sticks(
    people, make_project, sign_in, http_server
):
    make_project("submitted", title=TITLE)
    page = sign_in(people.producer_a)
    page.goto(f"{http_server}/admin/workflow/project/")
    expect(page.locator("#content h1")).to_contain_text("project")

    page.select_option("#id_language_switch", value="zh-hans")
    submit(page, page.get_by_role("button", name="Switch language"))

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#content h1")).to_contain_text("项目")
    expect(page.get_by_role("button", name="切换语言")).to_be_visible()
    # It sticks: the next page speaks Chinese too.
    submit(page, page.get_by_role("link", name=TITLE))
    expect(page.locator("#project-next-step h2")).to_have_text("下一步")
    page.goto(f"{http_server}/admin/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
