"""The review tier from the budget, the KEY flags and the effective-dated policy."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from budgets.models import TierPolicy
from workflow import services, tiers
from workflow.models import Project


def tier_of(project):
    return tiers.resolve(Project.objects.select_related("producer").get(pk=project.pk))


def policy(province="", effective_from=date(2020, 1, 1), **terms):
    return TierPolicy.objects.create(province=province, effective_from=effective_from, **terms)


@pytest.mark.parametrize(
    ("investment", "tier"),
    [
        ("299999.99", "OTHER"),
        ("300000.00", "ORDINARY"),
        ("999999.99", "ORDINARY"),
        ("1000000.00", "KEY"),
    ],
)
def test_tier_table_at_the_edges_from_the_budget_lines(
    world, make_project, make_budget, investment, tier
):
    # The lines run over the proposal's estimate: the larger figure counts.
    project = make_project("draft", planned_budget=Decimal("100000.00"))
    make_budget(project, [("cast", "100000.00"), ("crew", str(Decimal(investment) - 100000))])

    assert tier_of(project)[0] == tier


@pytest.mark.parametrize(
    ("investment", "tier"),
    [("299999.99", "OTHER"), ("300000.00", "ORDINARY"), ("1000000.00", "KEY")],
)
def test_without_budget_lines_the_proposal_estimate_counts(
    world, make_project, make_budget, investment, tier
):
    project = make_project("draft", planned_budget=Decimal(investment))
    make_budget(project, lines=())  # a budget without lines is no estimate yet

    assert tier_of(project)[0] == tier


def test_a_token_budget_line_cannot_lower_the_tier(world, make_project, make_budget):
    project = make_project("draft", planned_budget=Decimal("2000000.00"))
    make_budget(project, [("other", "1.00")])

    assert tier_of(project)[0] == "KEY"
    submitted = services.project_transition(project=project, name="submit", actor=world.producer_a)
    assert submitted.review_tier == "KEY"
    assert submitted.regulatory_reviews.count() == 2  # the bureau, then the national re-check


def test_the_reason_names_investment_and_threshold(world, make_project, make_budget):
    project = make_project("draft")
    make_budget(project, [("cast", "700000.00"), ("post", "500000.00")])

    assert tier_of(project) == ("KEY", "KEY: investment ¥1,200,000.00 >= ¥1,000,000.00")


KEY_FLAGS = [
    ("special_subject", "special_subject_is_key", "special subject"),
    ("lead_ad_sales_title", "lead_ad_sales_is_key", "lead ad-sales title"),
    ("homepage_promotion", "homepage_is_key", "home-page first-screen promotion"),
    ("key_opt_in", "opt_in_allowed", "opted in"),
]


@pytest.mark.parametrize(("flag", "policy_field", "words"), KEY_FLAGS)
def test_each_key_flag_makes_a_small_project_key(world, make_project, flag, policy_field, words):
    project = make_project("draft", planned_budget=Decimal("100000.00"), **{flag: True})

    tier, reason = tier_of(project)

    assert tier == "KEY"
    assert words in reason


@pytest.mark.parametrize(("flag", "policy_field", "words"), KEY_FLAGS)
def test_a_policy_can_turn_a_flag_off(world, make_project, flag, policy_field, words):
    policy(**{policy_field: False})
    project = make_project("draft", planned_budget=Decimal("100000.00"), **{flag: True})

    assert tier_of(project)[0] == "OTHER"


def test_thresholds_come_from_the_policy_in_force(world, make_project):
    policy(key_threshold=Decimal("2000000.00"), ordinary_threshold=Decimal("500000.00"))
    project = make_project("draft", planned_budget=Decimal("1500000.00"))

    assert tier_of(project) == (
        "ORDINARY",
        "ORDINARY: ¥500,000.00 <= investment ¥1,500,000.00 < ¥2,000,000.00",
    )


def submitted_at(project, moment):
    Project.objects.filter(pk=project.pk).update(submitted_at=moment)


def test_a_row_dated_after_the_submission_does_not_apply(world, make_project):
    policy(effective_from=date(2026, 1, 1), key_threshold=Decimal("500000.00"))
    project = make_project("submitted", planned_budget=Decimal("600000.00"))

    # 23:59 on 31 December in Shanghai: the new row is not yet in force.
    submitted_at(project, datetime(2025, 12, 31, 15, 59, tzinfo=UTC))
    assert tier_of(project)[0] == "ORDINARY"

    # 00:30 on 1 January in Shanghai (still 31 December in UTC): it is.
    submitted_at(project, datetime(2025, 12, 31, 16, 30, tzinfo=UTC))
    assert tier_of(project)[0] == "KEY"


def test_the_latest_row_in_force_applies(world, make_project):
    policy(effective_from=date(2020, 1, 1), key_threshold=Decimal("500000.00"))
    policy(effective_from=date(2024, 1, 1), key_threshold=Decimal("800000.00"))
    policy(effective_from=date(2099, 1, 1), key_threshold=Decimal("5000000.00"))
    project = make_project("submitted", planned_budget=Decimal("700000.00"))
    submitted_at(project, datetime(2025, 6, 1, tzinfo=UTC))

    assert tier_of(project)[0] == "ORDINARY"  # 2024 row: 700,000 < 800,000


def test_a_province_row_overrides_the_national_one(world, make_project):
    policy(province="", effective_from=date(2024, 1, 1))
    policy(
        province="shanghai",
        effective_from=date(2020, 1, 1),  # older than the national row, still the province's
        key_threshold=Decimal("500000.00"),
    )
    shanghai_project = make_project("draft", planned_budget=Decimal("600000.00"))
    zhejiang_project = make_project(
        "draft", planned_budget=Decimal("600000.00"), producer=world.studio_b
    )

    assert tier_of(shanghai_project)[0] == "KEY"
    assert tier_of(zhejiang_project)[0] == "ORDINARY"


def test_a_province_row_not_yet_in_force_leaves_the_national_one(world, make_project):
    policy(province="", effective_from=date(2020, 1, 1), key_threshold=Decimal("2000000.00"))
    policy(
        province="shanghai",
        effective_from=date(2099, 1, 1),
        key_threshold=Decimal("2.00"),
        ordinary_threshold=Decimal("1.00"),
    )
    project = make_project("draft", planned_budget=Decimal("1500000.00"))

    assert tier_of(project)[0] == "ORDINARY"


def test_the_national_row_seeded_at_installation_decides(world, make_project):
    national = TierPolicy.objects.get(province="")
    assert (national.key_threshold, national.ordinary_threshold) == (
        Decimal("1000000.00"),
        Decimal("300000.00"),
    )
    assert tier_of(make_project("draft", planned_budget=Decimal("999999.99")))[0] == "ORDINARY"

    TierPolicy.objects.filter(pk=national.pk).update(key_threshold=Decimal("900000.00"))

    # The row, not the settings it was seeded from, decides.
    assert tier_of(make_project("draft", planned_budget=Decimal("999999.99")))[0] == "KEY"


def test_with_every_row_removed_outside_mdprod_the_seed_values_apply_with_a_warning(
    world, make_project, caplog
):
    TierPolicy.objects.all().delete()  # as a `manage.py flush` would

    with caplog.at_level("WARNING", logger="budgets.tiers"):
        assert tier_of(make_project("draft", planned_budget=Decimal("999999.99")))[0] == "ORDINARY"
        assert tier_of(make_project("draft", planned_budget=Decimal("1000000.00")))[0] == "KEY"
    assert "No review-tier policy in force" in caplog.text


def test_submitting_stores_the_tier_from_the_budget(world, make_project, make_budget):
    project = make_project("draft", planned_budget=Decimal("200000.00"))
    make_budget(project, [("cast", "400000.00"), ("crew", "700000.00")])

    project = services.project_transition(project=project, name="submit", actor=world.producer_a)

    project.refresh_from_db()
    assert project.review_tier == "KEY"
    assert project.tier_reason == "KEY: investment ¥1,100,000.00 >= ¥1,000,000.00"
    assert project.tier_changed_at is None


def test_the_budgets_app_installs_the_tier_policy():
    from budgets.tiers import resolve_tier

    assert tiers._resolver is resolve_tier


def test_without_a_tier_policy_the_workflow_refuses_instead_of_guessing(
    world, make_project, monkeypatch
):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(tiers, "_resolver", None)
    project = make_project("draft", planned_budget=Decimal("2000000.00"))

    with pytest.raises(ImproperlyConfigured, match="tier"):
        tiers.resolve(project)
    with pytest.raises(ImproperlyConfigured):
        services.project_transition(project=project, name="submit", actor=world.producer_a)
    project.refresh_from_db()
    assert (project.state, project.review_tier) == ("draft", "")
