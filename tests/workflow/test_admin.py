from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import OrganisationFactory, UserFactory
from tests.reviews.evaluation_helpers import put_decision
from workflow import guards, services
from workflow.exceptions import ConcurrentUpdate
from workflow.models import Membership, Project, ProjectTransition
from workflow.selectors import transition_names

CHANGELIST = reverse("admin:workflow_project_changelist")
ADD = reverse("admin:workflow_project_add")


MISSING = "TEMPLATE-VARIABLE-MISSING"


@pytest.fixture
def strict_templates(settings):
    """Render a missing template variable as a marker the test can look for."""
    options = {**settings.TEMPLATES[0]["OPTIONS"], "string_if_invalid": f"{MISSING}:%s"}
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": options}]


def change_url(project):
    return reverse("admin:workflow_project_change", args=[project.pk])


def transition_url(project, name):
    return reverse("admin:workflow_project_transition", args=[project.pk, name])


def listed(client, url=CHANGELIST, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def message_texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_data(response):
    """The change form's current values, as the browser would post them back."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    return data


def proposal_data(world, **overrides):
    data = {
        "title": "Flash marriage with the CEO",
        "logline": "She married a stranger; he owns the city.",
        "synopsis": "A contract marriage turns real.",
        "genre_tags": "romance, urban",
        "source": "original",
        "rights_holder": "",
        "episode_count": "80",
        "episode_length_seconds": "90",
        "orientation": "vertical",
        "producer": str(world.studio_a.pk),
        "platform": str(world.platform.pk),
        "monetisation": "pay_to_unlock",
        "free_episodes": "10",
        "paywall_positions": "11, 40",
        "planned_budget": "450000.00",
        "_save": "Save",
    }
    data.update(overrides)
    return data


# Scope: who sees which projects -------------------------------------------------------------


def test_producer_changelist_lists_own_company_projects_only(client, world, make_project):
    draft = make_project("draft")
    submitted = make_project("submitted")
    make_project("draft", producer=world.studio_b)
    make_project("submitted", producer=world.studio_b)
    client.force_login(world.producer_a)

    assert listed(client) == {draft.pk, submitted.pk}


def test_platform_changelist_never_lists_drafts(client, world, make_project):
    make_project("draft")
    make_project("draft", producer=world.studio_b)
    submitted = make_project("submitted")
    revising = make_project("revising", producer=world.studio_b)
    make_project("submitted", platform=world.other_platform)
    client.force_login(world.content_manager)

    assert listed(client) == {submitted.pk, revising.pk}


def test_regulator_changelist_lists_routed_projects_only(client, world, make_project):
    shanghai_ordinary = make_project("submitted", tier="ORDINARY")
    shanghai_key = make_project("greenlit", tier="KEY")
    make_project("submitted", tier="OTHER")  # the platform reviews it
    make_project("draft")  # not submitted yet
    zhejiang_key = make_project("submitted", tier="KEY", producer=world.studio_b)

    client.force_login(world.shanghai_reviewer)
    assert listed(client) == {shanghai_ordinary.pk, shanghai_key.pk}

    client.force_login(world.national_reviewer)
    assert listed(client) == {shanghai_key.pk, zhejiang_key.pk}


def test_user_without_membership_cannot_enter_the_admin(client, world, make_project):
    make_project("submitted")
    client.force_login(world.outsider)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_organisation_filter_lists_only_organisations_the_user_can_see(client, world, make_project):
    studio_c = OrganisationFactory(name="Studio C", province="beijing")
    make_project("submitted")
    make_project("submitted", producer=studio_c)
    make_project("draft", producer=world.studio_b)  # invisible to the platform
    client.force_login(world.content_manager)

    response = client.get(CHANGELIST)

    specs = {spec.field_path: spec for spec in response.context["cl"].filter_specs}
    producers = {name for _pk, name in specs["producer"].lookup_choices}
    assert producers == {"Studio A", "Studio C"}
    assert "platform" not in specs  # one platform in sight: nothing to filter
    assert "Studio B" not in response.content.decode()


def test_filtering_on_another_company_never_shows_its_projects(client, world, make_project):
    ours = make_project("submitted")
    theirs = make_project("submitted", producer=world.studio_b)
    client.force_login(world.producer_a)

    assert theirs.pk not in listed(client, producer__id__exact=world.studio_b.pk)
    assert listed(client, producer__id__exact=world.studio_a.pk) == {ours.pk}


def test_changelist_shows_state_badge_and_searches_titles(client, world, make_project):
    wanted = make_project("submitted", title="The tycoon's secret twins")
    make_project("draft", title="Rebirth of the general")
    client.force_login(world.producer_a)

    response = client.get(CHANGELIST)
    assert 'class="mdprod-state mdprod-state-submitted"' in response.content.decode()
    assert listed(client, q="tycoon") == {wanted.pk}


def test_producer_gets_404_for_another_companys_project(client, world, make_project):
    theirs = make_project("draft", producer=world.studio_b)
    client.force_login(world.producer_a)

    assert client.get(change_url(theirs)).status_code == 404
    assert client.get(transition_url(theirs, "submit")).status_code == 404
    response = client.post(change_url(theirs), {"_fsm_transition_to": "submit"})
    assert response.status_code == 404
    assert client.post(transition_url(theirs, "submit")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "draft"
    assert not ProjectTransition.objects.exists()


def test_platform_gets_404_for_a_draft_proposed_to_it(client, world, make_project):
    draft = make_project("draft")
    client.force_login(world.content_manager)

    assert client.get(change_url(draft)).status_code == 404


# The form: choices, create and edit through the services --------------------------------------


def test_add_page_offers_only_own_companies_and_platforms(client, world):
    client.force_login(world.producer_a)

    response = client.get(ADD)

    assert response.status_code == 200
    fields = response.context["adminform"].form.fields
    assert list(fields["producer"].queryset) == [world.studio_a]
    assert set(fields["platform"].queryset) == {world.platform, world.other_platform}
    html = response.content.decode()
    assert "Studio B" not in html
    assert "Shanghai bureau" not in html


def test_add_creates_the_project_through_the_service(client, world, monkeypatch):
    calls = []
    real_create = services.project_create

    def spy(**kwargs):
        calls.append(kwargs)
        return real_create(**kwargs)

    monkeypatch.setattr(services, "project_create", spy)
    client.force_login(world.producer_a)

    response = client.post(ADD, proposal_data(world))

    assert response.status_code == 302
    project = Project.objects.get()
    assert calls[0]["producer"] == world.studio_a
    assert project.producer == world.studio_a
    assert project.created_by == world.producer_a
    assert project.state == "draft"
    assert project.genre_tags == ["romance", "urban"]
    assert project.paywall_positions == [11, 40]
    assert project.planned_budget == Decimal("450000.00")


def test_add_refuses_another_company_as_producer(client, world):
    client.force_login(world.producer_a)

    response = client.post(ADD, proposal_data(world, producer=str(world.studio_b.pk)))

    assert response.status_code == 200
    assert "producer" in response.context["adminform"].form.errors
    assert not Project.objects.exists()


def test_add_shows_model_validation_errors_on_the_form(client, world):
    client.force_login(world.producer_a)

    response = client.post(ADD, proposal_data(world, source="adaptation", paywall_positions="x"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "paywall_positions" in errors
    assert not Project.objects.exists()


def test_platform_staff_and_regulators_cannot_add_projects(client, world):
    for user in (world.content_manager, world.shanghai_reviewer, world.admin_a):
        client.force_login(user)
        assert client.get(ADD).status_code == 403


def test_producer_edits_a_draft_through_the_service(client, world, make_project, monkeypatch):
    project = make_project("draft")
    calls = []
    real_update = services.project_update

    def spy(**kwargs):
        calls.append(kwargs)
        return real_update(**kwargs)

    monkeypatch.setattr(services, "project_update", spy)
    client.force_login(world.producer_a)
    data = form_data(client.get(change_url(project)))
    data.update(title="Renamed", genre_tags="romance，revenge", _save="Save")

    response = client.post(change_url(project), data)

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "Renamed"
    assert project.genre_tags == ["romance", "revenge"]
    assert calls[0]["data"] == {"title": "Renamed", "genre_tags": ["romance", "revenge"]}


@pytest.mark.parametrize("state", ["draft", "revising"])
def test_proposal_is_editable_while_draft_or_revising(client, world, make_project, state):
    project = make_project(state)
    client.force_login(world.producer_a)

    response = client.get(change_url(project))

    assert "title" in response.context["adminform"].form.fields
    assert "producer" not in response.context["adminform"].form.fields


@pytest.mark.parametrize("state", ["submitted", "greenlit", "released", "withdrawn"])
def test_proposal_is_read_only_in_other_states(client, world, make_project, state):
    project = make_project(state)
    client.force_login(world.producer_a)

    response = client.get(change_url(project))

    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    html = response.content.decode()
    assert 'name="title"' not in html
    assert "romance, urban" in html
    assert "/admin/workflow/organisation/" not in html  # no links to pages the user may not open
    response = client.post(change_url(project), {"title": "Renamed", "_save": "Save"})
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.title != "Renamed"


def test_save_refused_by_the_service_is_reported_not_crashed(
    client, world, make_project, monkeypatch
):
    project = make_project("draft")
    client.force_login(world.producer_a)
    data = form_data(client.get(change_url(project)))
    data.update(title="Renamed", _save="Save")

    def someone_else_holds_the_row(**kwargs):
        raise ConcurrentUpdate()

    monkeypatch.setattr(services, "project_update", someone_else_holds_the_row)
    response = client.post(change_url(project), data)

    # The form again, with what was typed and the reason above it.
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["title"].value() == "Renamed"
    assert list(form.non_field_errors()) == [ConcurrentUpdate().detail]
    assert message_texts(response) == []
    project.refresh_from_db()
    assert project.title != "Renamed"
    assert not LogEntry.objects.exists()


def test_platform_cannot_edit_the_proposal(client, world, make_project):
    project = make_project("revising")
    client.force_login(world.content_manager)

    response = client.post(change_url(project), {"title": "Renamed", "_save": "Save"})

    assert response.status_code == 403


def test_nobody_deletes_projects(client, world, make_project, admin_user):
    project = make_project("draft")
    for user in (world.producer_a, admin_user):
        client.force_login(user)
        delete = reverse("admin:workflow_project_delete", args=[project.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        actions = dict(client.get(CHANGELIST).context["action_form"].fields["action"].choices)
        assert "delete_selected" not in actions
        assert "export_csv" in actions
    assert Project.objects.filter(pk=project.pk).exists()


# Transitions: buttons, comment, the service, refusals ---------------------------------------


def test_submit_button_moves_the_state_and_writes_the_audit_row(
    client, world, make_project, monkeypatch, django_capture_on_commit_callbacks
):
    project = make_project("draft")
    calls = []
    real_transition = services.project_save_and_transition

    def spy(**kwargs):
        calls.append(kwargs)
        return real_transition(**kwargs)

    monkeypatch.setattr(services, "project_save_and_transition", spy)
    client.force_login(world.producer_a)
    page = client.get(change_url(project))
    assert 'name="_fsm_transition_to" value="submit">Save and submit</button>' in (
        page.content.decode()
    )
    data = form_data(page)
    data.update(_fsm_transition_to="submit", _fsm_comment="Ready for evaluation.")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(project), data)

    assert response.status_code == 302
    assert response["Location"] == change_url(project)
    project.refresh_from_db()
    assert project.state == "submitted"
    assert project.review_tier == "ORDINARY"
    entry = ProjectTransition.objects.get(project=project)
    assert (entry.name, entry.source_state, entry.target_state) == ("submit", "draft", "submitted")
    assert entry.actor == world.producer_a
    assert entry.organisation == world.studio_a
    assert entry.comment == "Ready for evaluation."
    assert entry.review_round == 1
    assert [c["name"] for c in calls] == ["submit"]
    assert calls[0]["actor"] == world.producer_a
    assert any("Submitted" in text for text in message_texts(response))


def test_submit_button_saves_the_edited_proposal_first(client, world, make_project):
    project = make_project("draft", logline="")
    client.force_login(world.producer_a)
    data = form_data(client.get(change_url(project)))
    data.update(logline="A hook at last.", _fsm_transition_to="submit")

    client.post(change_url(project), data)

    project.refresh_from_db()
    assert project.logline == "A hook at last."
    assert project.state == "submitted"


def test_platform_takes_a_step_from_the_read_only_page(client, world, make_project, monkeypatch):
    project = make_project("cut_review")
    monkeypatch.setattr(guards, "unmet", lambda project, name: [])  # the checklist, the findings
    client.force_login(world.content_manager)
    page = client.get(change_url(project))
    assert 'name="_fsm_transition_to" value="approve_cut">Approve cut</button>' in (
        page.content.decode()
    )

    response = client.post(
        change_url(project),
        {"_fsm_transition_to": "approve_cut", "_fsm_comment": "Clean cut."},
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.state == "final_review"
    entry = ProjectTransition.objects.get(project=project)
    assert entry.actor == world.content_manager
    assert entry.organisation == world.platform
    assert entry.comment == "Clean cut."


def test_a_take_down_posted_from_the_project_page_only_leads_to_its_confirmation(
    client, world, make_project
):
    project = make_project("released")
    client.force_login(world.content_manager)
    html = client.get(change_url(project)).content.decode()
    assert 'value="take_down"' not in html  # no button that takes it in one click
    assert f'href="{transition_url(project, "take_down")}"' in html

    response = client.post(
        change_url(project), {"_fsm_transition_to": "take_down", "_fsm_comment": "Now."}
    )

    assert response.status_code == 302
    assert response["Location"] == transition_url(project, "take_down")
    project.refresh_from_db()
    assert project.state == "released"
    assert not ProjectTransition.objects.exists()


def test_forbidden_transition_is_refused_and_changes_nothing(client, world, make_project):
    project = make_project("submitted")
    client.force_login(world.producer_a)
    page = client.get(change_url(project))
    assert 'value="greenlight"' not in page.content.decode()

    response = client.post(
        change_url(project), {"_fsm_transition_to": "greenlight", "_fsm_comment": "Please."}
    )

    # The step's page, with the comment as typed and the reason.
    assert response.status_code == 200
    form = response.context["transition_form"]
    assert form["comment"].value() == "Please."
    assert list(form.non_field_errors()) == [
        "Only a content manager of the commissioning platform may do this."
    ]
    project.refresh_from_db()
    assert project.state == "submitted"
    assert not ProjectTransition.objects.exists()


def test_rater_cannot_decide(client, world, make_project):
    project = make_project("submitted")
    put_decision(project, "revise")
    client.force_login(world.rater)

    client.post(change_url(project), {"_fsm_transition_to": "reject"})

    project.refresh_from_db()
    assert project.state == "submitted"
    assert not ProjectTransition.objects.exists()


def test_transition_with_unmet_guards_shows_the_reasons(client, world, make_project):
    project = make_project("draft", synopsis="", genre_tags=[])
    client.force_login(world.producer_a)

    data = form_data(client.get(change_url(project)))
    data.update(_fsm_transition_to="submit")
    response = client.post(change_url(project), data)

    project.refresh_from_db()
    assert project.state == "draft"
    assert not ProjectTransition.objects.exists()
    errors = response.context["adminform"].form.errors
    assert errors["synopsis"] == ["The proposal needs a synopsis."]
    assert errors["genre_tags"] == ["The proposal needs at least one genre tag."]
    assert message_texts(response) == []


def test_transition_from_the_wrong_state_and_unknown_names_are_refused(client, world, make_project):
    project = make_project("cut_review")
    client.force_login(world.content_manager)

    response = client.post(change_url(project), {"_fsm_transition_to": "greenlight"})
    assert list(response.context["transition_form"].non_field_errors()) == [
        "“greenlight” is not possible while the project is Cut review."
    ]
    for name in ("delete", "__class__", "save"):
        response = client.post(change_url(project), {"_fsm_transition_to": name}, follow=True)
        assert message_texts(response) == ["There is no such transition."]

    project.refresh_from_db()
    assert project.state == "cut_review"
    assert not ProjectTransition.objects.exists()


def test_too_long_comment_is_refused(client, world, make_project):
    project = make_project("released")
    client.force_login(world.content_manager)

    too_long = "x" * (services.COMMENT_MAX_LENGTH + 1)
    response = client.post(
        transition_url(project, "take_down"), {"comment": too_long, "confirm": "yes"}
    )

    project.refresh_from_db()
    assert project.state == "released"
    assert response.status_code == 200
    form = response.context["transition_form"]
    assert form["comment"].value() == too_long
    assert "at most 4000 characters" in form.errors["comment"][0]


def test_transition_page_asks_for_a_comment_and_applies_it(
    client, world, make_project, strict_templates
):
    project = make_project("released")
    client.force_login(world.content_manager)

    page = client.get(transition_url(project, "take_down"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="comment"' in html
    assert MISSING not in html

    response = client.post(
        transition_url(project, "take_down"), {"comment": "Tighten episode 1.", "confirm": "yes"}
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.state == "taken_down"
    assert ProjectTransition.objects.get().comment == "Tighten episode 1."
    assert client.get(transition_url(project, "no_such_step")).status_code == 404


def test_transition_page_says_why_a_step_is_not_possible(client, world, make_project):
    project = make_project("submitted")
    client.force_login(world.producer_a)

    page = client.get(transition_url(project, "greenlight"))

    html = page.content.decode()
    assert "Only a content manager of the commissioning platform may do this." in html
    client.post(transition_url(project, "greenlight"), {"comment": "Please?"})
    project.refresh_from_db()
    assert project.state == "submitted"
    assert not ProjectTransition.objects.exists()


# The change page: why not, history ---------------------------------------------------------


def test_change_page_lists_every_transition_and_why_not(client, world, make_project):
    project = make_project("submitted")
    client.force_login(world.producer_a)

    response = client.get(change_url(project))

    options = {option["name"]: option for option in response.context["transition_options"]}
    assert set(options) == set(transition_names())
    assert options["greenlight"]["allowed"] is False
    # The role comes first; the guards later stages add (evaluation, planning filing) follow.
    assert options["greenlight"]["reasons"][0] == (
        "Only a content manager of the commissioning platform may do this."
    )
    assert options["submit"]["reasons"] == ["Not possible from Submitted; possible from: Draft."]
    html = response.content.decode()
    assert 'id="project-transition-options"' in html
    assert "Only a content manager of the commissioning platform may do this." in html
    assert "Not possible from Submitted; possible from: Draft." in html
    assert "There is no step you can take on this project now." in html


def test_change_page_marks_the_allowed_transitions(client, world, make_project):
    project = make_project("submitted")
    put_decision(project, "revise")
    client.force_login(world.content_manager)

    response = client.get(change_url(project))

    options = {o["name"]: o for o in response.context["transition_options"]}
    allowed = {name for name, option in options.items() if option["allowed"]}
    # A revision request or a rejection is made through the evaluation's decision, not here.
    assert not allowed & {"request_revision", "reject"}
    assert "/api/v1/evaluations/{id}/decide/" in options["request_revision"]["reasons"][0]
    assert not allowed & {"submit", "resubmit", "withdraw", "approve_cut", "release"}
    html = response.content.decode()
    assert html.count('class="mdprod-option-allowed"') == len(allowed)


def test_change_page_shows_the_audit_trail(client, world, make_project):
    project = make_project("draft")
    services.project_transition(
        project=project, name="submit", actor=world.producer_a, comment="First cut of the pitch."
    )
    client.force_login(world.content_manager)

    response = client.get(change_url(project))

    [row] = response.context["activity"]
    assert (row["what"], row["source"], row["target"]) == ("Submit", "Draft", "Submitted")
    assert row["actor"] == world.producer_a
    html = response.content.decode()
    assert "First cut of the pitch." in html
    assert "producer_a" in html
    assert "Studio A" in html


@pytest.mark.parametrize(
    ("username", "state", "tier"),
    [
        ("producer_a", "draft", "ORDINARY"),
        ("producer_a", "released", "KEY"),
        ("cm_p", "submitted", "OTHER"),
        ("reviewer_sh", "final_review", "ORDINARY"),
        ("reviewer_nrta", "final_review", "KEY"),
    ],
)
def test_change_page_renders_without_template_errors(
    client, world, make_project, strict_templates, username, state, tier
):
    project = make_project(state, tier=tier)
    if state != "draft":
        ProjectTransition.objects.create(
            project=project,
            name="submit",
            source_state="draft",
            target_state="submitted",
            actor=world.producer_a,
            organisation=world.studio_a,
            comment="Ready.\nSee the synopsis.",
        )
    client.force_login(UserFactory(username=username))

    response = client.get(change_url(project))

    assert response.status_code == 200
    html = response.content.decode()
    assert MISSING not in html
    assert 'id="project-history"' in html
    assert 'id="project-transition-options"' in html


def test_superuser_sees_every_project_but_cannot_edit_or_step(
    client, world, make_project, admin_user
):
    project = make_project("draft", producer=world.studio_b)
    client.force_login(admin_user)

    assert project.pk in listed(client)
    response = client.get(change_url(project))
    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    client.post(change_url(project), {"_fsm_transition_to": "submit"})
    project.refresh_from_db()
    assert project.state == "draft"


# The audit log is read only -----------------------------------------------------------------


def test_audit_rows_cannot_be_added_changed_or_deleted(client, world, make_project, admin_user):
    project = make_project("draft")
    services.project_transition(
        project=project, name="submit", actor=world.producer_a, comment="original"
    )
    entry = ProjectTransition.objects.get()
    model_admin = admin.site.get_model_admin(ProjectTransition)

    for user in (world.producer_a, admin_user):
        client.force_login(user)
        request = client.get(CHANGELIST).wsgi_request
        assert model_admin.has_view_permission(request, entry)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, entry)
        assert not model_admin.has_delete_permission(request, entry)

        change = reverse("admin:workflow_projecttransition_change", args=[entry.pk])
        assert client.get(change).status_code == 200
        response = client.post(change, {"comment": "rewritten", "target_state": "released"})
        assert response.status_code == 403
        add = reverse("admin:workflow_projecttransition_add")
        assert client.post(add, {"comment": "forged"}).status_code == 403
        delete = reverse("admin:workflow_projecttransition_delete", args=[entry.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403

    entry.refresh_from_db()
    assert (entry.comment, entry.target_state) == ("original", "submitted")
    assert ProjectTransition.objects.count() == 1


def test_audit_log_lists_only_visible_projects(client, world, make_project):
    ours = make_project("draft")
    theirs = make_project("draft", producer=world.studio_b)
    services.project_transition(project=ours, name="submit", actor=world.producer_a)
    services.project_transition(project=theirs, name="submit", actor=world.producer_b)
    client.force_login(world.producer_a)

    url = reverse("admin:workflow_projecttransition_changelist")
    assert {entry.project_id for entry in client.get(url).context["cl"].result_list} == {ours.pk}
    other = ProjectTransition.objects.get(project=theirs)
    change = reverse("admin:workflow_projecttransition_change", args=[other.pk])
    assert client.get(change).status_code == 404


# Export -------------------------------------------------------------------------------------


def test_csv_export_contains_only_visible_selected_projects(client, world, make_project):
    ours = make_project("submitted", title="=HYPERLINK(evil)")
    theirs = make_project("submitted", producer=world.studio_b, title="Their secret")
    client.force_login(world.producer_a)

    response = client.post(
        CHANGELIST,
        {"action": "export_csv", "_selected_action": [ours.pk, theirs.pk], "index": "0"},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK(evil)" in body
    assert "Their secret" not in body
    assert body.splitlines()[0].startswith("id,title,state")


# Query counts -------------------------------------------------------------------------------


# The changelist costs the same whatever the page size: measured at 10 queries (session, user,
# memberships, the two organisation filters, the count, the permissions Django's own auth admins
# read for the sidebar, the page, and the header's unread-notification count).
CHANGELIST_QUERIES = 10


@pytest.mark.parametrize("username", ["producer_a", "cm_p", "reviewer_sh"])
def test_changelist_query_count_does_not_grow_with_the_page(
    client, world, make_project, django_assert_max_num_queries, username
):
    studio_c = OrganisationFactory(name="Studio C", province="shanghai")
    producers = [world.studio_a, studio_c] if username != "producer_a" else [world.studio_a]
    platforms = [world.platform] if username == "cm_p" else [world.platform, world.other_platform]

    def add_projects(count):
        for n in range(count):
            make_project(
                "submitted",
                producer=producers[n % len(producers)],
                platform=platforms[n % len(platforms)],
            )

    client.force_login(UserFactory(username=username))
    add_projects(5)
    with CaptureQueriesContext(connection) as at_five:
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 5
    queries_at_five = len(at_five.captured_queries)
    assert queries_at_five <= CHANGELIST_QUERIES

    add_projects(45)
    with django_assert_max_num_queries(queries_at_five):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 50


# Organisations and memberships ----------------------------------------------------------------


def test_organisation_admin_sees_own_organisation_only(client, world):
    client.force_login(world.admin_a)

    url = reverse("admin:workflow_organisation_changelist")
    assert listed(client, url) == {world.studio_a.pk}
    own = reverse("admin:workflow_organisation_change", args=[world.studio_a.pk])
    assert client.get(own).status_code == 200
    assert client.post(own, {"name": "Renamed"}).status_code == 403
    other = reverse("admin:workflow_organisation_change", args=[world.studio_b.pk])
    assert client.get(other).status_code == 404


def test_plain_members_do_not_manage_organisations_or_memberships(client, world):
    client.force_login(world.producer_a)

    assert client.get(reverse("admin:workflow_organisation_changelist")).status_code == 403
    assert client.get(reverse("admin:workflow_membership_changelist")).status_code == 403
    assert client.get(reverse("admin:workflow_membership_add")).status_code == 403


def test_organisation_admin_manages_own_memberships(client, world):
    newcomer = UserFactory(username="newcomer")
    client.force_login(world.admin_a)

    url = reverse("admin:workflow_membership_changelist")
    listed_ids = listed(client, url)
    assert listed_ids == set(
        Membership.objects.filter(organisation=world.studio_a).values_list("pk", flat=True)
    )
    add = reverse("admin:workflow_membership_add")
    form = client.get(add).context["adminform"].form
    assert list(form.fields["organisation"].queryset) == [world.studio_a]
    assert "producer_b" not in client.get(add).content.decode()

    response = client.post(
        add, {"user": "newcomer", "organisation": world.studio_a.pk, "role": "producer"}
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=newcomer, organisation=world.studio_a).exists()

    response = client.post(
        add, {"user": "newcomer", "organisation": world.studio_b.pk, "role": "producer"}
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(user=newcomer, organisation=world.studio_b).exists()

    theirs = Membership.objects.get(user=world.producer_b)
    change = reverse("admin:workflow_membership_change", args=[theirs.pk])
    assert client.get(change).status_code == 404
    delete = reverse("admin:workflow_membership_delete", args=[theirs.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


def test_a_wrong_username_is_refused_without_saying_whether_it_exists(client, world):
    UserFactory(username="retired", is_active=False)
    client.force_login(world.admin_a)
    add = reverse("admin:workflow_membership_add")

    errors = [
        client.post(add, {"user": username, "organisation": world.studio_a.pk, "role": "producer"})
        .context["adminform"]
        .form.errors["user"]
        for username in ("nobody", "retired")
    ]

    assert errors == [["Enter the username of an active user you were given."]] * 2
    assert not Membership.objects.filter(user__username="retired").exists()


def test_superuser_manages_every_organisation(client, world, admin_user):
    client.force_login(admin_user)

    url = reverse("admin:workflow_organisation_changelist")
    assert world.studio_b.pk in listed(client, url)
    assert world.nrta.pk in listed(client, url)
    assert client.get(reverse("admin:workflow_organisation_add")).status_code == 200


def test_the_project_page_links_to_its_records_filtered_to_the_project(client, world, make_project):
    from reviews.services.cuts import cut_submit

    ours, other = (
        make_project("in_production", tier="OTHER", episode_count=2, free_episodes=1)
        for _ in range(2)
    )
    episodes = [{"number": n, "reference": f"x/ep{n}.mp4", "duration_seconds": 60} for n in (1, 2)]
    for project in (ours, other):
        cut_submit(project=project, actor=world.producer_a, episodes=episodes)
    client.force_login(world.producer_a)
    page = client.get(change_url(ours))
    links = dict(page.context["project_records"])
    assert list(links)[0] == "Budget"  # in the order of the process
    assert {"Contracts", "Cut rounds", "Clearances", "Release metrics", "Deadlines"} <= set(links)
    rounds = client.get(links["Cut rounds"])
    assert [cut.project_id for cut in rounds.context["cl"].result_list] == [ours.pk]
