"""One firm's month: hear, learn, weigh, ask a vendor; and the adoption itself.

Both functions take one firm's record ``f`` (a row of the firm table) and
write only that record.
"""

from __future__ import annotations

import math

from numba import njit

from .. import rng
from ..state import (ACTIVE, EXIT_NONE, FIN_NONE, FIN_SCHEME, PLANT_BUILDING, PLANT_BUILT, PLANT_PLEDGING, Cost, Options,
                     Params, Signals)
from .collective import connect, consider_plant, exit_choice, operate
from .economics import acceptance_probability, annual_benefit, capex, has, level_of, payback_months, public_support
from .finance import financing, interest


@njit(cache=True, inline="always")
def option_cost(f, k: int, opts: Options, p: Params) -> tuple:
    """(total cost to the firm incl. interest, finance kind, loan, rate) of option k."""
    gross = capex(f, k, opts)
    subsidy, rebate, reward = public_support(gross, k, opts, p)
    net = max(0.0, gross - subsidy - rebate - reward)
    kind, loan, rate = financing(f, net, p)
    return net + interest(loan, rate, p), kind, loan, rate


@njit(cache=True, inline="always")
def realised_savings(f, opts: Options, p: Params, water_cost: float) -> float:
    """True net money savings per year of the firm's running options (and its common plant's charge)."""
    total = 0.0
    for k in range(len(opts.savings_per_m3)):
        if (f.operating >> k) & 1 == 1:
            total += opts.savings_per_m3[k] * f.water_use
            if p.water_feedback:
                total += opts.water_saving[k] * f.water_use * water_cost
    if f.plant_level > 0 or f.plant_removed > 0.0:  # connected to a running plant
        total -= p.cp_opex_per_m3 * f.water_use
        if p.water_feedback:
            total += f.plant_recovered * f.water_use * water_cost
    return total


@njit(cache=True, inline="always")
def firm_month(f, month: int, opts: Options, p: Params, sig: Signals, bodies) -> None:
    """Advance firm ``f`` by one month up to its request for an installation.

    Writes ``cash``, ``aware``, ``belief``, ``contacted``, ``intent`` (chosen
    option or -1) and ``priority`` (vendor queue key); the collective layer
    (``operating``, plant connection and pledge, ``exit_choice``). Reads its
    body's record (last month's state) but never writes it.
    """
    key = rng.stream(p.seed, f.id, month)  # every draw below is keyed (seed, firm, month, purpose)
    f.intent = -1
    f.spent = 0.0
    f.paid_relocation = 0.0
    f.paid_land = 0.0
    f.exit_choice = EXIT_NONE
    if f.status != ACTIVE:
        return
    b = bodies[max(f.body, 0)]
    if f.body >= 0:
        if f.pledged and not f.connected and b.state == PLANT_BUILT:
            connect(f, b, p)
        running = f.connected and b.operating
        f.plant_level = p.cp_level if running else 0
        f.plant_removed = p.cp_removed if running else 0.0
        f.plant_recovered = p.cp_recovered if running else 0.0
    operate(f, month, opts, p, sig.water_cost)
    if f.adopted or f.connected:
        f.cash += realised_savings(f, opts, p, sig.water_cost) / 12.0

    if p.mandate_level > 0 and month >= p.exit_month:
        if p.inspect_operation:
            seen = level_of(f.operating, f, opts)
        else:  # presence checks: installed units and a connection count, running or not
            seen = level_of(f.adopted, f, opts)
            if f.connected and p.cp_level > seen:
                seen = p.cp_level
        waiting = f.body >= 0 and f.pledged and not f.connected and (
            b.state == PLANT_PLEDGING or b.state == PLANT_BUILDING)
        if not waiting:
            exit_choice(f, key, month, opts, p, seen)
            if f.exit_choice != EXIT_NONE:
                return
    if f.body >= 0 and not f.connected:
        consider_plant(f, key, b, month, opts, p, sig.water_cost)
        if f.pledged and b.state == PLANT_BUILT:  # a late joiner connects at once
            connect(f, b, p)

    member = f.member
    contact_p = sig.outreach_member if member else sig.outreach_other
    contacted = contact_p > 0.0 and rng.draw(key, rng.OUTREACH) < contact_p
    f.contacted = contacted
    if contacted:
        f.reached = True
    loc = f.locality
    peer = (1.0 - p.locality_weight) * sig.share_all + p.locality_weight * sig.local_share[loc]

    if not f.aware:
        hazard = p.p_innovation + p.q_imitation * peer
        if member:
            hazard += p.q_association * sig.share_members
        if contacted or rng.draw(key, rng.AWARE) < 1.0 - math.exp(-hazard):
            f.aware = True
        else:
            return

    demo_seen = 1.0 if (sig.local_demo[loc] or (member and sig.member_demo)) else 0.0
    learning = p.learn_peer * peer + p.learn_demo * demo_seen + (p.outreach_business_case if contacted else 0.0)
    b = f.belief
    f.belief = b + (1.0 - b) * (1.0 - math.exp(-learning))

    # a contact that brings a costed business case is an evaluation; otherwise inertia decides
    prompted = contacted and p.outreach_business_case > 0.0
    if not prompted and rng.draw(key, rng.ATTEND) >= p.attention:
        return
    best = -1
    best_payback = math.inf
    for k in range(len(opts.capex_fixed)):
        if has(f, k) or opts.blocked[k]:
            continue
        cost, kind, loan, rate = option_cost(f, k, opts, p)
        if kind == FIN_NONE:
            continue
        payback = payback_months(cost, annual_benefit(f, k, month, opts, p, sig.water_cost))
        accept = acceptance_probability(payback, f.horizon, p.decision_noise)
        if rng.draw(key, rng.ADOPT + k) < accept and payback < best_payback:
            best, best_payback = k, payback
    if best >= 0:
        f.intent = best
        f.priority = rng.draw(key, rng.PRIORITY)


@njit(cache=True, inline="always")
def adopt(f, k: int, opts: Options, p: Params) -> None:
    """Install option k at firm ``f``: pay, borrow, and book the public outlays on ``f``."""
    gross = capex(f, k, opts)
    subsidy, rebate, reward = public_support(gross, k, opts, p)
    net = max(0.0, gross - subsidy - rebate - reward)
    kind, loan, rate = financing(f, net, p)
    f.cash -= net - loan
    f.adopted |= 1 << k
    f.operating |= 1 << k
    f.paid[:] = 0.0
    f.paid[Cost.SUBSIDY] = subsidy
    f.paid[Cost.TARIFF_REBATE] = rebate
    f.paid[Cost.RECOGNITION] = reward
    if kind >= FIN_SCHEME and p.green_finance_enabled:
        f.paid[Cost.RATE_SUBSIDY] = loan * (p.bank_rate - rate) * p.loan_term / 24.0
        if kind == FIN_SCHEME and not f.bank:
            f.paid[Cost.GUARANTEE] = loan * p.green_finance_guarantee_loss
    f.invested = net
