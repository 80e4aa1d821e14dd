"""Residual arithmetic: the worked numbers, half-up at the fen, the explanation, one query."""

from datetime import date
from decimal import Decimal

import pytest

from contracts.models import StatementLine
from contracts.services.statements import residual_amount, residual_lines
from tests.contracts.payments_support import add_metric, make_contract

D = Decimal


@pytest.mark.parametrize(
    ("basis", "quantity", "rate", "amount"),
    [
        ("valid_plays", "2400000", "3.50", "8400.00"),  # 2,400,000 / 1,000 x 3.50
        ("paid_revenue", "1234567.89", "7", "86419.75"),  # 7 % of 1,234,567.89 = 86,419.7523
        ("ad_revenue", "1234567.89", "7", "86419.75"),
        ("valid_plays", "1", "5", "0.01"),  # 0.005 rounds half-up
        ("paid_revenue", "0.50", "1", "0.01"),  # 0.005 rounds half-up
        ("paid_revenue", "0.49", "1", "0.00"),  # 0.0049 rounds down
        ("valid_plays", "1999", "0.0025", "0.00"),  # 0.0049975
        ("valid_plays", "2000", "0.0025", "0.01"),  # 0.005
    ],
)
def test_residual_amounts(basis, quantity, rate, amount):
    assert residual_amount(basis, D(quantity), D(rate)) == D(amount)


@pytest.mark.parametrize(
    ("basis", "quantity", "rate", "amount", "text"),
    [
        (
            "valid_plays",
            "2400000",
            "3.5000",
            "8400.00",
            "2,400,000 valid plays ÷ 1,000 × 3.50 CNY = 8,400.00 CNY",
        ),
        (
            "paid_revenue",
            "1234567.89",
            "7.0000",
            "86419.75",
            "7 % of 1,234,567.89 CNY paid revenue = 86,419.75 CNY",
        ),
        (
            "ad_revenue",
            "1000.00",
            "7.2500",
            "72.50",
            "7.25 % of 1,000.00 CNY ad revenue = 72.50 CNY",
        ),
    ],
)
def test_a_line_explains_itself(basis, quantity, rate, amount, text):
    line = StatementLine(basis=basis, quantity=D(quantity), rate=D(rate), amount=D(amount))
    assert line.explanation == text


def test_the_period_is_summed_in_one_query(world, make_project, django_assert_num_queries):
    project = make_project("released")
    contract = make_contract(world, project, status="active", basis="valid_plays", rate="3.50")
    add_metric(project, date(2026, 10, 1), episode=1, valid_plays=1_000_000)
    add_metric(project, date(2026, 10, 31), episode=2, valid_plays=1_400_000)
    add_metric(project, date(2026, 11, 1), episode=1, valid_plays=9_999_999)  # outside

    with django_assert_num_queries(1):
        [line] = residual_lines(contract, date(2026, 10, 1), date(2026, 10, 31))

    assert (line.basis, line.quantity, line.amount) == ("valid_plays", D("2400000"), D("8400.00"))
