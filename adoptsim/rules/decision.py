"""One firm's month: hear, learn, weigh, ask a vendor; and the adoption itself."""

from __future__ import annotations

import math

from numba import njit

from .. import rng
from ..state import (FIN_NONE, FIN_SCHEME, O_GUARANTEE, O_PRIVATE, O_RATE, O_REWARD, O_SUBSIDY,
                     O_TARIFF, Firms, Options, Params, Signals)
from .economics import acceptance_probability, annual_benefit, capex, payback_months, public_support
from .finance import financing, interest


@njit(cache=True)
def option_cost(i: int, k: int, firms: Firms, opts: Options, p: Params) -> tuple:
    """(total cost to the firm incl. interest, finance kind, loan, rate) of option k."""
    gross = capex(i, k, firms, opts)
    subsidy, rebate, reward = public_support(gross, k, opts, p)
    net = max(0.0, gross - subsidy - rebate - reward)
    kind, loan, rate = financing(i, net, firms, p)
    return net + interest(loan, rate, p), kind, loan, rate


@njit(cache=True)
def realised_savings(i: int, firms: Firms, opts: Options) -> float:
    """True net money savings per year of the firm's adopted options."""
    total = 0.0
    for k in range(opts.savings_per_m3.shape[0]):
        if firms.adopted[i, k]:
            total += opts.savings_per_m3[k] * firms.water_use[i]
    return total


@njit(cache=True)
def firm_month(i: int, month: int, firms: Firms, opts: Options, p: Params, sig: Signals) -> None:
    """Advance firm i by one month up to its request for an installation.

    Writes only row i: ``cash``, ``aware``, ``belief``, ``contacted``,
    ``intent`` (chosen option or -1) and ``priority`` (vendor queue key).
    """
    fid = firms.id[i]
    firms.intent[i] = -1
    firms.priority[i] = rng.uniform(p.seed, fid, month, rng.PRIORITY)
    firms.cash[i] += realised_savings(i, firms, opts) / 12.0

    member = firms.member[i]
    contact_p = sig.outreach_member if member else sig.outreach_other
    contacted = rng.uniform(p.seed, fid, month, rng.OUTREACH) < contact_p
    firms.contacted[i] = contacted
    loc = firms.locality[i]
    peer = (1.0 - p.locality_weight) * sig.share_all + p.locality_weight * sig.local_share[loc]

    if not firms.aware[i]:
        hazard = p.p_innovation + p.q_imitation * peer
        if member:
            hazard += p.q_association * sig.share_members
        if contacted or rng.uniform(p.seed, fid, month, rng.AWARE) < 1.0 - math.exp(-hazard):
            firms.aware[i] = True
        else:
            return

    demo_seen = 1.0 if (sig.local_demo[loc] or (member and sig.member_demo)) else 0.0
    learning = p.learn_peer * peer + p.learn_demo * demo_seen + (p.business_case if contacted else 0.0)
    b = firms.belief[i]
    firms.belief[i] = b + (1.0 - b) * (1.0 - math.exp(-learning))

    if rng.uniform(p.seed, fid, month, rng.ATTEND) >= p.attention:
        return
    best = -1
    best_payback = math.inf
    for k in range(opts.capex_fixed.shape[0]):
        if firms.adopted[i, k] or opts.blocked[k]:
            continue
        cost, kind, loan, rate = option_cost(i, k, firms, opts, p)
        if kind == FIN_NONE:
            continue
        payback = payback_months(cost, annual_benefit(i, k, month, firms, opts, p))
        accept = acceptance_probability(payback, firms.horizon[i], p.decision_noise)
        if rng.uniform(p.seed, fid, month, rng.ADOPT + k) < accept and payback < best_payback:
            best, best_payback = k, payback
    firms.intent[i] = best


@njit(cache=True)
def adopt(i: int, k: int, firms: Firms, opts: Options, p: Params) -> None:
    """Install option k at firm i: pay, borrow, book public outlays in ``outlay[i]``."""
    gross = capex(i, k, firms, opts)
    subsidy, rebate, reward = public_support(gross, k, opts, p)
    net = max(0.0, gross - subsidy - rebate - reward)
    kind, loan, rate = financing(i, net, firms, p)
    firms.cash[i] -= net - loan
    firms.adopted[i, k] = True
    row = firms.outlay[i]
    row[O_SUBSIDY] = subsidy
    row[O_TARIFF] = rebate
    row[O_REWARD] = reward
    row[O_RATE] = 0.0
    row[O_GUARANTEE] = 0.0
    if kind >= FIN_SCHEME and p.gf_enabled:
        row[O_RATE] = loan * (p.bank_rate - rate) * p.loan_term / 24.0
        if kind == FIN_SCHEME and not firms.bank[i]:
            row[O_GUARANTEE] = loan * p.guarantee_loss
    row[O_PRIVATE] = net
