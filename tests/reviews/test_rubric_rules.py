"""A platform's rules (quorum, disagreement threshold, grade cut-offs) are part of its rubric
version, with the settings as the defaults of a first version; a decision keeps the grade the
scores suggested beside the one chosen."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.models import Rubric
from reviews.services import evaluations as services
from reviews.services.rubrics import rubric_publish
from tests.migration_states import latest, migrate
from tests.reviews.evaluation_helpers import (
    add_rater,
    greenlight,
    invite_and_submit,
    panel_fixture,  # noqa: F401 - the `panel` fixture
    reach_quorum,
    submit_proposal,
)

CRITERIA = [{"name": name, "weight": "1.00"} for name in ("Hook", "Cast", "Plot", "Pace", "Ads")]


def publish(world, platform=None, actor=None, **rules):
    return rubric_publish(
        platform=platform or world.platform,
        actor=actor or world.content_manager,
        name="House rubric",
        criteria=CRITERIA,
        **rules,
    )


def test_a_first_version_takes_the_settings_and_the_next_one_keeps_its_rules(world, settings):
    settings.MDPROD_EVALUATION_QUORUM = {"business": 2, "marketing": 1}
    settings.MDPROD_GRADE_CUTOFFS = {"S": "9", "A": "8", "B": "6.5"}

    first = publish(world)
    settings.MDPROD_EVALUATION_QUORUM = {"content": 3}
    second = publish(world, disagreement_threshold=Decimal("1.5"))

    assert first.quorum == {"content": 0, "business": 2, "marketing": 1}
    assert first.grade_cutoffs == {"S": "9.00", "A": "8.00", "B": "6.50"}
    assert first.disagreement_threshold == Decimal("2.00")
    # A later version starts from the one before, not from the settings.
    second.refresh_from_db()
    assert second.quorum == first.quorum
    assert second.grade_cutoffs == first.grade_cutoffs
    assert second.disagreement_threshold == Decimal("1.50")


def test_each_platform_decides_with_its_own_quorum(world, panel):
    publish(world, quorum={"content": 0, "business": 2, "marketing": 0})
    publish(
        world,
        platform=world.other_platform,
        actor=world.other_content_manager,
        quorum={"content": 1},
    )
    evaluation = submit_proposal(world)
    invite_and_submit(world, evaluation, panel.business, [8] * 5)

    with pytest.raises(services.QuorumNotMet) as refused:
        greenlight(world, evaluation)

    assert refused.value.reasons == ["2 submitted business scorecards needed, 1 so far."]
    invite_and_submit(world, evaluation, add_rater(world.platform, "b2", "business"), [8] * 5)
    assert greenlight(world, evaluation).transition == "greenlight"


def test_the_decision_keeps_the_suggested_grade_beside_the_chosen_one(world, panel):
    publish(world, grade_cutoffs={"S": "9", "A": "8", "B": "6"})
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)  # (7.0 + 6.2 + 5.0) / 3 = 6.07

    greenlight(world, evaluation, grade="A")

    evaluation.refresh_from_db()
    assert (evaluation.grade, evaluation.suggested_grade) == ("A", "B")


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"quorum": {"content": 0, "business": 0, "marketing": 0}}, "quorum"),
        ({"quorum": {"legal": 1}}, "quorum.legal"),
        ({"quorum": {"content": -1}}, "quorum.content"),
        ({"disagreement_threshold": Decimal("0")}, "disagreement_threshold"),
        ({"disagreement_threshold": Decimal("1.234")}, "disagreement_threshold"),
        ({"grade_cutoffs": {"S": "9", "A": "9", "B": "5"}}, "grade_cutoffs"),
        ({"grade_cutoffs": {"S": "9", "A": "8"}}, "grade_cutoffs"),
        ({"grade_cutoffs": {"S": "11", "A": "8", "B": "5"}}, "grade_cutoffs.S"),
    ],
)
def test_bad_rules_are_refused_on_their_field_and_nothing_is_published(world, rules, field):
    with pytest.raises(ValidationError) as refused:
        publish(world, **rules)

    assert field in refused.value.message_dict
    assert not Rubric.objects.filter(platform=world.platform).exists()


def test_the_api_publishes_and_shows_the_rules(world, api):
    client = api(world.content_manager)

    created = client.post(
        "/api/v1/rubrics/",
        {
            "platform": world.platform.pk,
            "name": "House rubric",
            "criteria": CRITERIA,
            "quorum": {"business": 2},
            "grade_cutoffs": {"S": "9.5", "A": "8", "B": "6"},
        },
        format="json",
    )
    refused = client.post(
        "/api/v1/rubrics/",
        {
            "platform": world.platform.pk,
            "name": "House rubric",
            "criteria": CRITERIA,
            "grade_cutoffs": {"S": "5", "A": "8", "B": "6"},
        },
        format="json",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["quorum"] == {"content": 0, "business": 2, "marketing": 0}
    assert body["grade_cutoffs"] == {"S": "9.50", "A": "8.00", "B": "6.00"}
    assert body["disagreement_threshold"] == "2.00"
    assert refused.status_code == 400
    assert "grade_cutoffs" in refused.json()["fields"]


def test_the_admin_form_starts_from_the_rules_in_force_and_keeps_a_refused_entry(world, client):
    publish(world, quorum={"content": 1, "business": 2, "marketing": 1})
    client.force_login(world.content_manager)
    url = reverse("admin:reviews_rubric_add")

    page = client.get(url)
    refused = client.post(
        url,
        {
            "platform": world.platform.pk,
            "name": "Stricter",
            "criteria": "Hook | 1\nCast | 1",
            "quorum_content": 0,
            "quorum_business": 0,
            "quorum_marketing": 0,
            "disagreement_threshold": "2",
            "cutoff_S": "9",
            "cutoff_A": "8",
            "cutoff_B": "6",
        },
    )

    assert page.status_code == 200
    assert page.context["form"].initial["quorum_business"] == 2
    assert refused.status_code == 200
    form = refused.context["form"]
    assert form.errors["__all__"] == ["A decision needs at least one submitted scorecard."]
    assert form["name"].value() == "Stricter"
    assert Rubric.objects.filter(platform=world.platform).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_existing_rubrics_get_the_settings_as_their_rules():
    apps = migrate([("reviews", "0009_reconstruct_clearance_history")])
    Organisation = apps.get_model("workflow", "Organisation")
    platform = Organisation.objects.create(name="Platform", kind="platform")
    apps.get_model("reviews", "Rubric").objects.create(platform=platform, name="Old", version=1)

    migrate(latest())

    rubric = Rubric.objects.get(platform_id=platform.pk)
    assert rubric.quorum == {"content": 1, "business": 1, "marketing": 1}
    assert rubric.grade_cutoffs == {"S": "8.5", "A": "7.0", "B": "5.5"}
    assert rubric.disagreement_threshold == Decimal("2.00")
