"""Recording a revision: who may, what it must name, and the evidence's counts frozen then."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audience.models import Revision, RevisionEvidence
from audience.selectors.revisions import evidence_then_and_now, revision_list_for
from audience.services.revisions import RevisionsClosed, revision_record
from common.errors import PermissionDenied
from tests.audience.revision_helpers import Signals
from tests.conftest import put_in_state


@pytest.fixture
def voices(audience_project, episodes, producer_user):
    """Episode 3's audience: "slow" from three people (one of them twice), plus a duplicate and
    a bot comment that must not count; "演技" from two people."""
    signals = Signals(audience_project, producer_user)
    s = {
        "slow_a": signals.add("Too slow, skip", ("slow", "skip"), episode=3, author="a", likes=40),
        "slow_a2": signals.add("still slow", ("slow",), episode=4, author="a"),
        "slow_b": signals.add("slow middle part", ("slow",), episode=3, author="b", likes=3),
        "slow_c": signals.add("so slow", ("slow",), episode=5, author="c"),
        "dup": signals.add("so slow", ("slow",), episode=5, author="c", duplicate=True),
        "bot": signals.add("slow slow", ("slow",), episode=5, author="bot", automated=True),
        "acting_d": signals.add("女主演技好", ("女主", "演技"), episode=3, author="d", likes=12),
        "acting_e": signals.add("演技在线", ("演技",), episode=4, author="e"),
    }
    s["signals"] = signals
    return s


def record(project, actor, **overrides):
    fields = {
        "project": project,
        "actor": actor,
        "kind": Revision.Kind.PACING,
        "summary": "Cut the middle of episodes 11-12",
        "description": "Viewers call episodes 3-5 slow.",
        "episodes": [12, 11],
        "signals": [],
        "terms": ["slow"],
    }
    fields.update(overrides)
    return revision_record(**fields)


def test_records_the_decision_with_its_episodes_and_frozen_counts(
    audience_project, producer_user, voices
):
    revision = record(
        audience_project,
        producer_user,
        signals=[voices["slow_a"].pk, voices["acting_d"].pk],
        terms=["Slow", " 演技 "],
    )

    revision = revision_list_for(producer_user).get(pk=revision.pk)
    assert sorted(e.number for e in revision.episodes.all()) == [11, 12]
    assert revision.decided_by == producer_user
    evidence = {(e.signal_id, e.term): e for e in revision.evidence.all()}
    # "slow": four unflagged signals from three authors (the duplicate and the bot left out).
    slow = evidence[(None, "slow")]
    assert (slow.mentions, slow.distinct_authors) == (4, 3)
    acting = evidence[(None, "演技")]
    assert (acting.mentions, acting.distinct_authors) == (2, 2)
    assert evidence[(voices["slow_a"].pk, "")].likes == 40
    assert evidence[(voices["acting_d"].pk, "")].likes == 12


def test_the_counts_then_stay_while_the_counts_now_move(audience_project, producer_user, voices):
    revision = record(audience_project, producer_user, signals=[voices["slow_a"].pk])
    voices["signals"].add("slow again", ("slow",), episode=6, author="f")
    voices["signals"].add("very slow", ("slow",), episode=6, author="f")
    type(voices["slow_a"]).objects.filter(pk=voices["slow_a"].pk).update(likes=95)

    revision = revision_list_for(producer_user).get(pk=revision.pk)
    now = {
        (item.evidence.signal_id, item.evidence.term): item
        for item in evidence_then_and_now(revision)
    }

    slow = now[(None, "slow")]
    assert (slow.evidence.mentions, slow.evidence.distinct_authors) == (4, 3)
    assert (slow.mentions_now, slow.distinct_authors_now) == (6, 4)
    liked = now[(voices["slow_a"].pk, "")]
    assert (liked.evidence.likes, liked.likes_now) == (40, 95)


def test_the_project_admin_records_too(audience_project, producer_admin, voices):
    assert record(audience_project, producer_admin).decided_by == producer_admin


@pytest.mark.parametrize(
    ("numbers", "message"),
    [([], "at least one affected episode"), ([11, 21, 99], "no episode 21, 99")],
)
def test_the_affected_episodes_must_exist(
    audience_project, producer_user, voices, numbers, message
):
    with pytest.raises(ValidationError) as caught:
        record(audience_project, producer_user, episodes=numbers)

    assert message in " ".join(caught.value.message_dict["episodes"])
    assert not Revision.objects.exists()


def test_evidence_must_be_of_this_project_and_unflagged(
    audience_project, producer_user, voices, make_project, episodes
):
    other = make_project("released", title="Other title")
    from audience.models import Episode

    Episode.objects.create(project=other, number=1)
    foreign = Signals(other, producer_user).add("slow", ("slow",), episode=1)

    with pytest.raises(ValidationError) as caught:
        record(
            audience_project,
            producer_user,
            signals=[foreign.pk, voices["bot"].pk, voices["dup"].pk],
            terms=["slow", "boring", ""],
        )

    errors = caught.value.message_dict
    assert f"Not a signal of this project: {foreign.pk}." in errors["signals"]
    assert any(f"{voices['bot'].pk}, {voices['dup'].pk}" in m for m in errors["signals"])
    assert errors["terms"] == ["A term cannot be empty."]
    assert not RevisionEvidence.objects.exists()


def test_a_term_only_bots_used_is_no_evidence(audience_project, producer_user, voices):
    voices["signals"].add("buy now", ("buy",), automated=True, author="bot")

    with pytest.raises(ValidationError) as caught:
        record(audience_project, producer_user, terms=["buy"])

    assert caught.value.message_dict["terms"] == [
        "No unflagged signal of this project contains: buy."
    ]


def test_some_evidence_is_required(audience_project, producer_user, voices):
    with pytest.raises(ValidationError) as caught:
        record(audience_project, producer_user, terms=[], signals=[])

    assert caught.value.message_dict["__all__"] == [
        "Cite the evidence: at least one signal or one term."
    ]


def test_summary_and_kind_are_checked(audience_project, producer_user, voices):
    with pytest.raises(ValidationError) as caught:
        record(audience_project, producer_user, summary="  ", kind="recast")

    assert set(caught.value.message_dict) >= {"summary", "kind"}


@pytest.mark.parametrize(
    "who", ["platform_cm", "rater_user", "regulator_user", "other_producer_user"]
)
def test_only_the_writing_team_records(request, audience_project, voices, who):
    with pytest.raises(PermissionDenied):
        record(audience_project, request.getfixturevalue(who))

    assert not Revision.objects.exists()


def test_no_revisions_once_the_project_is_completed(audience_project, producer_user, voices):
    put_in_state(audience_project, "completed")

    with pytest.raises(RevisionsClosed):
        record(audience_project, producer_user)


def test_a_past_decision_counts_what_was_said_by_then(audience_project, producer_user, voices):
    # voices were posted one minute apart from POSTED; decided after the first three.
    decided = voices["slow_b"].posted_at

    revision = record(audience_project, producer_user, decided_at=decided)

    slow = revision.evidence.get(term="slow")
    # a's two and b's, posted at the very minute; not c's, the duplicate's or the bot's
    assert (slow.mentions, slow.distinct_authors) == (3, 2)
    assert revision.decided_at == decided


def test_a_past_decision_cannot_cite_what_came_after(audience_project, producer_user, voices):
    with pytest.raises(ValidationError) as caught:
        record(
            audience_project,
            producer_user,
            signals=[voices["slow_c"].pk],
            decided_at=voices["slow_b"].posted_at,
        )

    assert caught.value.message_dict["signals"] == [
        f"Posted after the decision: {voices['slow_c'].pk}."
    ]


def test_a_decision_is_not_in_the_future(audience_project, producer_user, voices):
    with pytest.raises(ValidationError) as caught:
        record(audience_project, producer_user, decided_at=timezone.now() + timedelta(hours=1))

    assert "decided_at" in caught.value.message_dict
