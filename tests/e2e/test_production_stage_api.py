"""Production, censorship and release through the API alone, one journey per review tier: the
cut review in rounds, the compliance checklist, the finished-cut review by the tier's authority,
the release gate, metrics, and a take-down with reinstatement."""

from datetime import date

import pytest
from django.utils import timezone

from releases.tasks import release_scheduled
from workflow.models import Project

V1 = "/api/v1"
YEAR = timezone.localdate().year


def ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


def refused(response, status=409):
    assert response.status_code == status, response.json()
    return response.json()


def fire(client, project_id, name, comment=""):
    return client.post(
        f"{V1}/projects/{project_id}/transitions/{name}/", {"comment": comment}, format="json"
    )


def why_not(client, project_id, name):
    options = ok(client.get(f"{V1}/projects/{project_id}/transitions/"))
    return " ".join(next(o for o in options if o["name"] == name)["reasons"])


def deliver(client, project_id, count, *, changed=()):
    episodes = [
        {
            "number": n,
            "reference": f"s3://bucket/p{project_id}/ep{n}{'-v2' if n in changed else ''}.mp4",
            "duration_seconds": 80 + n,
        }
        for n in range(1, count + 1)
    ]
    return ok(client.post(f"{V1}/cut-rounds/", {"project": project_id, "episodes": episodes},
                          format="json"), 201)  # fmt: skip


def confirm_checklists(client, project_id):
    checklists = ok(client.get(f"{V1}/compliance-checklists/", {"project": project_id}))["results"]
    for checklist in checklists:
        for item in checklist["items"]:
            body = {"project": project_id, "item": item["id"], "reference": "docs/pledge.pdf"}
            ok(client.post(f"{V1}/checklist-confirmations/", body, format="json"), 201)


def pass_cut_review(producer, cm, project_id, count):
    deliver(producer, project_id, count)
    confirm_checklists(producer, project_id)
    ok(fire(cm, project_id, "approve_cut", "Cut approved."))


def steps(client, project_id):
    reviews = ok(client.get(f"{V1}/final-reviews/", {"project": project_id}))["results"]
    return sorted(reviews, key=lambda r: (r["round"], r["sequence"]))


def decide(client, review_id, **body):
    return client.post(f"{V1}/final-reviews/{review_id}/decide/", body, format="json")


def history(client, project_id):
    return [entry["name"] for entry in ok(client.get(f"{V1}/projects/{project_id}/history/"))]


@pytest.mark.django_db
def test_key_home_page_title_from_cut_to_release_take_down_and_back(world, api, make_project):
    project = make_project(
        "in_production", tier="KEY", episode_count=4, free_episodes=1, homepage_promotion=True
    )
    pid = project.pk
    producer, cm = api(world.producer_a), api(world.content_manager)
    bureau, national = api(world.shanghai_reviewer), api(world.national_reviewer)

    # Round 1: a must-fix finding on episode 2 sends the cut back.
    cut = deliver(producer, pid, 4)
    finding = {"episode": 2, "timecode": "00:41", "text": "Blur the logo on the cup.",
               "category": "commercial", "severity": "must_fix"}  # fmt: skip
    [item] = ok(cm.post(f"{V1}/cut-rounds/{cut['id']}/findings/", {"items": [finding]},
                        format="json"), 201)  # fmt: skip
    ok(fire(cm, pid, "request_cut_changes", "See the finding on episode 2."))
    assert "must-fix item of round 1 is still open" in why_not(producer, pid, "resubmit_cut")
    ok(producer.post(f"{V1}/feedback-items/{item['id']}/respond/",
                     {"status": "addressed", "response": "Logo blurred."}, format="json"))  # fmt: skip

    # Round 2 fixes it; the compliance checklist has to be confirmed before approval.
    round_two = deliver(producer, pid, 4, changed={2})
    assert (
        ok(producer.get(f"{V1}/feedback-items/{item['id']}/"))["fixed_in_round"] == round_two["id"]
    )
    assert "is missing: " in why_not(cm, pid, "approve_cut")
    confirm_checklists(producer, pid)
    ok(fire(cm, pid, "approve_cut", "Cut approved."))
    assert ok(cm.get(f"{V1}/cut-rounds/{round_two['id']}/"))["summary"] == (
        "4 of 4 episodes approved"
    )

    # Finished-cut review: the Shanghai bureau, then the national re-review of a home-page title.
    first, second = steps(producer, pid)
    assert (first["authority"]["id"], second["authority"]["id"]) == (
        world.shanghai.pk,
        world.nrta.pk,
    )
    refused(decide(national, second["id"], outcome="approve"))  # the bureau decides first
    ok(decide(bureau, first["id"], outcome="approve", comment="Provincial review passed."))
    wrong_issuer = decide(national, second["id"], outcome="approve",
                          clearance_number=f"（沪）网剧审字（{YEAR}）第012号")  # fmt: skip
    assert "总局" in " ".join(refused(wrong_issuer, 400)["fields"]["clearance_number"])
    ok(decide(national, second["id"], outcome="approve",
              clearance_number=f"(总局)网剧审字({YEAR})第012号"))  # fmt: skip
    [licence] = ok(
        producer.get(f"{V1}/clearances/", {"project": pid, "kind": "distribution_licence"})
    )["results"]
    assert licence["number"] == f"（总局）网剧审字（{YEAR}）第012号"

    # The release gate: credits first.
    assert "opening credits" in why_not(cm, pid, "release")
    refused(fire(cm, pid, "release"))
    ok(producer.post(f"{V1}/releases/confirm-credits/",
                     {"project": pid, "clearance": licence["id"]}, format="json"))  # fmt: skip
    ok(fire(cm, pid, "release", "Premiere tonight."))

    # Metrics for two episodes on the day it went live (today: earlier days are refused, and
    # later ones are still to come); sending a day again replaces it.
    day = timezone.localdate().isoformat()
    rows = [
        {"episode": episode, "date": day, "plays": 1000 * episode, "valid_plays": 800 * episode,
         "retention_3s": "0.9", "retention_5s": "0.8", "retention_10s": "0.7",
         "completion_rate": "0.5", "likes": 10, "comments": 2, "shares": 1, "paid_unlocks": 0,
         "paid_revenue": "0.00", "ad_revenue": "12.50"}
        for episode in (1, 2)
    ]  # fmt: skip
    ok(cm.post(f"{V1}/metrics/bulk/", {"project": pid, "rows": rows}, format="json"))
    ok(cm.post(f"{V1}/metrics/bulk/", {"project": pid, "rows": rows[:1]}, format="json"))
    summary = ok(producer.get(f"{V1}/metrics/summary/", {"project": pid}))
    assert summary["totals"]["plays"] == 1000 + 2000
    assert ok(producer.get(f"{V1}/metrics/", {"project": pid}))["count"] == 2

    # Taken down with a reason; back only with a new licence whose number is in the credits.
    refused(fire(bureau, pid, "take_down"), 400)
    ok(fire(bureau, pid, "take_down", "Complaints about a real person's depiction."))
    assert "since the take-down" in why_not(bureau, pid, "reinstate")
    new = ok(national.post(f"{V1}/clearances/", {"project": pid, "kind": "distribution_licence",
                                                 "number": f"（总局）网剧审字（{YEAR}）第013号"},
                           format="json"), 201)  # fmt: skip
    assert "opening credits" in why_not(national, pid, "reinstate")
    ok(producer.post(f"{V1}/releases/confirm-credits/", {"project": pid, "clearance": new["id"]},
                     format="json"))  # fmt: skip
    ok(fire(national, pid, "reinstate", "Re-edited episode 3 approved."))

    assert history(producer, pid) == [
        "submit_cut", "request_cut_changes", "resubmit_cut", "approve_cut", "clear", "release",
        "take_down", "reinstate",
    ]  # fmt: skip


@pytest.mark.django_db
def test_ordinary_title_with_final_changes_and_a_scheduled_release(world, api, make_project):
    project = make_project(
        "in_production", tier="ORDINARY", producer=world.studio_b, episode_count=3, free_episodes=1
    )
    pid = project.pk
    producer, cm, bureau = (
        api(world.producer_b),
        api(world.content_manager),
        api(world.zhejiang_reviewer),
    )
    pass_cut_review(producer, cm, pid, 3)

    [step] = steps(bureau, pid)
    assert step["authority"]["id"] == world.zhejiang.pk
    assert api(world.shanghai_reviewer).get(f"{V1}/final-reviews/{step['id']}/").status_code == 404
    changes = {"episode": 3, "timecode": "01:02", "text": "Remove the drink-driving scene.",
               "category": "compliance", "severity": "must_fix"}  # fmt: skip
    ok(decide(bureau, step["id"], outcome="request_changes", comment="One change.",
              items=[changes]))  # fmt: skip
    assert Project.objects.get(pk=pid).state == "final_changes"
    refused(fire(producer, pid, "resubmit_final"))
    [item] = ok(producer.get(f"{V1}/feedback-items/", {"project": pid, "stage": "final_review"}))[
        "results"
    ]
    ok(producer.post(f"{V1}/feedback-items/{item['id']}/respond/",
                     {"status": "addressed", "response": "Scene removed."}, format="json"))  # fmt: skip
    ok(fire(producer, pid, "resubmit_final", "Episode 3 re-edited."))

    [_old, again] = steps(bureau, pid)
    assert again["round"] == 2
    bad_year = decide(bureau, again["id"], outcome="approve",
                      clearance_number=f"（浙）网剧备字（{YEAR - 1}）第001号")  # fmt: skip
    assert str(YEAR) in " ".join(refused(bad_year, 400)["fields"]["clearance_number"])
    ok(decide(bureau, again["id"], outcome="approve",
              clearance_number=f"（浙）网剧备字（{YEAR}）第001号"))  # fmt: skip
    [registration] = ok(producer.get(f"{V1}/clearances/", {"project": pid}))["results"][-1:]
    assert registration["kind"] == "online_registration"

    ok(producer.post(f"{V1}/releases/confirm-credits/",
                     {"project": pid, "clearance": registration["id"]}, format="json"))  # fmt: skip
    today = timezone.localdate().isoformat()
    ok(cm.post(f"{V1}/releases/schedule/", {"project": pid, "on": today}, format="json"))
    release_scheduled()
    assert Project.objects.get(pk=pid).state == "released"
    [gate] = ok(producer.get(f"{V1}/releases/", {"project": pid}))["results"]
    assert gate["released_at"] is not None


@pytest.mark.django_db
def test_other_title_is_cleared_by_the_platform_and_listed_in_its_report(world, api, make_project):
    project = make_project("in_production", tier="OTHER", episode_count=2, free_episodes=1)
    pid = project.pk
    producer, cm = api(world.producer_a), api(world.content_manager)
    pass_cut_review(producer, cm, pid, 2)

    [step] = steps(cm, pid)
    assert step["authority"]["id"] == world.platform.pk
    assert (
        api(world.shanghai_reviewer).get(f"{V1}/final-reviews/", {"project": pid}).json()["count"]
        == 0
    )
    ok(decide(cm, step["id"], outcome="approve", clearance_number=f"PP-{YEAR}-0042"))
    [approval] = ok(producer.get(f"{V1}/clearances/", {"project": pid}))["results"]
    assert (approval["kind"], approval["number"]) == ("platform_approval", f"PP-{YEAR}-0042")
    ok(producer.post(f"{V1}/releases/confirm-credits/",
                     {"project": pid, "clearance": approval["id"]}, format="json"))  # fmt: skip
    ok(fire(cm, pid, "release"))

    day = timezone.localdate()
    report = ok(cm.get(f"{V1}/final-reviews/platform-report/",
                       {"date_from": date(day.year, day.month, 1).isoformat(),
                        "date_to": day.isoformat()}))  # fmt: skip
    rows = report if isinstance(report, list) else report["results"]
    assert [(r["project_id"], r["approval_number"]) for r in rows] == [(pid, f"PP-{YEAR}-0042")]
