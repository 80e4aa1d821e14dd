"""One exact form for amounts everywhere, and a summary form for cards and charts."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from common.money import cny, cny_summary


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("500000"), "¥500,000.00"),
        (Decimal("1234567.891"), "¥1,234,567.89"),
        ("0.5", "¥0.50"),
        (Decimal("-1200.5"), "-¥1,200.50"),
        (None, "—"),
        ("", "—"),
        ("n/a", "n/a"),
    ],
)
def test_the_exact_form(value, shown):
    assert cny(value) == shown


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_exact_form_is_the_same_in_both_languages_and_in_templates(language):
    with translation.override(language):
        rendered = Template("{% load money %}{{ amount|cny }}").render(
            Context({"amount": Decimal("500000.00")})
        )
    assert rendered == "¥500,000.00"


@pytest.mark.parametrize(
    ("value", "english", "chinese"),
    [
        (Decimal("500000"), "¥500k", "50万元"),
        (Decimal("1250000"), "¥1.3M", "125万元"),
        (Decimal("120000000"), "¥120M", "1.2亿元"),
        (Decimal("8000"), "¥8k", "8,000元"),
        (Decimal("950"), "¥950", "950元"),
        (None, "—", "—"),
    ],
)
def test_the_summary_form_reads_as_each_language_counts(value, english, chinese):
    with translation.override("en"):
        assert cny_summary(value) == english
    with translation.override("zh-hans"):
        assert cny_summary(value) == chinese
