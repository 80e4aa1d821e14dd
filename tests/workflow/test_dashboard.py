"""The dashboard at /: each role's panels, scoped items, overdue first, the SVG charts, and a
constant number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from releases.models import Release
from reviews.models import CutSubmission, FeedbackItem, RegulatoryReview
from reviews.services import scorecards as scorecard_services
from tests.factories import MembershipFactory, UserFactory
from tests.reviews.evaluation_helpers import invite_and_submit, submit_proposal
from workflow import services
from workflow.models import Deadline, Membership, ProjectTransition

ORDINARY_BUDGET = "450000.00"


def page(user, **headers):
    client = Client()
    client.force_login(user)
    response = client.get("/", **headers)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, key: str) -> str:
    """The HTML of one panel (empty if absent)."""
    start = html.find(f'id="panel-{key}"')
    if start == -1:
        return ""
    return html[start : html.find("</section>", start)]


def must_fix(project, **fields):
    values = {
        "created_by": Membership.objects.filter(
            role="content_manager", organisation=project.platform
        )
        .earliest("pk")
        .user,
        "stage": FeedbackItem.Stage.EVALUATION,
        "round": project.review_round,
        "text": "Move the reveal before the paywall.",
        "category": FeedbackItem.Category.CONTENT,
        "severity": FeedbackItem.Severity.MUST_FIX,
    }
    values.update(fields)
    return FeedbackItem.objects.create(project=project, **values)


def deadline(project, world, *, due_in: timedelta, kind="producer_response"):
    return Deadline.objects.create(
        project=project,
        kind=kind,
        round=project.review_round,
        due_at=timezone.now() + due_in,
        responsible_organisation=world.studio_a,
        responsible_role=Membership.Role.PRODUCER,
    )


# Access ------------------------------------------------------------------------------------------


def test_anonymous_goes_to_the_sign_in_page(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/"


def test_a_user_without_membership_is_refused(world):
    client = Client()
    client.force_login(world.outsider)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_links_to_the_dashboard(world):
    client = Client()
    client.force_login(world.producer_a)
    html = client.get("/admin/").content.decode()
    assert 'id="dashboard-link" href="/"' in html or 'href="/" id="dashboard-link"' in html


# Producer ----------------------------------------------------------------------------------------


def test_producer_sees_their_projects_per_state_leading_to_the_board(world, make_project):
    make_project("submitted", title="Ours in review")
    make_project("submitted", title="Ours too")
    make_project("draft", title="Our draft")
    make_project("withdrawn", title="Given up")
    make_project("submitted", title="Theirs", producer=world.studio_b)

    html = page(world.producer_a)

    board = section(html, "my_projects")
    assert '<a href="/board/#column-submitted">Submitted</a>' in board
    assert "2 projects" in board
    assert '<a href="/board/#column-draft">Draft</a>' in board
    assert '<a href="/board/?closed=1#column-withdrawn">Withdrawn</a>' in board
    assert '<a href="/board/">Open the board</a>' in board
    assert "Theirs" not in html
    assert 'id="panel-evaluations_awaiting"' not in html
    assert 'id="panel-pending_scorecards"' not in html
    assert 'id="panel-reviews_due"' not in html
    assert 'id="panel-chart_scores"' not in html


def test_producer_deadlines_overdue_first_and_highlighted(world, make_project):
    later = make_project("revising", title="Later one")
    late = make_project("revising", title="Late one")
    deadline(later, world, due_in=timedelta(days=3))
    deadline(late, world, due_in=-timedelta(days=1))

    panel = section(page(world.producer_a), "my_deadlines")

    assert panel.index("Late one") < panel.index("Later one")
    overdue = panel[panel.index('class="overdue"') :]
    assert overdue.index("Late one") < overdue.index("Later one")
    assert panel.count('class="overdue"') == 1


def test_producer_sees_open_must_fix_items_of_the_current_round(world, make_project):
    project = make_project("revising", title="Fix me")
    item = must_fix(project, text="Cut the slap in episode 3.")
    must_fix(project, text="Old round item.", round=project.review_round - 1 or 99)
    must_fix(project, text="Only a suggestion.", severity=FeedbackItem.Severity.SUGGESTION)
    must_fix(
        make_project("revising", producer=world.studio_b),
        text="Someone else's item.",
    )
    must_fix(make_project("withdrawn"), text="Item of a withdrawn project.")

    panel = section(page(world.producer_a), "open_must_fix")

    assert "Cut the slap in episode 3." in panel
    assert f"/admin/reviews/feedbackitem/{item.pk}/respond/" in panel
    assert "Old round item." not in panel
    assert "Only a suggestion." not in panel
    assert "Someone else" not in panel
    assert "withdrawn project" not in panel  # nothing to answer once the project has ended


# Platform ----------------------------------------------------------------------------------------


def test_content_manager_sees_scoring_progress_scoped_to_their_platform(world):
    evaluation = submit_proposal(world, title="Rated proposal")
    second = UserFactory(username="rater_two")
    MembershipFactory(
        user=second,
        organisation=world.platform,
        role=Membership.Role.RATER,
        rater_function="marketing",
    )
    scorecard_services.scorecard_invite(
        evaluation=evaluation, rater=second, actor=world.content_manager
    )
    invite_and_submit(world, evaluation, world.rater, [7, 8, 6, 7, 8])

    html = page(world.content_manager)

    panel = section(html, "evaluations_awaiting")
    assert "Rated proposal" in panel
    assert "1 of 2 scorecards" in panel
    assert f"/admin/reviews/evaluation/{evaluation.pk}/change/" in panel
    assert 'id="panel-my_projects"' not in html
    assert "Rated proposal" not in page(world.other_content_manager)
    assert 'id="panel-evaluations_awaiting"' not in page(world.rater)


def test_content_manager_sees_cuts_and_scheduled_releases(world, make_project):
    in_review = make_project("cut_review", title="Cut in review")
    CutSubmission.objects.create(
        project=in_review,
        round=1,
        episode_count=60,
        total_duration_seconds=5400,
        submitted_by=world.producer_a,
    )
    cleared = make_project("cleared", title="Going live")
    Release.objects.create(
        project=cleared,
        scheduled_for=timezone.localdate() + timedelta(days=5),
        scheduled_by=world.content_manager,
    )
    elsewhere = make_project("cleared", title="Elsewhere", platform=world.other_platform)
    Release.objects.create(
        project=elsewhere,
        scheduled_for=timezone.localdate(),
        scheduled_by=world.other_content_manager,
    )

    html = page(world.content_manager)

    assert "Cut in review" in section(html, "cuts_awaiting")
    releases = section(html, "scheduled_releases")
    assert "Going live" in releases
    assert "Elsewhere" not in releases


# Rater -------------------------------------------------------------------------------------------


def test_rater_sees_pending_scorecards_and_scores_only_after_submitting(world):
    evaluation = submit_proposal(world, title="To be scored")
    other = UserFactory(username="rater_other")
    MembershipFactory(
        user=other,
        organisation=world.platform,
        role=Membership.Role.RATER,
        rater_function="content",
    )
    invite_and_submit(world, evaluation, other, [9, 9, 9, 9, 9])
    card = scorecard_services.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )

    html = page(world.rater)

    pending = section(html, "pending_scorecards")
    assert "To be scored" in pending
    assert f"/admin/reviews/scorecard/{card.pk}/change/" in pending
    # Blind: the other rater's nines are not counted while the rater's card is unsubmitted.
    assert "<title>9: 5</title>" not in section(html, "chart_scores")

    scorecard_services.scorecard_submit(
        scorecard=card,
        actor=world.rater,
        scores={c.pk: 3 for c in evaluation.rubric.criteria.all()},
    )
    html = page(world.rater)
    assert "To be scored" not in section(html, "pending_scorecards")
    chart = section(html, "chart_scores")
    assert "<title>9: 5</title>" in chart
    assert "<title>3: 5</title>" in chart


# Regulator ---------------------------------------------------------------------------------------


def test_regulator_sees_filings_due_for_their_authority_only(world, make_project):
    project = services.project_transition(
        project=make_project("draft", title="Filed plan", planned_budget=ORDINARY_BUDGET),
        name="submit",
        actor=world.producer_a,
    )
    review = RegulatoryReview.objects.get(project=project, authority=world.shanghai)

    html = page(world.shanghai_reviewer)

    panel = section(html, "reviews_due")
    assert "Filed plan" in panel
    assert f"/admin/reviews/regulatoryreview/{review.pk}/change/" in panel
    assert 'id="panel-chart_scores"' not in html
    assert 'id="panel-my_projects"' not in html
    assert "Filed plan" not in section(page(world.zhejiang_reviewer), "reviews_due")


# Charts ------------------------------------------------------------------------------------------


def transitions(project, actor, start, *steps):
    """Backdated audit rows: ``steps`` are (transition name, days after ``start``)."""
    for name, offset in steps:
        ProjectTransition.objects.create(
            project=project,
            name=name,
            source_state="draft",
            target_state="submitted",
            actor=actor,
            created_at=start + timedelta(days=offset),
        )


def test_where_projects_wait_counts_by_party_instead_of_by_state(world, make_project):
    make_project("draft")  # the producer's move
    make_project("revising")  # the producer's
    make_project("submitted")  # the platform's
    make_project("final_review", tier="ORDINARY")  # the bureau's
    make_project("released")  # nobody's

    html = page(world.producer_a)
    chart = section(html, "chart_waiting")

    assert '<svg class="mdprod-chart" id="chart-waiting-on"' in chart
    assert 'role="img" aria-label="Where projects wait now"' in chart
    assert "<title>Producer: 2</title>" in chart
    assert "<title>Platform: 1</title>" in chart
    assert "<title>Regulator: 1</title>" in chart
    assert "Nobody" not in chart
    assert 'id="panel-chart_states"' not in html  # the board above already counts states


def test_waiting_days_are_counted_from_the_last_transition(world, make_project):
    now = timezone.now()
    for days in (1, 3, 8):
        project = make_project("submitted")
        ProjectTransition.objects.filter(project=project).delete()
        transitions(project, world.producer_a, now - timedelta(days=days), ("submit", 0))

    chart = section(page(world.producer_a), "chart_waiting")

    assert "<title>Platform: 3</title>" in chart
    assert "median 3.0 days" in chart
    assert '<th scope="col">Median days waiting</th>' in chart


def test_stage_days_median_and_upper_quartile_from_the_transition_log(world, make_project):
    start = timezone.now() - timedelta(days=30)
    for days in (2, 4, 9):
        project = make_project("greenlit")
        ProjectTransition.objects.filter(project=project).delete()
        transitions(project, world.producer_a, start, ("submit", 0), ("greenlight", days))

    chart = section(page(world.producer_a), "chart_stage_days")

    # 2, 4 and 9 days: the median is 4; the upper quartile (inclusive) is 4 + (9 - 4) / 2.
    assert "<title>Proposal to greenlight, Median: 4.0</title>" in chart
    assert "<title>Proposal to greenlight, Upper quartile: 6.5</title>" in chart
    assert "<title>Cut review, Median: -</title>" in chart
    table = chart[chart.index("<table") :]
    assert '<th scope="row">Proposal to greenlight</th><td>4.0 days</td><td>6.5 days</td>' in (
        table
    )


def test_stage_days_leave_out_projects_the_user_does_not_see(world, make_project):
    start = timezone.now() - timedelta(days=30)
    ours = make_project("greenlit")
    theirs = make_project("greenlit", producer=world.studio_b)
    for project, days in ((ours, 2), (theirs, 20)):
        ProjectTransition.objects.filter(project=project).delete()
        transitions(project, world.producer_a, start, ("submit", 0), ("greenlight", days))

    chart = section(page(world.producer_a), "chart_stage_days")

    assert "<title>Proposal to greenlight, Median: 2.0</title>" in chart


def test_funnel_counts_the_milestones_each_platform_reached(world, make_project):
    start = timezone.now() - timedelta(days=60)
    released = make_project("released")
    greenlit = make_project("greenlit")
    elsewhere = make_project("submitted", platform=world.other_platform)
    for project in (released, greenlit, elsewhere):
        ProjectTransition.objects.filter(project=project).delete()
    steps = (("submit", 0), ("greenlight", 5), ("start_production", 9), ("clear", 30))
    transitions(released, world.producer_a, start, *steps, ("release", 33))
    transitions(greenlit, world.producer_a, start, ("submit", 1), ("greenlight", 8))
    transitions(elsewhere, world.producer_a, start, ("submit", 2))

    chart = section(page(world.producer_a), "chart_funnel")

    assert "<title>Submitted, Platform P: 2</title>" in chart
    assert "<title>Greenlit, Platform P: 2</title>" in chart
    assert "<title>In production, Platform P: 1</title>" in chart
    assert "<title>Released, Platform P: 1</title>" in chart
    assert "<title>Submitted, Platform Q: 1</title>" in chart
    assert "<title>Greenlit, Platform Q: 0</title>" in chart
    # The content manager of Platform P sees their platform's funnel only.
    assert "Platform Q" not in section(page(world.content_manager), "chart_funnel")


def test_a_cached_chart_follows_a_transition_at_once(world, make_project):
    """The charts are cached per user until a project in scope changes: a transition moves the
    bar on the next page, not an hour later."""
    project = make_project("draft")
    make_project("submitted")
    assert "<title>Platform: 1</title>" in section(page(world.producer_a), "chart_waiting")

    services.project_transition(project=project, name="submit", actor=world.producer_a)

    chart = section(page(world.producer_a), "chart_waiting")
    assert "<title>Platform: 2</title>" in chart
    assert "<title>Producer: 0</title>" in chart


def test_every_chart_has_a_table_view(world, make_project):
    project = make_project("draft")
    services.project_transition(project=project, name="submit", actor=world.producer_a)

    html = page(world.producer_a)

    for key in ("chart_waiting", "chart_tiers", "chart_funnel"):
        chart = section(html, key)
        assert '<details class="mdprod-chart-table">' in chart, key
        assert "<caption>" in chart, key
        assert '<th scope="col">' in chart, key


def test_tier_mix_chart(world, make_project):
    make_project("submitted", tier="KEY")
    make_project("submitted", tier="ORDINARY")
    make_project("greenlit", tier="ORDINARY")

    chart = section(page(world.producer_a), "chart_tiers")

    assert "<title>Key: 1</title>" in chart
    assert "<title>Ordinary: 2</title>" in chart


# Queries and language ----------------------------------------------------------------------------


@pytest.fixture
def everyone(world):
    """A user in every role: producer at Studio A, content manager at Platform P, rater at
    Platform Q and reviewer at the Shanghai bureau."""
    user = UserFactory(username="everyone")
    R = Membership.Role
    MembershipFactory(user=user, organisation=world.studio_a, role=R.PRODUCER)
    MembershipFactory(user=user, organisation=world.platform, role=R.CONTENT_MANAGER)
    MembershipFactory(
        user=user, organisation=world.other_platform, role=R.RATER, rater_function="business"
    )
    MembershipFactory(user=user, organisation=world.shanghai, role=R.REGULATOR_REVIEWER)
    return user


def add_rows(world, make_project, rater, n: int):
    for index in range(n):
        project = make_project("revising", title=f"Project {index}")
        must_fix(project)
        deadline(project, world, due_in=timedelta(days=index - 1))
        cleared = make_project("cleared", title=f"Cleared {index}")
        Release.objects.create(
            project=cleared,
            scheduled_for=timezone.localdate(),
            scheduled_by=world.content_manager,
        )
        submit_proposal(world, title=f"Proposal {index}")
        rated = submit_proposal(
            world, title=f"Rated {index}", producer=world.studio_b, platform=world.other_platform
        )
        scorecard_services.scorecard_invite(
            evaluation=rated, rater=rater, actor=world.other_content_manager
        )
        CutSubmission.objects.create(
            project=make_project("cut_review"),
            round=1,
            episode_count=60,
            total_duration_seconds=5400,
            submitted_by=world.producer_a,
        )
        services.project_transition(
            project=make_project("draft", planned_budget=ORDINARY_BUDGET),
            name="submit",
            actor=world.producer_a,
        )


def count_queries(user) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_whatever_the_number_of_projects(
    world, make_project, everyone
):
    add_rows(world, make_project, everyone, 1)
    few = count_queries(everyone)
    add_rows(world, make_project, everyone, 4)
    many = count_queries(everyone)

    assert few == many
    html = page(everyone)
    assert "Project 3" in section(html, "open_must_fix")
    assert "Rated 3" in section(html, "pending_scorecards")
    assert section(html, "cuts_awaiting").count("<li") == 5
    for key in (
        "my_projects",
        "open_must_fix",
        "my_deadlines",
        "evaluations_awaiting",
        "cuts_awaiting",
        "scheduled_releases",
        "pending_scorecards",
        "reviews_due",
        "chart_waiting",
        "chart_stage_days",
        "chart_funnel",
        "chart_tiers",
        "chart_scores",
    ):
        assert f'id="panel-{key}"' in html


def test_renders_in_chinese(world, make_project, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    make_project("submitted")

    html = page(world.producer_a, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert 'lang="zh-hans"' in html
    assert 'id="chart-waiting-on"' in html
    assert 'aria-label="项目当前在等谁"' in html
    assert "<title>平台: 1</title>" in html
    assert "各阶段用时" in html
