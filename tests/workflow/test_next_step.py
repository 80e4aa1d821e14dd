"""The project page leads with the next step: the state and the user's steps at the top (the
blocked ones disabled, with their reasons), "save and submit" in one click that saves nothing
when refused, and the irreversible steps apart, taken only on a confirmation page."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse

from reviews.models import FeedbackItem
from workflow import services
from workflow.exceptions import GuardsNotMet
from workflow.models import ProjectTransition


def change_url(project):
    return reverse("admin:workflow_project_change", args=[project.pk])


def transition_url(project, name):
    return reverse("admin:workflow_project_transition", args=[project.pk, name])


def form_data(response):
    """The change form's current values, as the browser would post them back."""
    form = response.context["adminform"].form
    return {name: "" if form[name].value() is None else form[name].value() for name in form.fields}


def test_an_incomplete_draft_leads_with_save_and_submit_and_what_is_missing(
    client, world, make_project
):
    project = make_project("draft", logline="", synopsis="")
    client.force_login(world.producer_a)

    response = client.get(change_url(project))

    html = response.content.decode()
    # Above the proposal's fields: the state, the step, and why it is not possible yet.
    top = html.index('id="project-next-step"')
    assert top < html.index('name="title"')
    panel = html[top : html.index('name="title"')]
    assert "Draft" in panel
    assert '<button type="submit" class="button default mdprod-primary" ' in panel
    assert 'name="_fsm_transition_to" value="submit">Save and submit</button>' in panel
    assert "The proposal needs a logline (the hook)." in panel
    assert "The proposal needs a synopsis." in panel
    # Pressing Enter in a field saves: the form's first button is a plain save.
    assert panel.index('name="_continue"') < panel.index('value="submit"')
    # Withdraw is apart, a link to its confirmation, never a button of the form.
    assert 'value="withdraw"' not in html
    assert f'<a class="mdprod-danger-link" href="{transition_url(project, "withdraw")}">' in panel


def test_a_step_that_waits_on_something_else_is_shown_disabled_with_its_reasons(
    client, world, make_project
):
    project = make_project("revising")
    FeedbackItem.objects.create(
        project=project,
        round=project.review_round,
        stage=FeedbackItem.Stage.EVALUATION,
        severity=FeedbackItem.Severity.MUST_FIX,
        category=FeedbackItem.Category.CONTENT,
        text="Tighten the hook",
        created_by=world.content_manager,
    )
    client.force_login(world.producer_a)

    html = client.get(change_url(project)).content.decode()

    panel = html[html.index('id="project-next-step"') : html.index('name="title"')]
    assert (
        'name="_fsm_transition_to" value="resubmit" disabled '
        'aria-describedby="step-reasons-resubmit">Save and resubmit</button>'
    ) in panel
    reasons = panel[panel.index('id="step-reasons-resubmit"') :]
    assert "Not yet possible:" in reasons
    assert "must-fix" in reasons


def test_a_read_only_page_shows_the_blocked_step_disabled_and_who_else_is_awaited(
    client, world, make_project
):
    project = make_project("submitted")
    client.force_login(world.producer_a)

    html = client.get(change_url(project)).content.decode()

    panel = html[html.index('id="project-next-step"') : html.index('id="project-state-machine"')]
    assert "Waiting on others:" in panel
    assert "Only a content manager of the commissioning platform may do this." in panel
    decided = panel[panel.index('id="project-decided-steps"') :]
    assert "Request revision" in decided
    assert "/api/v1/" not in panel  # the tools' way of deciding is not the page's
    assert "mdprod-primary" not in panel


def test_save_and_submit_saves_the_form_and_submits_in_one_click(client, world, make_project):
    project = make_project("draft", logline="")
    client.force_login(world.producer_a)
    data = form_data(client.get(change_url(project)))
    data.update(
        logline="A hook at last.",
        _fsm_transition_to="submit",
        _fsm_comment="Ready.",
    )

    response = client.post(change_url(project), data)

    assert response.status_code == 302
    assert response["Location"] == change_url(project)
    project.refresh_from_db()
    assert (project.logline, project.state) == ("A hook at last.", "submitted")
    entry = ProjectTransition.objects.get(project=project)
    assert (entry.name, entry.comment) == ("submit", "Ready.")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Submit: done. The project is now Submitted."
    ]


def test_a_refused_save_and_submit_saves_nothing_and_keeps_what_was_typed(
    client, world, make_project
):
    project = make_project("draft", title="Old title", synopsis="A contract marriage.")
    client.force_login(world.producer_a)
    data = form_data(client.get(change_url(project)))
    data.update(
        title="The Heiress Returns",
        synopsis="",  # blanked: the submission is refused for it
        _fsm_transition_to="submit",
        _fsm_comment="Please look.",
    )

    response = client.post(change_url(project), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["title"].value() == "The Heiress Returns"
    assert form["synopsis"].value() == ""
    assert form.errors["synopsis"] == ["The proposal needs a synopsis."]
    assert list(form.non_field_errors()) == ["The transition's conditions are not met."]
    html = response.content.decode()
    assert 'value="The Heiress Returns"' in html
    # The message sits in the synopsis row, before its input.
    row = html[html.index('class="form-row errors field-synopsis"') :]
    assert row.index("The proposal needs a synopsis.") < row.index('name="synopsis"')
    # Nothing was saved: not the title, not the blanked synopsis, no step, no history entry.
    project.refresh_from_db()
    assert (project.title, project.synopsis, project.state) == (
        "Old title",
        "A contract marriage.",
        "draft",
    )
    assert not ProjectTransition.objects.exists()
    assert not LogEntry.objects.exists()


def test_a_plain_save_of_an_incomplete_draft_still_saves(client, world, make_project):
    project = make_project("draft", synopsis="Old")
    client.force_login(world.producer_a)
    data = form_data(client.get(change_url(project)))
    data.update(synopsis="", _continue="1")

    response = client.post(change_url(project), data)

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.synopsis, project.state) == ("", "draft")


def test_withdraw_is_taken_only_on_its_confirmation_page(client, world, make_project):
    project = make_project("draft")
    client.force_login(world.producer_a)

    # Posted with the project's form: only the way to the confirmation, nothing saved.
    data = form_data(client.get(change_url(project)))
    data.update(title="Renamed", _fsm_transition_to="withdraw")
    response = client.post(change_url(project), data)
    assert response.status_code == 302
    assert response["Location"] == transition_url(project, "withdraw")

    page = client.get(transition_url(project, "withdraw"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "This cannot be undone." in html
    assert 'name="confirm" value="yes"' in html
    assert 'class="mdprod-danger" value="Yes, withdraw"' in html

    # A post without the confirmation shows the page again.
    again = client.post(transition_url(project, "withdraw"), {"comment": "Budget gone."})
    assert again.status_code == 200
    project.refresh_from_db()
    assert project.state == "draft"
    assert project.title != "Renamed"
    assert not ProjectTransition.objects.exists()

    done = client.post(
        transition_url(project, "withdraw"), {"comment": "Budget gone.", "confirm": "yes"}
    )
    assert done.status_code == 302
    assert done["Location"] == change_url(project)
    project.refresh_from_db()
    assert project.state == "withdrawn"
    assert ProjectTransition.objects.get(project=project).comment == "Budget gone."


def test_a_take_down_needs_its_reason_and_keeps_the_page_when_refused(client, world, make_project):
    project = make_project("released")
    client.force_login(world.content_manager)

    response = client.post(transition_url(project, "take_down"), {"comment": "", "confirm": "yes"})

    assert response.status_code == 200
    assert response.context["transition_form"].errors["comment"] == ["This field is required."]
    project.refresh_from_db()
    assert project.state == "released"


@pytest.mark.parametrize(
    ("who", "state", "queries"),
    # The session and user, the project, the guards' reads, the sections, the activity feed
    # and conversation, the header's unread-notification count.
    [
        ("producer_a", "draft", 14),
        ("producer_a", "revising", 15),
        ("content_manager", "submitted", 15),
    ],
)
def test_the_project_page_costs_a_fixed_number_of_queries(
    client, world, make_project, django_assert_max_num_queries, who, state, queries
):
    project = make_project(state)
    client.force_login(getattr(world, who))
    client.get(change_url(project))  # sessions, caches

    with django_assert_max_num_queries(queries):
        assert client.get(change_url(project)).status_code == 200


def test_save_and_transition_is_all_or_nothing_and_names_the_fields(world, make_project):
    project = make_project("draft", title="Old title", synopsis="Kept.")

    with pytest.raises(GuardsNotMet) as excinfo:
        services.project_save_and_transition(
            project=project,
            actor=world.producer_a,
            data={"title": "New title", "synopsis": ""},
            name="submit",
        )

    assert [(str(r), r.field) for r in excinfo.value.reasons] == [
        ("The proposal needs a synopsis.", "synopsis")
    ]
    project.refresh_from_db()
    assert (project.title, project.synopsis, project.state) == ("Old title", "Kept.", "draft")
    assert not ProjectTransition.objects.exists()


def test_save_and_resubmit_moves_a_revising_proposal_with_its_changes(client, world, make_project):
    project = make_project("revising")
    client.force_login(world.producer_a)
    data = form_data(client.get(change_url(project)))
    data.update(logline="A sharper hook.", _fsm_transition_to="resubmit")

    response = client.post(change_url(project), data)

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.logline, project.state, project.review_round) == (
        "A sharper hook.",
        "submitted",
        2,
    )
