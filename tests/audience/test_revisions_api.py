"""The revision log over the API: the producer's team records, the platform reads, nobody else
sees it; the detail shows the chain signal -> decision -> outcome."""

import pytest

from audience.models import Revision
from tests.audience.revision_helpers import Signals, worked_metrics

URL = "/api/v1/revisions/"


@pytest.fixture
def voices(audience_project, episodes, producer_user):
    signals = Signals(audience_project, producer_user)
    return {
        "slow": signals.add("Too slow, call me at [phone]", ("slow",), episode=3, likes=40),
        "slow_b": signals.add("slow middle", ("slow",), episode=4, author="b"),
        "bot": signals.add("slow slow", ("slow",), episode=4, author="bot", automated=True),
        "signals": signals,
    }


def body(project, **overrides):
    data = {
        "project": project.pk,
        "kind": "pacing",
        "summary": "Cut the middle of episodes 11-12",
        "description": "Viewers call episodes 3-4 slow.",
        "episodes": [11, 12],
        "signals": [],
        "terms": ["slow"],
    }
    data.update(overrides)
    return data


def test_the_writer_records_and_reads_the_chain(api, audience_project, producer_user, voices):
    client = api(producer_user)

    created = client.post(URL, body(audience_project, signals=[voices["slow"].pk]), format="json")

    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["episodes"] == [11, 12]
    assert data["decided_by"] == producer_user.username
    evidence = {(e["signal"], e["term"]): e for e in data["evidence"]}
    term = evidence[(None, "slow")]
    assert (term["mentions"], term["distinct_authors"]) == (2, 2)
    assert (term["mentions_now"], term["distinct_authors_now"]) == (2, 2)
    cited = evidence[(voices["slow"].pk, "")]
    assert cited["signal_text"] == "Too slow, call me at [phone]"
    assert cited["signal_episode"] == 3
    # China time, as every other time in the API.
    assert cited["signal_posted_at"].endswith("+08:00"), cited["signal_posted_at"]
    assert (cited["likes"], cited["likes_now"]) == (40, 40)
    assert data["outcome"]["measurable"] is False
    assert "no metrics for the affected episodes 11-12" in data["outcome"]["reason"]

    # The signal's side: which revisions cite it.
    citing = client.get(URL, {"signal": voices["slow"].pk}).json()
    assert [r["id"] for r in citing["results"]] == [data["id"]]
    assert client.get(URL, {"signal": voices["slow_b"].pk}).json()["results"] == []


def test_a_signal_names_the_revisions_citing_it_in_one_query(
    api, audience_project, producer_user, voices, django_assert_max_num_queries
):
    client = api(producer_user)
    first = client.post(
        URL, body(audience_project, signals=[voices["slow"].pk, voices["slow_b"].pk]), format="json"
    ).json()
    second = client.post(
        URL,
        body(
            audience_project,
            summary="Recast the rival",
            kind="casting",
            signals=[voices["slow"].pk],
        ),
        format="json",
    ).json()
    signals = voices["signals"]
    for n in range(20):
        signals.add(f"filler {n}", episode=5, author=f"f{n}")

    with django_assert_max_num_queries(6):
        listed = client.get("/api/v1/signals/", {"project": audience_project.pk})

    cited = {item["id"]: [r["id"] for r in item["cited_by"]] for item in listed.json()["results"]}
    assert cited[voices["slow"].pk] == [first["id"], second["id"]]
    assert cited[voices["slow_b"].pk] == [first["id"]]
    assert sum(1 for ids in cited.values() if ids) == 2
    detail = client.get(f"/api/v1/signals/{voices['slow'].pk}/").json()
    assert [(r["summary"], r["kind"]) for r in detail["cited_by"]] == [
        ("Cut the middle of episodes 11-12", "pacing"),
        ("Recast the rival", "casting"),
    ]


def test_counts_from_the_client_are_refused(api, audience_project, producer_user, voices):
    response = api(producer_user).post(
        URL, body(audience_project, mentions=999, decided_by=1), format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"mentions", "decided_by"}


def test_bad_input_answers_on_each_field(api, audience_project, producer_user, voices):
    response = api(producer_user).post(
        URL,
        body(audience_project, episodes=[11, 40], signals=[voices["bot"].pk], terms=["nothing"]),
        format="json",
    )

    assert response.status_code == 400
    fields = response.json()["fields"]
    assert fields["episodes"] == ["This project has no episode 40."]
    assert "Flagged as a duplicate or as automated" in fields["signals"][0]
    assert fields["terms"] == ["No unflagged signal of this project contains: nothing."]
    assert not Revision.objects.exists()


def test_no_evidence_is_a_non_field_error(api, audience_project, producer_user, voices):
    response = api(producer_user).post(URL, body(audience_project, terms=[]), format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["non_field_errors"] == [
        "Cite the evidence: at least one signal or one term."
    ]


def test_the_platform_reads_but_does_not_record(
    api, audience_project, producer_user, platform_cm, voices
):
    api(producer_user).post(URL, body(audience_project), format="json")
    client = api(platform_cm)

    assert client.post(URL, body(audience_project), format="json").status_code == 403
    listed = client.get(URL).json()
    assert [r["summary"] for r in listed["results"]] == ["Cut the middle of episodes 11-12"]
    assert client.get(f"{URL}{listed['results'][0]['id']}/").status_code == 200


@pytest.mark.parametrize(
    "who", ["rater_user", "regulator_user", "other_producer_user", "other_platform_cm"]
)
def test_outsiders_see_nothing(request, api, audience_project, producer_user, voices, who):
    revision = api(producer_user).post(URL, body(audience_project), format="json").json()
    client = api(request.getfixturevalue(who))

    assert client.get(URL).json()["results"] == []
    assert client.get(f"{URL}{revision['id']}/").status_code == 404
    refused = client.post(URL, body(audience_project), format="json")
    assert refused.status_code == 404
    assert refused.json() == {"code": "not_found", "detail": "No such project in your scope."}


def test_append_only(api, audience_project, producer_user, voices):
    revision = api(producer_user).post(URL, body(audience_project), format="json").json()
    client = api(producer_user)

    assert (
        client.patch(f"{URL}{revision['id']}/", {"summary": "x"}, format="json").status_code == 405
    )
    assert client.delete(f"{URL}{revision['id']}/").status_code == 405


def test_the_outcome_window_is_a_parameter(api, audience_project, producer_user, voices):
    worked_metrics(audience_project)
    revision = api(producer_user).post(URL, body(audience_project), format="json").json()
    client = api(producer_user)

    three = client.get(f"{URL}{revision['id']}/", {"days": 3}).json()["outcome"]
    four = client.get(f"{URL}{revision['id']}/", {"days": 4}).json()["outcome"]

    assert three["measurable"] is True
    likes = next(m for m in three["metrics"] if m["metric"] == "likes")
    assert (likes["baseline"], likes["affected"], likes["change_percent"]) == (
        "200.0",
        "258.5",
        "29.3",
    )
    completion = next(m for m in three["metrics"] if m["metric"] == "completion_rate")
    assert (completion["baseline"], completion["affected"]) == ("0.4225", "0.5100")
    assert [e["episode"] for e in three["episodes"]] == [9, 10, 11, 12]
    assert three["episodes"][0]["group"] == "baseline"
    assert four["measurable"] is False
    assert four["measurable_on"] == "2026-03-13"
    bad = client.get(f"{URL}{revision['id']}/", {"days": 0})
    assert bad.status_code == 400
    assert "days" in bad.json()["fields"]


def test_the_list_costs_the_same_queries_whatever_its_length(
    api, audience_project, producer_user, voices, django_assert_max_num_queries
):
    client = api(producer_user)
    for n in range(6):
        created = client.post(
            URL,
            body(
                audience_project,
                summary=f"Change {n}",
                signals=[voices["slow"].pk],
                episodes=[11 + n % 3, 15],
            ),
            format="json",
        )
        assert created.status_code == 201

    # session/user, memberships, count, page, episodes, evidence with signals and episodes
    with django_assert_max_num_queries(6):
        response = client.get(URL)

    assert response.json()["count"] == 6
    assert all(len(r["evidence"]) == 2 for r in response.json()["results"])


def test_quiet_mode_hides_what_moves_from_a_writer_until_they_look(
    api, audience_project, producer_user, producer_admin, platform_cm, voices
):
    from audience.models import QuietReveal, QuietRule

    worked_metrics(audience_project)
    revision = (
        api(producer_user)
        .post(URL, body(audience_project, signals=[voices["slow"].pk]), format="json")
        .json()
    )
    rule = QuietRule.objects.create(
        project=audience_project, first_episode=1, last_episode=3, created_by=producer_user
    )

    hidden = api(producer_admin).get(f"{URL}{revision['id']}/", {"days": 3}).json()

    cited = next(e for e in hidden["evidence"] if e["signal"])
    assert cited["hidden"] is True
    assert cited["signal_text"] is None
    assert (cited["likes"], cited["likes_now"]) == (40, None)  # then stays, now hidden
    term = next(e for e in hidden["evidence"] if e["term"])
    assert (term["mentions"], term["mentions_now"]) == (2, None)
    # Episodes 9-12 are not locked: the outcome shows.
    assert hidden["outcome"]["measurable"] is True
    platform = api(platform_cm).get(f"{URL}{revision['id']}/").json()
    assert next(e for e in platform["evidence"] if e["signal"])["signal_text"].startswith("Too")

    QuietRule.objects.filter(pk=rule.pk).update(first_episode=1, last_episode=11)
    locked = api(producer_admin).get(f"{URL}{revision['id']}/", {"days": 3}).json()["outcome"]
    assert locked["hidden"] is True
    assert locked["metrics"] == []
    assert "episodes 9-11 are locked" in locked["reason"]

    QuietReveal.objects.create(rule=rule, user=producer_admin)
    revealed = api(producer_admin).get(f"{URL}{revision['id']}/", {"days": 3}).json()
    assert revealed["outcome"]["measurable"] is True
    assert next(e for e in revealed["evidence"] if e["signal"])["likes_now"] == 40


def test_the_detail_costs_the_same_queries_whatever_its_evidence(
    api, audience_project, producer_user, voices, django_assert_max_num_queries
):
    worked_metrics(audience_project)
    client = api(producer_user)
    small = client.post(URL, body(audience_project), format="json").json()
    extra = [
        voices["signals"].add(f"slow {n}", ("slow", f"t{n}"), author=f"x{n}") for n in range(5)
    ]
    large = client.post(
        URL,
        body(
            audience_project,
            signals=[s.pk for s in extra],
            terms=["slow", *(f"t{n}" for n in range(5))],
            episodes=list(range(11, 21)),
        ),
        format="json",
    ).json()
    assert len(large["evidence"]) == 11

    # user, memberships, revision, its episodes, its evidence, quiet-mode locks, term counts now,
    # the metrics of the compared episodes
    for revision in (small, large):
        with django_assert_max_num_queries(8):
            assert client.get(f"{URL}{revision['id']}/").status_code == 200
