"""The national review-tier policy is seeded as data, from the settings, once."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings

from tests.migration_states import latest, migrate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("budgets", "0002_reconstruct_status_history")]


def national_rows(apps):
    TierPolicy = apps.get_model("budgets", "TierPolicy")
    return list(
        TierPolicy.objects.filter(province="").values_list(
            "effective_from", "key_threshold", "ordinary_threshold"
        )
    )


def test_the_settings_seed_the_national_row_and_the_way_back_removes_it():
    try:
        old_apps = migrate(BEFORE)
        old_apps.get_model("budgets", "TierPolicy").objects.all().delete()

        with override_settings(
            MDPROD_KEY_TIER_THRESHOLD="1500000", MDPROD_ORDINARY_TIER_THRESHOLD="500000"
        ):
            new_apps = migrate(latest())

        assert national_rows(new_apps) == [
            (date(2000, 1, 1), Decimal("1500000.00"), Decimal("500000.00"))
        ]
        assert national_rows(migrate(BEFORE)) == []
    finally:
        migrate(latest())


def test_an_install_with_a_national_row_keeps_it_as_it_is():
    try:
        old_apps = migrate(BEFORE)
        TierPolicy = old_apps.get_model("budgets", "TierPolicy")
        TierPolicy.objects.all().delete()
        TierPolicy.objects.create(
            province="",
            effective_from=date(2024, 1, 1),
            key_threshold=Decimal("2000000.00"),
            ordinary_threshold=Decimal("400000.00"),
        )

        new_apps = migrate(latest())

        assert national_rows(new_apps) == [
            (date(2024, 1, 1), Decimal("2000000.00"), Decimal("400000.00"))
        ]
    finally:
        migrate(latest())
