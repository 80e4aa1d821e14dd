"""The project page as a producer's tool: the state chart, the sections other apps add (budget
lines, open feedback), the changelist's next-deadline column, CSV exports and CNY amounts."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from budgets.models import Budget, BudgetLine
from reviews.models import FeedbackItem
from workflow.models import Deadline, DeadlineKind, Membership
from workflow.templatetags.money import cny, grouped

CHANGELIST = reverse("admin:workflow_project_changelist")


def change_url(project):
    return reverse("admin:workflow_project_change", args=[project.pk])


def add_deadline(project, *, hours, status=Deadline.Status.OPEN, kind=DeadlineKind.EVALUATION):
    return Deadline.objects.create(
        project=project,
        kind=kind,
        round=project.review_round,
        due_at=timezone.now() + timedelta(hours=hours),
        responsible_organisation=project.platform,
        responsible_role=Membership.Role.CONTENT_MANAGER,
        status=status,
        closed_at=None if status == Deadline.Status.OPEN else timezone.now(),
    )


def add_feedback(project, user, *, text="Tighten the hook", round=1, **fields):
    fields.setdefault("stage", FeedbackItem.Stage.EVALUATION)
    fields.setdefault("severity", FeedbackItem.Severity.MUST_FIX)
    return FeedbackItem.objects.create(
        project=project,
        round=round,
        text=text,
        category=FeedbackItem.Category.CONTENT,
        created_by=user,
        **fields,
    )


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# The state chart ------------------------------------------------------------------------------


def test_project_page_draws_the_state_machine_with_the_current_state(client, world, make_project):
    project = make_project("draft")
    client.force_login(world.producer_a)

    page = client.get(change_url(project)).content.decode()

    assert 'id="project-statechart"' in page
    assert (
        '<g class="mdprod-sc-state mdprod-sc-current" data-state="draft" aria-current="step">'
        in (page)
    )
    # The producer may submit the draft: that step is drawn as open.
    assert 'class="mdprod-sc-edge mdprod-sc-available" data-transition="submit"' in page


def test_state_chart_emphasises_nothing_for_a_viewer_without_steps(client, world, make_project):
    project = make_project("submitted")
    client.force_login(world.rater)

    page = client.get(change_url(project)).content.decode()

    assert 'data-state="submitted" aria-current="step"' in page
    assert 'class="mdprod-sc-edge mdprod-sc-available"' not in page


def test_project_page_in_chinese_draws_chinese_labels(client, world, make_project):
    project = make_project("draft")
    client.force_login(world.producer_a)

    page = client.get(change_url(project), headers={"accept-language": "zh-hans"})

    with translation.override("zh-hans"):
        label = str(project.get_state_display())
    assert label != "Draft"
    assert f">{label}</text>" in page.content.decode()


# Sections from other apps ---------------------------------------------------------------------


def test_budget_lines_are_shown_on_the_project_page_in_yuan(client, world, make_project):
    project = make_project("greenlit")
    budget = Budget.objects.create(project=project)
    BudgetLine.objects.create(
        budget=budget, category=BudgetLine.Category.CAST, planned=Decimal("1234567.80")
    )
    BudgetLine.objects.create(
        budget=budget,
        category=BudgetLine.Category.CREW,
        planned=Decimal("200000.00"),
        actual=Decimal("199999.99"),
    )
    client.force_login(world.producer_a)

    page = client.get(change_url(project)).content.decode()

    assert "Budget lines" in page
    assert "Cast fees" in page
    assert "¥1,234,567.80" in page
    assert "¥199,999.99" in page
    assert "¥1,434,567.80" in page  # the total
    assert reverse("admin:budgets_budget_change", args=[budget.pk]) in page


def test_project_without_budget_says_so(client, world, make_project):
    project = make_project("draft")
    client.force_login(world.producer_a)

    page = client.get(change_url(project)).content.decode()

    assert "No budget yet." in page


def test_open_feedback_of_the_round_is_listed_with_answer_links_for_the_producer(
    client, world, make_project
):
    project = make_project("revising")
    open_item = add_feedback(project, world.content_manager, text="Tighten the hook")
    add_feedback(
        project,
        world.content_manager,
        text="Already fixed",
        status=FeedbackItem.Status.ADDRESSED,
        response="Done",
        resolved_by=world.producer_a,
        resolved_at=timezone.now(),
    )
    add_feedback(project, world.content_manager, text="From an older round", round=0)
    client.force_login(world.producer_a)

    page = client.get(change_url(project)).content.decode()

    assert "Open feedback of this round" in page
    assert "Tighten the hook" in page
    assert "Already fixed" not in page
    assert "From an older round" not in page
    assert reverse("admin:reviews_feedbackitem_respond", args=[open_item.pk]) in page


def test_platform_sees_the_open_feedback_without_answer_links(client, world, make_project):
    project = make_project("revising")
    item = add_feedback(project, world.content_manager, text="Tighten the hook")
    client.force_login(world.content_manager)

    page = client.get(change_url(project)).content.decode()

    assert "Tighten the hook" in page
    assert reverse("admin:reviews_feedbackitem_respond", args=[item.pk]) not in page


def test_answer_link_waits_until_the_project_is_back_with_the_producer(client, world, make_project):
    project = make_project("submitted")
    item = add_feedback(project, world.content_manager, text="Tighten the hook")
    client.force_login(world.producer_a)

    page = client.get(change_url(project)).content.decode()

    assert "Tighten the hook" in page
    assert reverse("admin:reviews_feedbackitem_respond", args=[item.pk]) not in page


@pytest.mark.parametrize("username", ["producer_b", "outsider", "other_content_manager"])
def test_sections_are_not_shown_outside_the_scope(client, world, make_project, username):
    project = make_project("revising")
    budget = Budget.objects.create(project=project)
    BudgetLine.objects.create(
        budget=budget, category=BudgetLine.Category.CAST, planned=Decimal("5000.00")
    )
    add_feedback(project, world.content_manager, text="Secret note")
    client.force_login(getattr(world, username))

    response = client.get(change_url(project))

    # Another company and another platform: not found; no member at all: back to the login.
    assert response.status_code in (302, 404)
    assert b"Secret note" not in response.content
    assert "¥5,000.00".encode() not in response.content


# The changelist -------------------------------------------------------------------------------


def test_changelist_shows_the_earliest_open_deadline(client, world, make_project):
    project = make_project("submitted")
    add_deadline(project, hours=-72, status=Deadline.Status.MET)  # closed: not "next"
    soon = add_deadline(project, hours=30, kind=DeadlineKind.PLANNING_FILING)
    add_deadline(project, hours=300, kind=DeadlineKind.RELEASE_DATE)
    client.force_login(world.producer_a)

    response = client.get(CHANGELIST)

    [row] = response.context["cl"].result_list
    assert row.next_deadline_at == soon.due_at
    page = response.content.decode()
    assert "next deadline" in page.lower()
    assert "mdprod-overdue" not in page


def test_changelist_marks_an_overdue_deadline(client, world, make_project):
    project = make_project("submitted")
    add_deadline(project, hours=-5)
    client.force_login(world.producer_a)

    page = client.get(CHANGELIST).content.decode()

    assert "mdprod-overdue" in page
    assert "(overdue)" in page


def test_changelist_without_open_deadlines_shows_a_dash(client, world, make_project):
    make_project("draft")
    client.force_login(world.producer_a)

    response = client.get(CHANGELIST)

    [row] = response.context["cl"].result_list
    assert row.next_deadline_at is None


def test_changelist_sorts_by_next_deadline(client, world, make_project):
    later = make_project("submitted", title="Later")
    sooner = make_project("submitted", title="Sooner")
    add_deadline(later, hours=200)
    add_deadline(sooner, hours=20)
    client.force_login(world.producer_a)

    response = client.get(CHANGELIST, {"o": "4"})  # the fourth column: next deadline

    assert [p.title for p in response.context["cl"].result_list] == ["Sooner", "Later"]


def test_project_csv_export_has_the_next_deadline(client, world, make_project):
    project = make_project("submitted", title="-2+3")
    add_deadline(project, hours=30)
    client.force_login(world.producer_a)

    rows = csv_rows(
        client.post(
            CHANGELIST, {"action": "export_csv", "_selected_action": [project.pk], "index": "0"}
        )
    )

    assert rows[0][-1] == "next deadline"
    assert rows[1][1] == "'-2+3"
    assert rows[1][-1]  # an ISO time


# CSV export of the other lists ----------------------------------------------------------------


def test_feedback_csv_export_is_formula_safe_and_scoped(client, world, make_project):
    ours = add_feedback(make_project("revising"), world.content_manager, text="=HYPERLINK(x)")
    theirs = add_feedback(
        make_project("revising", producer=world.studio_b),
        world.content_manager,
        text="Their feedback",
    )
    client.force_login(world.producer_a)

    rows = csv_rows(
        client.post(
            reverse("admin:reviews_feedbackitem_changelist"),
            {"action": "export_as_csv", "_selected_action": [ours.pk, theirs.pk], "index": "0"},
        )
    )

    assert rows[0][:3] == ["feedback", "project", "stage"]
    assert len(rows) == 2
    assert rows[1][0] == "'=HYPERLINK(x)"
    assert rows[1][2] == "Platform evaluation"  # a choice's label, not its code
    assert "Their feedback" not in str(rows)


def test_deadline_csv_export_lists_the_selected_deadlines(client, world, make_project):
    project = make_project("submitted", title="@SUM(A1)")
    deadline = add_deadline(project, hours=30)
    client.force_login(world.producer_a)

    rows = csv_rows(
        client.post(
            reverse("admin:workflow_deadline_changelist"),
            {"action": "export_as_csv", "_selected_action": [deadline.pk], "index": "0"},
        )
    )

    assert len(rows) == 2
    assert "'@SUM(A1)" in rows[1]
    assert "Evaluation due" in rows[1]


@pytest.mark.parametrize(
    "changelist",
    [
        "admin:workflow_deadline_changelist",
        "admin:reviews_feedbackitem_changelist",
        "admin:reviews_cutsubmission_changelist",
        "admin:reviews_clearance_changelist",
        "admin:contracts_installment_changelist",
    ],
)
def test_lists_offer_the_csv_export(client, world, changelist):
    client.force_login(world.producer_a)

    response = client.get(reverse(changelist))

    assert response.status_code == 200
    assert "export_as_csv" in response.context["action_form"].fields["action"].choices.__str__()


# Money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_cny_formats_yuan_with_thousands_separators(language):
    with translation.override(language):
        assert cny(Decimal("1234567.891")) == "¥1,234,567.89"
        assert cny(Decimal("0")) == "¥0.00"
        assert cny(Decimal("-2500")) == "-¥2,500.00"
        assert cny(None) == "—"
        assert grouped(12345678) == "12,345,678"


def test_cny_filter_in_templates():
    template = Template("{% load money %}{{ amount|cny }} / {{ plays|grouped }}")

    with translation.override("zh-hans"):
        text = template.render(Context({"amount": Decimal("300000"), "plays": 1500000}))

    assert text == "¥300,000.00 / 1,500,000"


# Deadlines and the proposal's amounts on the page ---------------------------------------------


def test_project_page_lists_the_open_deadlines_with_the_overdue_marked(client, world, make_project):
    project = make_project("submitted")
    add_deadline(project, hours=-5)
    add_deadline(project, hours=48, kind=DeadlineKind.PLANNING_FILING)
    add_deadline(project, hours=-100, status=Deadline.Status.MET, kind=DeadlineKind.RELEASE_DATE)
    client.force_login(world.producer_a)

    page = client.get(change_url(project)).content.decode()

    assert "Open deadlines" in page
    assert "Evaluation due" in page
    assert "Planning filing due" in page
    assert "Release date" not in page.split("Open deadlines", 1)[1].split("</table>", 1)[0]
    assert '<strong class="mdprod-overdue">overdue</strong>' in page


def test_paused_deadline_is_not_the_next_one(client, world, make_project):
    project = make_project("revising")
    paused = add_deadline(project, hours=-5)
    Deadline.objects.filter(pk=paused.pk).update(paused_at=timezone.now())
    running = add_deadline(project, hours=20, kind=DeadlineKind.PRODUCER_RESPONSE)
    client.force_login(world.producer_a)

    response = client.get(CHANGELIST)

    [row] = response.context["cl"].result_list
    assert row.next_deadline_at == running.due_at


def test_read_only_proposal_shows_the_budget_in_yuan(client, world, make_project):
    project = make_project("greenlit", planned_budget=Decimal("450000.00"))
    client.force_login(world.producer_a)

    with translation.override("zh-hans"):
        page = client.get(change_url(project), headers={"accept-language": "zh-hans"})

    assert "¥450,000.00" in page.content.decode()
