"""Every change of the release gate and every clearance recorded is a status change in the
project's log (workflow.audit), with who, for whom and why, and shows in the project's activity to
the two parties."""

from datetime import timedelta

from django.utils import timezone

from releases import services
from releases.models import Release
from tests.releases.test_release_gate import fire, registration, released
from workflow.models import StatusChange

ACTIVITY = "/api/v1/projects/{}/activity/"


def log(project, model):
    return [
        (c.from_status, c.to_status, c.actor.username if c.actor else None, c.organisation.name)
        for c in StatusChange.objects.filter(project=project, record_type__model=model).order_by(
            "created_at", "id"
        )
    ]


def activity(api, user, project):
    response = api(user).get(ACTIVITY.format(project.pk))
    assert response.status_code == 200, response.json()
    return [
        (e["record"], e["from_status"], e["to_status"], e["actor"], e["comment"])
        for e in response.json()["results"]
        if e["kind"] == "status_change"
    ]


def test_credits_schedule_and_going_live_are_logged_once_each(world, api, make_project):
    project = make_project("cleared")
    clearance = registration(world, project)
    today = timezone.localdate()
    later = today + timedelta(days=7)

    services.credits_confirm(project=project, actor=world.producer_a, clearance=clearance)
    # Confirming the same clearance again changes nothing a reader needs.
    services.credits_confirm(project=project, actor=world.producer_a, clearance=clearance)
    services.release_schedule(project=project, actor=world.content_manager, on=later)
    services.release_schedule(project=project, actor=world.content_manager, on=later)
    services.release_schedule(project=project, actor=world.content_manager, on=today)
    services.release_unschedule(project=project, actor=world.content_manager)
    assert fire(api, world.content_manager, project, "release", "Go.").status_code == 200

    assert log(project, "release") == [
        ("credits_pending", "credits_confirmed", "producer_a", "Studio A"),
        ("unscheduled", f"scheduled:{later.isoformat()}", "cm_p", "Platform P"),
        (f"scheduled:{later.isoformat()}", f"scheduled:{today.isoformat()}", "cm_p", "Platform P"),
        (f"scheduled:{today.isoformat()}", "unscheduled", "cm_p", "Platform P"),
        ("not_live", "live", "cm_p", "Platform P"),
    ]
    gate = Release.objects.get(project=project)
    assert set(
        StatusChange.objects.filter(record_type__model="release").values_list(
            "record_id", flat=True
        )
    ) == {gate.pk}


def test_the_parties_see_the_gate_and_the_clearance_in_the_activity(world, api, make_project):
    project = released(world, api, make_project)
    number = Release.objects.get(project=project).clearance.number

    seen = activity(api, world.producer_a, project)

    assert seen == [
        ("clearance", "", "issued", "reviewer_sh", f"online_registration: {number}"),
        (
            "release",
            "credits_pending",
            "credits_confirmed",
            "producer_a",
            f"online_registration: {number}",
        ),
        ("release", "not_live", "live", "cm_p", ""),
    ]
    assert activity(api, world.content_manager, project) == seen
    # The platform's raters see the project's transitions only; other companies nothing.
    assert activity(api, world.rater, project) == []
    assert api(world.producer_b).get(ACTIVITY.format(project.pk)).status_code == 404


def test_a_reinstatement_goes_live_from_taken_down(world, api, make_project):
    project = released(world, api, make_project)
    assert fire(api, world.content_manager, project, "take_down", "Rights.").status_code == 200
    renewal = registration(world, project)
    services.credits_confirm(project=project, actor=world.producer_a, clearance=renewal)

    response = fire(api, world.shanghai_reviewer, project, "reinstate", "New number.")

    assert response.status_code == 200, response.json()
    assert log(project, "release")[-2:] == [
        ("credits_pending", "credits_confirmed", "producer_a", "Studio A"),
        ("taken_down", "live", "reviewer_sh", "Shanghai bureau"),
    ]
    assert log(project, "clearance") == [
        ("", "issued", "reviewer_sh", "Shanghai bureau"),
        ("", "issued", "reviewer_sh", "Shanghai bureau"),
    ]


def test_a_scheduled_release_is_logged_as_the_scheduler(world, make_project):
    from releases.tasks import release_scheduled

    project = make_project("cleared")
    clearance = registration(world, project)
    services.credits_confirm(project=project, actor=world.producer_a, clearance=clearance)
    services.release_schedule(project=project, actor=world.content_manager, on=timezone.localdate())

    assert release_scheduled() == 1

    [(_from, to, actor, organisation, reason)] = [
        (c.from_status, c.to_status, c.actor.username, c.organisation.name, c.reason)
        for c in StatusChange.objects.filter(project=project, field="live")
    ]
    assert (to, actor, organisation) == ("live", "cm_p", "Platform P")
    assert reason.startswith("Scheduled release for")


def test_the_project_page_names_the_gate_and_clearance_statuses_in_words(
    world, api, make_project, client
):
    project = released(world, api, make_project)
    client.force_login(world.producer_a)

    def rows():
        response = client.get(f"/admin/workflow/project/{project.pk}/change/")
        assert response.status_code == 200
        return [
            (row["source"], row["target"])
            for row in response.context["activity"]
            if "#" in row["what"]  # a record's change, not one of the project's steps
        ]

    assert rows() == [
        ("—", "Issued"),
        ("Credits pending", "Credits confirmed"),
        ("Not yet live", "Live"),
    ]
    client.cookies["django_language"] = "zh-hans"
    assert rows()[2] == ("尚未上线", "已上线")
