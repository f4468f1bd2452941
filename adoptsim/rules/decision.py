"""One firm's month: keep its books, survive a mandate, hear, learn, weigh, ask a vendor; and the adoption itself.

Both functions take one firm's record ``f`` (a row of the firm table) and
write only that record.
"""

from __future__ import annotations

import math

from numba import njit

from .. import rng
from ..state import (ACTIVE, EXIT_NONE, FIN_NONE, FIN_OWN, PLANT_BUILDING, PLANT_BUILT, PLANT_PLEDGING, Cost, Options,
                     Params, Signals)
from .cashbook import borrow_for, month_book, open_book, settle
from .collective import connect, consider_plant, operate
from .economics import (acceptance_probability, annual_benefit, cash_payback, compliance_level, has, net_cost,
                        option_income)
from .finance import financing, interest
from .survival import ROUTE_PLANT, ROUTE_STAY, choose_route, take_route, under_notice


@njit(cache=True, inline="always")
def option_payback(f, k: int, month: int, opts: Options, p: Params, water_cost: float) -> tuple:
    """(payback in months as the firm weighs it, finance kind) of option k: its own outlay back from the savings
    net of repayments (:func:`~adoptsim.rules.economics.cash_payback`); FIN_NONE when it cannot be paid for."""
    net = net_cost(f, k, opts, p)[0]
    kind, loan, rate = financing(f, net, p, option_income(f, k, opts))
    if kind == FIN_NONE:
        return math.inf, kind
    benefit = annual_benefit(f, k, month, opts, p, water_cost)
    return cash_payback(net - loan, loan + interest(loan, rate, p), p.loan_term, benefit, p.upfront_weight), kind


@njit(cache=True, inline="always")
def learn(f, sig: Signals, here, opts: Options, p: Params, contacted: bool, visited: bool) -> None:
    """Update the firm's belief in each option from adopters, drop-outs, demonstrations and contacts.

    :math:`b_k \\leftarrow b_k + (1-b_k)(1-e^{-g_k})`, then :math:`b_k \\leftarrow b_k e^{-\\lambda_x x_k}`, with
    gain :math:`g_k = \\lambda_p \\phi_k + \\lambda_d D_k + \\lambda_c C + \\lambda_v V_k` and drop-out share :math:`x_k`.
    The peer signal of option k is the share of firms that installed it plus the spill-over share *s* of those
    that installed only other options, :math:`\\phi_k = a_k + s\\,(a - a_k)`, cluster-wide and local mixed by w.
    The cluster parts, :math:`e^{-\\lambda_p \\phi_k}` and :math:`e^{-\\lambda_x x_k}` per locality, are computed once a
    month (:func:`~adoptsim.rules.signals.cluster_signals`) into ``here``, the firm's locality row; the update is
    :math:`b_k \\leftarrow 1 - (1-b_k) e^{-g_k}`.
    """
    contact = math.exp(-p.outreach_business_case) if contacted else 1.0
    demo = 1.0
    if here.demo or (f.member and sig.member_demo):
        demo *= math.exp(-p.learn_demo)
    if visited:
        demo *= math.exp(-p.demonstration_visit_learning)
    for k in range(len(opts.capex_fixed)):
        keep = here.peer_keep[k] * contact
        if k == p.demo_option:
            keep *= demo
        f.belief[k] = (1.0 - (1.0 - f.belief[k]) * keep) * here.drop_keep[k]


@njit(cache=True, inline="always")
def home_of(f, n_bodies: int) -> int:
    """The body whose plant firm ``f`` can use: its own, or for a non-member its locality's."""
    return f.body if f.body >= 0 else min(f.locality, n_bodies - 1)


@njit(cache=True, inline="always")
def firm_month(f, month: int, opts: Options, p: Params, sig: Signals, here, b) -> None:
    """Advance firm ``f`` by one month up to its request for an installation.

    ``here`` is its locality's row of the month's signals, ``b`` the body of :func:`home_of` (records, so the
    compiled loop passes them without reference counting).

    Opens and keeps its cash book (``rules/cashbook.py``); writes ``aware``,
    ``belief``, ``contacted``, ``intent`` (chosen option or -1) and
    ``priority`` (vendor queue key); the collective layer (``operating``, plant
    connection and pledge) and, under a mandate, its survival choice
    (``exit_choice``). Reads its body's record (last month's state) but never
    writes it.
    """
    f.intent = -1
    f.spent = 0.0
    f.paid_relocation = 0.0
    f.paid_land = 0.0
    f.exit_choice = EXIT_NONE
    open_book(f)
    if f.status != ACTIVE:
        return
    key = rng.stream(p.seed, f.id, month)  # every draw below is keyed (seed, firm, month, purpose)
    if f.body >= 0:
        if f.pledged and not f.connected and b.state == PLANT_BUILT:  # admitted last month (rules.collective.admit)
            connect(f, b, p)
        running = f.connected and b.operating
        f.plant_level = p.cp_level if running else 0
        f.plant_removed = p.cp_removed if running else 0.0
        f.plant_recovered = p.cp_recovered if running else 0.0
    operate(f, month, opts, p, sig.water_cost)
    # regulators let a pledger wait for its plant: no closure, no fine
    waiting = f.pledged and not f.connected and (b.state == PLANT_PLEDGING or b.state == PLANT_BUILDING)
    month_book(f, key, month, opts, p, sig.water_cost, waiting)
    if f.status != ACTIVE:  # insolvent
        return

    if under_notice(f, month, opts, p):
        if waiting:
            return
        f.aware = True
        route, k = choose_route(f, b, month, opts, p, sig.water_cost)
        take_route(f, key, route, k, p)
        if route == ROUTE_PLANT:
            f.body = b.id  # a non-member joins its locality's plant (a built one admits it at the month's end)
        if route != ROUTE_STAY:
            return
    if f.body >= 0 and not f.connected:  # a late joiner's pledge to a built plant is its application
        consider_plant(f, key, b, month, opts, p, sig.water_cost)

    member = f.member
    contact_p = sig.outreach_member if member else sig.outreach_other
    contacted = contact_p > 0.0 and rng.draw(key, rng.OUTREACH) < contact_p
    f.contacted = contacted
    if contacted:
        f.reached = True
    visit_p = here.visit if here.demo else (sig.visit_member if member else sig.visit_other)
    visited = visit_p > 0.0 and rng.draw(key, rng.VISIT) < visit_p
    peer = (1.0 - p.locality_weight) * sig.share_all + p.locality_weight * here.share

    fined = f.cf_penalty > 0.0  # the inspector (or committee) names what would have passed
    weigh, compliance_only = True, False
    if not f.aware:
        hazard = p.p_innovation + p.q_imitation * peer
        if member:
            hazard += p.q_association * sig.share_members
        if contacted or visited or rng.draw(key, rng.AWARE) < 1.0 - math.exp(-hazard):
            f.aware = True
        else:  # still unaware: only a fine makes it weigh the options that would pass
            weigh, compliance_only = fined, True
    if f.aware:
        learn(f, sig, here, opts, p, contacted, visited)
        # a contact that brings a costed business case, or a demo visit, is an evaluation; otherwise inertia
        # decides, except that a fine prompts the firm to weigh the options that would raise its compliance
        prompted = (contacted and p.outreach_business_case > 0.0) or visited
        if not prompted and rng.draw(key, rng.ATTEND) >= p.attention:
            weigh, compliance_only = fined, True
    if weigh:  # one call site, so inlining it copies it once
        choose_option(f, key, month, opts, p, sig, compliance_only)


@njit(cache=True, inline="always")
def choose_option(f, key: int, month: int, opts: Options, p: Params, sig: Signals, compliance_only: bool) -> None:
    """Weigh every open option (or only those raising the firm's compliance level) and ask a vendor for the
    accepted one with the shortest payback (writes ``intent`` and ``priority``)."""
    level = compliance_level(f, opts)
    best = -1
    best_payback = math.inf
    for k in range(len(opts.capex_fixed)):
        if has(f, k) or opts.blocked[k] or (compliance_only and opts.compliance_level[k] <= level):
            continue
        payback, kind = option_payback(f, k, month, opts, p, sig.water_cost)
        if kind == FIN_NONE:
            continue
        accept = acceptance_probability(payback, f.horizon, p.decision_noise)
        if rng.draw(key, rng.ADOPT + k) < accept and payback < best_payback:
            best, best_payback = k, payback
    if best >= 0:
        f.intent = best
        f.priority = rng.draw(key, rng.PRIORITY)


@njit(cache=True, inline="always")
def adopt(f, k: int, opts: Options, p: Params) -> None:
    """Install option k at firm ``f``: pay from cash, borrow the rest, and book the public outlays on ``f``."""
    net, subsidy, rebate, reward = net_cost(f, k, opts, p)
    kind, loan, rate = financing(f, net, p, option_income(f, k, opts))
    f.cf_capex += net
    if kind != FIN_NONE and kind != FIN_OWN:
        borrow_for(f, k, loan, kind, rate, p)
    settle(f)
    f.adopted |= 1 << k
    f.operating |= 1 << k
    f.aware = True  # a fined firm may install what the inspector named before it heard of the options otherwise
    f.paid[Cost.SUBSIDY] = subsidy
    f.paid[Cost.TARIFF_REBATE] = rebate
    f.paid[Cost.RECOGNITION] = reward
    f.invested = net
