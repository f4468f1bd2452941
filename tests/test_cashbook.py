"""The firm's cash book and its loans: the book closes, every loan ends, losses land where they are carried."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from adoptsim.kernel import simulate
from adoptsim.outcome_table import LENDERS, PUBLIC
from adoptsim.population import build_world, monthly_hazard
from adoptsim.scenario import load_scenario
from adoptsim.state import ACTIVE, CLOSED, FIN_CONSORTIUM, FIN_SCHEME
from conftest import scenario

EXPERIMENTS = "adoptsim/experiments"

#: Lahore with every finance route open: bank, guaranteed scheme loans, consortium loans.
FINANCE = dict(cluster="lahore", n_firms=600, months=72, green_finance_enabled=True, green_finance_rate_subsidy=0.06,
               green_finance_guarantee=0.8, green_finance_consortium=True, green_finance_scheme_awareness=1.0,
               capex_subsidy_share=0.2, attention=0.3, liquidity=0.5)


def step_by_month(world, check) -> None:
    """Run ``world`` a month at a time, calling ``check(month, before, after)`` on the firm table."""
    for month in range(1, world.scenario.months + 1):
        before = world.firms.copy()
        simulate(world.firms, world.options, world.params, world.cost, world.series, world.bodies,
                 first=month, last=month)
        check(month, before, world.firms)


def closing(f) -> np.ndarray:
    """Closing cash from the month's book lines, in the order the cash book writes it."""
    return (f.cash_open + f.cf_margin - f.cf_running - f.cf_debt - f.cf_penalty - f.cf_drawings
            - f.cf_capex + f.cf_loans)


@pytest.mark.parametrize("world", [
    pytest.param(lambda: build_world(scenario(**FINANCE)), id="lahore-finance"),
    pytest.param(lambda: build_world(load_scenario(f"{EXPERIMENTS}/kanpur-zld-common-plant-finance.toml")),
                 id="kanpur-plant-finance"),
    pytest.param(lambda: build_world(load_scenario(f"{EXPERIMENTS}/taihu-park-committee.toml")), id="taihu-park"),
])
def test_the_cash_book_closes_exactly_every_firm_every_month(world):
    world = world()
    seen = {"lines": 0, "debt": 0.0, "penalty": 0.0, "capex": 0.0}

    def check(month, before, after):
        np.testing.assert_array_equal(after.cash_open, before.cash)          # carried month to month
        np.testing.assert_array_equal(after.cash, closing(after))            # bit for bit
        seen["debt"] += after.cf_debt.sum()
        seen["penalty"] += after.cf_penalty.sum()
        seen["capex"] += after.cf_capex.sum()
        moved = after.status != ACTIVE
        assert (after.cf_margin[moved & (before.status != ACTIVE)] == 0.0).all()  # gone firms keep no book

    step_by_month(world, check)
    assert seen["capex"] > 0 and seen["debt"] + seen["penalty"] > 0   # the book had something to close


def test_every_loan_is_repaid_defaulted_or_carried_away():
    world = build_world(scenario(**{**FINANCE, "months": 120}))
    simulate(world.firms, world.options, world.params, world.cost, world.series, world.bodies)
    f = world.firms
    outstanding = f.loan.sum(axis=1)
    assert f.borrowed.sum() > 0 and f.repaid.sum() > 0
    np.testing.assert_allclose(f.borrowed, f.repaid + f.written_off + f.carried_out + outstanding, rtol=1e-9, atol=1e-6)
    # a slot with repayments left has a balance, and one without has none
    assert (outstanding[(f.loan_months <= 0).all(axis=1)] == 0).all()
    assert (f.loan[f.loan_months <= 0] == 0).all()
    # straight-line: what is left never exceeds the instalments still due
    left = f.loan_due * np.maximum(f.loan_months, 0)
    assert (f.loan <= left * (1 + 1e-9) + 1e-6).all()


def test_guarantee_costs_are_the_guaranteed_share_of_booked_defaults():
    """With no firm bankable on its own, every scheme loan is guaranteed: the guarantor pays its cover of each loss."""
    world = build_world(scenario(**{**FINANCE, "months": 120}))
    world.firms.bank[:] = False
    world.firms.guaranteed[:] = True
    world = dataclasses.replace(world, params=world.params._replace(default_hazard=monthly_hazard(0.2)))
    simulate(world.firms, world.options, world.params, world.cost, world.series, world.bodies)
    cost = dict(zip(PUBLIC, world.series.public_cost.sum(axis=0)))
    lost = dict(zip(LENDERS, world.series.loan_losses.sum(axis=0)))
    cover = world.scenario.levers.green_finance.guarantee_cover
    assert cost["guarantee"] > 0
    assert cost["guarantee"] == pytest.approx(cover * (cost["guarantee"] + lost["scheme"]), rel=1e-9)
    assert world.series.defaults.sum() == world.firms.defaulted.sum()   # each defaulting firm counted once


@pytest.mark.parametrize("seed", range(3))
def test_consortium_loans_carry_their_default_risk(seed):
    """Consortium loans at the profile's default rate: losses are booked on the consortium, none without defaults."""
    base = scenario(**{**FINANCE, "green_finance_enabled": False, "months": 120, "seed": seed})
    losses = []
    for rate in (0.03, 0.0):
        world = build_world(base)
        world = dataclasses.replace(world, params=world.params._replace(default_hazard=monthly_hazard(rate)))
        simulate(world.firms, world.options, world.params, world.cost, world.series, world.bodies)
        assert (world.firms.loan_kind == FIN_CONSORTIUM).any()          # consortium loans were drawn
        losses.append(dict(zip(LENDERS, world.series.loan_losses.sum(axis=0)))["consortium"])
    assert losses[0] > 0
    assert losses[1] == 0


def test_scheme_rate_subsidy_is_paid_monthly_on_the_balance():
    world = build_world(scenario(**FINANCE))
    payments = []

    def check(month, before, after):
        expected = (before.loan * before.loan_subsidy / 12.0).sum(axis=1)
        payments.append((after.paid_rate_subsidy[after.status == ACTIVE].sum(),
                         expected[(after.status == ACTIVE) & (before.status == ACTIVE)].sum()))

    step_by_month(world, check)
    paid, expected = np.array(payments).T
    assert paid.sum() > 0
    np.testing.assert_allclose(paid, expected, rtol=1e-9, atol=1e-6)
    assert (world.firms.loan_subsidy[world.firms.loan_kind == FIN_SCHEME] > 0).all()


def test_plant_charges_above_the_margin_have_a_consequence():
    """A park plant charging more than a mill earns: the mill goes into arrears and closes, never silent negative cash."""
    world = build_world(load_scenario(f"{EXPERIMENTS}/taihu-park-committee.toml"))
    f = world.firms
    per_m3 = f.margin * f.revenue / f.water_use
    # the charge is twice the best margin per m3; penalties high enough that the plant keeps running
    p = world.params._replace(cp_opex_per_m3=2.0 * per_m3.max(), penalty=1e8)
    world = dataclasses.replace(world, params=p)
    simulate(world.firms, world.options, world.params, world.cost, world.series, world.bodies, first=1, last=24)
    members = f.member
    assert members.any()
    assert (f.status[members] == CLOSED).all()
    assert world.series.insolvencies[:25].sum() == members.sum()
    assert world.series.operating_common[1] > 0                      # the plant ran and charged them
    assert world.series.in_arrears[1:25].max() > 0                 # in arrears first, then closed
