"""The national review-tier policy as data, so that the thresholds in force are the rows
(``GET /api/v1/tier-policies/`` lists them from the first day).

The thresholds come from ``MDPROD_KEY_TIER_THRESHOLD`` and ``MDPROD_ORDINARY_TIER_THRESHOLD``
(else 1,000,000 and 300,000 CNY): the settings seed this first row and nothing later. An install
that already has a national row keeps it as it is.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import migrations

# Before any proposal mdprod tracks: the national row covers every submission date.
SEED_DATE = date(2000, 1, 1)
SEED_NOTE = "National defaults, seeded at installation from the settings."


def seed(apps, schema_editor):
    TierPolicy = apps.get_model("budgets", "TierPolicy")
    if TierPolicy.objects.filter(province="").exists():
        return
    TierPolicy.objects.create(
        province="",
        effective_from=SEED_DATE,
        key_threshold=Decimal(getattr(settings, "MDPROD_KEY_TIER_THRESHOLD", "1000000")),
        ordinary_threshold=Decimal(getattr(settings, "MDPROD_ORDINARY_TIER_THRESHOLD", "300000")),
        note=SEED_NOTE,
    )


def unseed(apps, schema_editor):
    TierPolicy = apps.get_model("budgets", "TierPolicy")
    TierPolicy.objects.filter(province="", effective_from=SEED_DATE, note=SEED_NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("budgets", "0002_reconstruct_status_history"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
