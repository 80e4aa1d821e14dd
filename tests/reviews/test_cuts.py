"""The platform cut review: numbered deliveries, findings per episode, episode outcomes, and
the transitions they gate, through the API as producers and content managers use it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.models import CutEpisode, CutSubmission, FeedbackItem
from reviews.models.cuts import cut_summary
from workflow.models import Project

CUTS = "/api/v1/cut-rounds/"


def delivery(project, *, count=None, **overrides):
    episodes = [
        {"number": n, "reference": f"studio-a/p{project.pk}/ep{n:02d}.mp4", "duration_seconds": 90}
        for n in range(1, (count or project.episode_count) + 1)
    ]
    for number, changes in overrides.items():
        episodes[int(number.removeprefix("ep")) - 1].update(changes)
    return {"project": project.pk, "episodes": episodes}


def transition(api, user, project, name, comment=""):
    return api(user).post(
        f"/api/v1/projects/{project.pk}/transitions/{name}/", {"comment": comment}, format="json"
    )


def reasons_for(api, user, project, name):
    options = api(user).get(f"/api/v1/projects/{project.pk}/transitions/").json()
    return next(o for o in options if o["name"] == name)["reasons"]


@pytest.fixture
def shooting(make_project):
    return make_project("in_production", tier="OTHER", episode_count=6, free_episodes=2)


@pytest.fixture
def in_review(api, world, shooting):
    response = api(world.producer_a).post(CUTS, delivery(shooting), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def add_findings(api, world, cut_id, *items):
    return api(world.content_manager).post(
        f"{CUTS}{cut_id}/findings/", {"items": list(items)}, format="json"
    )


MUST_FIX_EP3 = {
    "episode": 3,
    "timecode": "00:41",
    "text": "The brand logo on the cup must be blurred.",
    "category": "commercial",
    "severity": "must_fix",
}
SUGGESTION_EP5 = {
    "episode": 5,
    "timecode": "01:10",
    "text": "The cliffhanger could land two seconds earlier.",
    "category": "content",
    "severity": "suggestion",
}


def test_summary_reads_like_the_platform_would_say_it():
    assert cut_summary(80, 78, 2) == "78 of 80 episodes approved, 2 need changes"
    assert cut_summary(80, 80, 0) == "80 of 80 episodes approved"
    assert cut_summary(3, 1, 1) == "1 of 3 episodes approved, 1 needs changes, 1 not reviewed yet"


def test_delivering_the_cut_opens_round_one_and_submits_it(api, world, shooting, in_review):
    assert in_review["round"] == 1
    assert in_review["episode_count"] == 6
    assert in_review["total_duration_seconds"] == 540
    assert in_review["summary"] == "0 of 6 episodes approved, 6 not reviewed yet"
    assert [e["outcome"] for e in in_review["episodes"]] == ["pending"] * 6
    shooting.refresh_from_db()
    assert shooting.state == "cut_review"
    history = api(world.producer_a).get(f"/api/v1/projects/{shooting.pk}/history/").json()
    assert history[-1]["name"] == "submit_cut"


@pytest.mark.parametrize(
    ("body_change", "field", "message"),
    [
        ({"ep6": {"number": 5}}, "episodes.5.number", "already in position 4"),
        ({"ep2": {"reference": "ftp://files/ep2.mp4"}}, "episodes.1.reference", "http(s)://"),
        ({"ep2": {"reference": "my episode.mp4"}}, "episodes.1.reference", "storage key"),
        ({"ep4": {"duration_seconds": 0}}, "episodes.3.duration_seconds", "greater than or equal"),
        ({"ep1": {"number": 7}}, "episodes.0.number", "from 1 to 6"),
        ({"ep1": {"codec": "h264"}}, "episodes.0.codec", "nknown field"),
    ],
)
def test_a_bad_delivery_is_refused_on_its_field_and_writes_nothing(
    api, world, shooting, body_change, field, message
):
    response = api(world.producer_a).post(CUTS, delivery(shooting, **body_change), format="json")
    assert response.status_code == 400, response.json()
    assert message in " ".join(response.json()["fields"][field])
    assert not CutSubmission.objects.exists()
    assert Project.objects.get(pk=shooting.pk).state == "in_production"


def test_a_delivery_missing_episodes_names_them(api, world, shooting):
    response = api(world.producer_a).post(CUTS, delivery(shooting, count=4), format="json")
    assert response.status_code == 400
    assert "Missing: 5, 6." in response.json()["fields"]["episodes"][0]
    assert not CutSubmission.objects.exists()


def test_only_the_producer_delivers_and_only_when_a_cut_is_expected(
    api, world, shooting, in_review
):
    assert api(world.producer_b).post(CUTS, delivery(shooting), format="json").status_code == 404
    response = api(world.producer_a).post(CUTS, delivery(shooting), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "cut_not_expected"
    assert CutSubmission.objects.count() == 1


def test_the_content_manager_cannot_deliver(api, world, shooting):
    response = api(world.content_manager).post(CUTS, delivery(shooting), format="json")
    assert response.status_code == 403
    assert not CutSubmission.objects.exists()


def test_submit_cut_without_a_delivery_says_what_is_missing(api, world, shooting):
    assert "Deliver the cut first" in reasons_for(api, world.producer_a, shooting, "submit_cut")[0]
    response = transition(api, world.producer_a, shooting, "submit_cut")
    assert response.status_code == 409
    assert Project.objects.get(pk=shooting.pk).state == "in_production"


def test_a_must_fix_finding_marks_its_episode_and_blocks_approval(api, world, in_review):
    response = add_findings(api, world, in_review["id"], MUST_FIX_EP3, SUGGESTION_EP5)
    assert response.status_code == 201, response.json()
    assert [f["cut_round"] for f in response.json()] == [in_review["id"]] * 2
    cut = api(world.producer_a).get(f"{CUTS}{in_review['id']}/").json()
    assert cut["summary"] == "0 of 6 episodes approved, 1 needs changes, 5 not reviewed yet"
    assert cut["must_fix_open"] == 1
    project = Project.objects.get(pk=in_review["project"])
    reasons = reasons_for(api, world.content_manager, project, "approve_cut")
    assert "1 must-fix finding on this cut is open: request changes instead." in reasons
    assert "Episode 3 needs changes." in reasons
    assert transition(api, world.content_manager, project, "approve_cut").status_code == 409


def test_a_finding_on_a_cut_names_its_episode(api, world, in_review):
    finding = {k: v for k, v in MUST_FIX_EP3.items() if k != "episode"}
    response = add_findings(api, world, in_review["id"], finding)
    assert response.status_code == 400
    assert "items.0.episode" in response.json()["fields"]
    assert not FeedbackItem.objects.exists()


def test_only_the_platform_adds_findings(api, world, in_review):
    response = api(world.producer_a).post(
        f"{CUTS}{in_review['id']}/findings/", {"items": [MUST_FIX_EP3]}, format="json"
    )
    assert response.status_code == 403
    response = api(world.other_content_manager).post(
        f"{CUTS}{in_review['id']}/findings/", {"items": [MUST_FIX_EP3]}, format="json"
    )
    assert response.status_code == 404
    assert not FeedbackItem.objects.exists()


def test_requesting_changes_needs_a_must_fix_finding(api, world, in_review):
    project = Project.objects.get(pk=in_review["project"])
    add_findings(api, world, in_review["id"], SUGGESTION_EP5)
    reasons = reasons_for(api, world.content_manager, project, "request_cut_changes")
    assert reasons == [
        "Raise at least one must-fix finding on this round's cut to request changes."
    ]
    assert transition(api, world.content_manager, project, "request_cut_changes").status_code == 409
    add_findings(api, world, in_review["id"], MUST_FIX_EP3)
    assert transition(api, world.content_manager, project, "request_cut_changes").status_code == 200
    assert Project.objects.get(pk=project.pk).state == "cut_changes"


def test_episode_outcomes_and_the_must_fix_rule(api, world, in_review):
    add_findings(api, world, in_review["id"], MUST_FIX_EP3)
    url = f"{CUTS}{in_review['id']}/episodes/"
    cm = api(world.content_manager)
    response = cm.post(url, {"outcome": "approved", "episodes": [1, 2, 3]}, format="json")
    assert response.status_code == 400
    assert "Episodes 3 have open must-fix findings" in response.json()["fields"]["episodes"][0]
    response = cm.post(url, {"outcome": "approved", "episodes": [1, 2, 4, 5, 6]}, format="json")
    assert response.status_code == 200
    assert response.json()["changed"] == 5
    assert response.json()["round"]["summary"] == "5 of 6 episodes approved, 1 needs changes"
    response = cm.post(url, {"outcome": "approved", "episodes": [9]}, format="json")
    assert response.status_code == 400
    assert (
        api(world.producer_a).post(url, {"outcome": "approved", "episodes": [1]}).status_code == 403
    )


def send_back(api, world, in_review):
    """Round 1: episodes 1, 2, 4-6 approved, a must-fix finding on 3, changes requested."""
    add_findings(api, world, in_review["id"], MUST_FIX_EP3)
    api(world.content_manager).post(
        f"{CUTS}{in_review['id']}/episodes/",
        {"outcome": "approved", "episodes": [1, 2, 4, 5, 6]},
        format="json",
    )
    project = Project.objects.get(pk=in_review["project"])
    assert transition(api, world.content_manager, project, "request_cut_changes").status_code == 200
    return project


def test_resubmitting_needs_every_must_fix_finding_addressed(api, world, in_review):
    project = send_back(api, world, in_review)
    fixed = delivery(project, ep3={"reference": "studio-a/ep03-v2.mp4"})
    response = api(world.producer_a).post(CUTS, fixed, format="json")
    assert response.status_code == 409
    assert "must-fix item of round 1 is still open" in response.json()["reasons"][0]
    assert CutSubmission.objects.filter(project=project).count() == 1


def test_the_resubmitted_cut_fixes_the_findings_and_keeps_unchanged_approvals(
    api, world, in_review
):
    project = send_back(api, world, in_review)
    finding = FeedbackItem.objects.get(project=project)
    response = api(world.producer_a).post(
        f"/api/v1/feedback-items/{finding.pk}/respond/",
        {"status": "addressed", "response": "Logo blurred."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    fixed = delivery(
        project,
        ep3={"reference": "studio-a/ep03-v2.mp4"},
        ep5={"reference": "studio-a/ep05-v2.mp4"},
    )
    response = api(world.producer_a).post(CUTS, fixed, format="json")
    assert response.status_code == 201, response.json()
    round_two = response.json()
    assert round_two["round"] == 2
    outcomes = {e["number"]: e["outcome"] for e in round_two["episodes"]}
    # Unchanged approved episodes stay approved; the re-edited ones wait for review.
    assert outcomes == {1: "approved", 2: "approved", 3: "pending", 4: "approved",
                        5: "pending", 6: "approved"}  # fmt: skip
    finding.refresh_from_db()
    assert finding.fixed_in_id == round_two["id"]
    listed = api(world.producer_a).get(f"/api/v1/feedback-items/{finding.pk}/").json()
    assert (listed["cut_round"], listed["fixed_in_round"]) == (in_review["id"], round_two["id"])
    project.refresh_from_db()
    assert (project.state, project.review_round) == ("cut_review", 2)


def test_an_episode_with_a_must_fix_finding_comes_back_re_edited(api, world, in_review):
    project = send_back(api, world, in_review)
    finding = FeedbackItem.objects.get(project=project)
    api(world.producer_a).post(
        f"/api/v1/feedback-items/{finding.pk}/respond/",
        {"status": "addressed", "response": "Logo blurred."},
        format="json",
    )
    response = api(world.producer_a).post(CUTS, delivery(project), format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["episodes"] == [
        "Episodes 3 had must-fix findings: deliver them re-edited, under a new reference."
    ]
    assert CutSubmission.objects.filter(project=project).count() == 1
    assert Project.objects.get(pk=project.pk).state == "cut_changes"


def test_only_findings_on_re_delivered_episodes_are_linked_to_the_fixing_round(
    api, world, in_review
):
    add_findings(api, world, in_review["id"], SUGGESTION_EP5)
    project = send_back(api, world, in_review)
    for finding in FeedbackItem.objects.filter(project=project):
        api(world.producer_a).post(
            f"/api/v1/feedback-items/{finding.pk}/respond/",
            {"status": "addressed", "response": "Done."},
            format="json",
        )
    fixed = delivery(project, ep3={"reference": "studio-a/ep03-v2.mp4"})
    round_two = api(world.producer_a).post(CUTS, fixed, format="json").json()
    links = dict(FeedbackItem.objects.filter(project=project).values_list("episode", "fixed_in"))
    # Episode 5 was not re-delivered: its suggestion was answered but no cut fixed it.
    assert links == {3: round_two["id"], 5: None}


def test_findings_of_a_past_round_cannot_be_added(api, world, in_review):
    send_back(api, world, in_review)
    response = add_findings(api, world, in_review["id"], SUGGESTION_EP5)
    assert response.status_code == 409
    assert response.json()["code"] == "cut_round_closed"


def test_the_cut_review_stays_between_the_producer_and_the_platform(api, world, make_project):
    project = make_project("in_production", tier="ORDINARY", episode_count=2, free_episodes=1)
    cut = api(world.producer_a).post(CUTS, delivery(project), format="json").json()
    add_findings(api, world, cut["id"], {**MUST_FIX_EP3, "episode": 2})
    # The Shanghai bureau will review the finished cut, not the platform's working rounds.
    reviewer = api(world.shanghai_reviewer)
    assert reviewer.get(f"{CUTS}{cut['id']}/").status_code == 404
    assert reviewer.get(CUTS).json()["count"] == 0
    assert reviewer.get(f"/api/v1/feedback-items/?cut_round={cut['id']}").json()["count"] == 0
    assert api(world.producer_b).get(f"{CUTS}{cut['id']}/").status_code == 404
    assert api(world.rater).get(f"{CUTS}{cut['id']}/").status_code == 200  # platform staff


def test_the_cut_round_list_costs_the_same_queries_for_one_round_or_many(api, world, make_project):
    def deliver():
        project = make_project("in_production", tier="OTHER", episode_count=3, free_episodes=1)
        assert api(world.producer_a).post(CUTS, delivery(project), format="json").status_code == 201

    client = api(world.content_manager)
    deliver()
    with CaptureQueriesContext(connection) as one:
        assert client.get(CUTS).json()["count"] == 1
    for _ in range(4):
        deliver()
    with CaptureQueriesContext(connection) as five:
        assert client.get(CUTS).json()["count"] == 5
    assert len(five) == len(one)
    assert CutEpisode.objects.count() == 15


def test_added_findings_come_back_as_the_schema_says_a_list(api, world, in_review):
    schema = api(world.content_manager).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/cut-rounds/{id}/findings/"]["post"]

    response = add_findings(api, world, in_review["id"], MUST_FIX_EP3)

    assert response.status_code == 201
    assert operation["responses"]["201"]["content"]["application/json"]["schema"]["type"] == "array"
    assert [item["episode"] for item in response.json()] == [3]
    assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == []
