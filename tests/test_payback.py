"""The payback a firm tests (rules/economics.cash_payback): analytic limits and the finance lever it gives."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adoptsim.rules.economics import cash_payback

payback = cash_payback.py_func  # the same rule, in Python: exact arithmetic checks


@pytest.mark.parametrize("weight", [1.0, 1.4, 3.0])
def test_without_a_loan_it_is_simple_payback_of_the_weighed_cost(weight):
    for cost, benefit, term in [(100.0, 120.0, 36.0), (900.0, 12.0, 48.0), (0.0, 50.0, 36.0)]:
        assert payback(cost, 0.0, term, benefit, weight) == pytest.approx(12.0 * weight * cost / benefit, rel=1e-12)


def test_when_repayments_take_all_the_savings_a_loan_only_lengthens_it():
    # 12/yr of savings, 100 repaid over 36 months (2.78 a month > 1 a month saved): simple payback of 10 + 100
    assert payback(10.0, 100.0, 36.0, 12.0, 1.0) == pytest.approx(110.0)
    assert payback(10.0, 100.0, 36.0, 12.0, 1.4) == pytest.approx(114.0)


def test_a_loan_repaid_from_its_savings_shortens_it():
    # cost 100, savings 120/yr (10 a month): own cash takes 10 months; 70 borrowed, 84 repaid over 36 months
    own = payback(100.0, 0.0, 36.0, 120.0, 1.0)
    financed = payback(30.0, 84.0, 36.0, 120.0, 1.0)
    assert financed == pytest.approx(30.0 / (10.0 - 84.0 / 36.0)) and financed < own
    assert payback(0.0, 84.0, 36.0, 120.0, 1.4) == 0.0  # fully financed and cash-positive: pays back at once


def test_it_is_continuous_and_never_pays_without_a_benefit():
    assert payback(10.0, 0.0, 36.0, 0.0, 1.0) == math.inf and payback(0.0, 5.0, 36.0, -3.0, 1.0) == math.inf
    # across the point where savings just cover repayments (d = 0), and where the own part is recovered at the term
    for repaid in (119.999999, 120.0, 120.000001):
        assert payback(30.0, repaid, 36.0, 40.0, 1.0) == pytest.approx(36.0 + 30.0 / (40.0 / 12.0), rel=1e-6)
    d = 10.0 - 84.0 / 36.0
    for own in np.array([1 - 1e-9, 1.0, 1 + 1e-9]) * d * 36.0:
        assert payback(own, 84.0, 36.0, 120.0, 1.0) == pytest.approx(36.0, rel=1e-6)
