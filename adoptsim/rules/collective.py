r"""Collective action: idle treatment, common plants, leaving the site.

The rules, each for one entity, written once and run by both engines.

**Operate or idle** (every installed unit, every month). Unit *k* of firm *i*
runs when its yearly value of running is not negative:

.. math::

    V_{ik} = s_k w_i + \sigma_k w_i c_w
             + \mathbb 1_{op}\,[\Pi_i(L^{-k}) - \Pi_i(L^{+k})]
             + [\Pi^c_i(\ell^{-k}) - \Pi^c_i(\ell^{+k})]
             + e\,\pi\,x_i Y_i\,[\beta^{+k} - \beta^{-k}]

with operating cost :math:`-s_k w_i`, the extra value of water :math:`c_w`,
regulatory penalties :math:`\Pi` counted only when inspections check operation
(:math:`\mathbb 1_{op}`; presence checks cannot see an idle unit), committee
penalties :math:`\Pi^c` on the load sent to a common plant, and buyer value
(buyers audit operation). Units are decided in option order, each given the
others' decisions so far, so a redundant unit idles.

**Pledge** (member *i* of a body whose plant is proposed). Its share of the
cost net of the grant is :math:`q_i = \omega_i (C - G) + \omega_i L\rho T/24`
(:math:`\omega_i` by flow or equal), plus the connection fee. It pledges with
the logistic payback test on :math:`(q_i + \text{fee}) / ((1-\phi) V_i)` where
:math:`V_i` is the yearly value of connection (penalties and buyer value
avoided plus water, less the operating charge) and :math:`\phi` the free-riding
discount, if it can finance its upfront part
:math:`\omega_i (C - G - Z - L) + \text{fee}`.

**Build** (the body). With pledged cost share *S*, the plant is financed when
:math:`S (C-G) + G + Z + L \ge C`, i.e.
:math:`S \ge S^* = \max(\theta, 1 - (z + \ell)/(1 - g))`:
public co-finance (grant share *g*, interest-free share *z*) and the
consortium loan share :math:`\ell` lower the threshold. It is ready after the
construction delay; late joiners (free riders, and non-members under a
mandate) may apply at the same price. The plant runs when its connected
members' exposure to penalties and buyers exceeds its operating cost.

**Admit** (each built plant, at the end of every month). The plant is designed
for its members' flow when proposed, and takes no more: the month's applicants
(its founders in the month it is ready, late joiners afterwards) are queued
members first, then non-members, each in the order of a keyed random draw,
and admitted while their flow fits the capacity not yet committed; the others'
pledges are withdrawn, so they fall back on their own options (or, under a
mandate, another route). Admitted firms connect at the start of the next
month. A full plant takes no pledges (:func:`~adoptsim.rules.plant_terms.has_room`).
This is an assumption: the sources describe mills connected to a common plant,
not what a full one does. An operator that connects firms beyond capacity
treats only part of their effluent, so counting all of it as treated would
overstate what the plant achieves; refusing them keeps the count honest.

**Leave** (a firm whose survival choice, :mod:`adoptsim.rules.survival`, is
an exit): into the park if it was granted a plot, else its fallback (move
out or close). A mover takes its loans with it; a closing firm defaults.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .. import rng
from ..state import (ACTIVE, AWAY, CLOSED, EXIT_AWAY, EXIT_NONE, EXIT_PARK, FIN_NONE, FIN_PLANT, IN_PARK, NEVER,
                     PLANT_BUILDING, PLANT_BUILT, PLANT_FAILED, PLANT_PLEDGING, SLOT_PLANT_OWN, SLOT_PLANT_SHARE,
                     Options, Params)
from .cashbook import borrow, borrow_for, carry_out, default_loans, leave_site, settle
from .economics import (acceptance_probability, cash_payback, committee_penalty, credit_of, exit_threat,
                        expected_penalty, level_of)
from .finance import financing, interest
from .capacity import ranked
from .plant_terms import has_room, plant_loans, plant_terms
from .survival import relocation_costs


@njit(cache=True, inline="always")
def bodies_active(p: Params) -> bool:
    """Whether any body can propose or run a plant (else their monthly tally and step are skipped)."""
    return p.cp_enabled or p.common_plant_existing


@njit(cache=True, inline="always")
def exits_possible(p: Params) -> bool:
    """Whether a mandate's exit rule can ever apply (else park allotment and moving are skipped)."""
    return p.exit_month < NEVER


@njit(cache=True, inline="always")
def operate(f, month: int, opts: Options, p: Params, water_cost: float) -> None:
    """Decide which installed units run this month (writes ``f.operating``)."""
    on = np.int64(f.adopted)  # int64 throughout: mixing uint8 and int64 would make Numba use floats
    w = f.water_use
    buyer = p.buyer_platform_engaged_share * p.buyer_platform_pressure * f.export_share * f.revenue
    for k in range(len(opts.savings_per_m3)):
        if (on >> k) & 1 == 0:
            continue
        off = on & (255 ^ (1 << k))
        value = opts.savings_per_m3[k] * w
        if p.water_feedback:
            value += opts.water_saving[k] * w * water_cost
        if value >= 0.0:
            continue
        if p.inspect_operation:
            lo, hi = level_of(off, f, opts), level_of(on, f, opts)
            value += expected_penalty(lo, month, f.horizon, p) - expected_penalty(hi, month, f.horizon, p)
            value += exit_threat(f, lo, month, p) - exit_threat(f, hi, month, p)
        value += committee_penalty(f, off, opts, p) - committee_penalty(f, on, opts, p)
        value += buyer * (credit_of(on, opts) - credit_of(off, opts))
        if value < 0.0:
            on = off
    f.operating = on


@njit(cache=True, inline="always")
def connection_value(f, month: int, opts: Options, p: Params, water_cost: float) -> float:
    """Yearly value to the firm of being connected to a running common plant."""
    level = level_of(f.adopted, f, opts)
    new = max(level, p.cp_level)
    value = expected_penalty(level, month, f.horizon, p) - expected_penalty(new, month, f.horizon, p)
    value += exit_threat(f, level, month, p) - exit_threat(f, new, month, p)
    gain = p.cp_buyer_credit - credit_of(f.adopted, opts)
    if gain > 0.0:
        value += p.buyer_platform_engaged_share * p.buyer_platform_pressure * f.export_share * f.revenue * gain
    value -= p.cp_opex_per_m3 * f.water_use
    if p.water_feedback:
        value += p.cp_recovered * f.water_use * water_cost
    return value


@njit(cache=True, inline="always")
def consider_plant(f, key: int, b, month: int, opts: Options, p: Params, water_cost: float) -> None:
    """A member weighs pledging to its body's plant (proposed or being built) or, once built, connecting to it."""
    if b.state != PLANT_PLEDGING and b.state != PLANT_BUILDING and b.state != PLANT_BUILT:
        return
    if f.pledged or not has_room(f, b):
        return
    if not p.common_plant_organising and rng.draw(key, rng.PLEDGE_ATTEND) >= p.attention:
        return
    total, upfront = plant_terms(f, b, p)
    value = connection_value(f, month, opts, p, water_cost)
    if b.state == PLANT_PLEDGING:
        value *= 1.0 - p.free_riding  # it may get the plant anyway by joining late
    kind, loan, rate = financing(f, upfront, p)
    if kind == FIN_NONE:
        return
    # its own part now; the plant's loans (the rest of ``total``) and any loan for the own part repaid over the term
    repaid = total - upfront + loan + interest(loan, rate, p)
    payback = cash_payback(upfront - loan, repaid, p.loan_term, value, p.upfront_weight)
    accept = acceptance_probability(payback, f.horizon, p.decision_noise)
    if rng.draw(key, rng.PLEDGE) < accept:
        f.pledged = True


@njit(cache=True)
def connect(f, b, p: Params) -> None:
    """Connect a pledged firm to its built plant: it pays its upfront part and takes on its share of the plant's loans."""
    total, upfront = plant_terms(f, b, p)
    kind, loan, rate = financing(f, upfront, p)
    debt, blended, public = plant_loans(f, b, p)
    f.cf_capex += upfront + debt
    if kind != FIN_NONE:  # the rest comes out of cash (if it no longer can, into arrears)
        borrow_for(f, SLOT_PLANT_OWN, loan, kind, rate, p)
    borrow(f, SLOT_PLANT_SHARE, debt, FIN_PLANT, blended, public, 0.0, p)
    settle(f)
    f.spent += upfront + debt
    f.connected = True


@njit(cache=True)
def leave(f, p: Params) -> None:
    """Carry out this month's exit choice (after park plots were allotted)."""
    choice = f.exit_choice
    if choice == EXIT_NONE:
        return
    park, support, land, move = relocation_costs(f, p)
    if choice == EXIT_PARK or choice == EXIT_AWAY:
        cost = park if choice == EXIT_PARK else move
        kind, loan, rate = financing(f, cost, p)
        if kind == FIN_NONE:  # a fallback it cannot finance comes out of cash
            loan = 0.0
        f.cf_capex += cost
        f.cf_loans += loan
        f.borrowed += loan
        f.carried_out += loan
        carry_out(f)  # its loans go with it
        settle(f)
        f.spent += cost
        if choice == EXIT_PARK:
            f.paid_relocation = support
            f.paid_land = land
        leave_site(f, IN_PARK if choice == EXIT_PARK else AWAY)
    else:
        default_loans(f)
        leave_site(f, CLOSED)


@njit(cache=True, inline="always")
def plant_month(b, month: int, p: Params) -> None:
    """The body's month: propose, count pledges, finance and build, run or idle its plant.

    Reads the member tallies (``members``, ``pledged_flow``, ``pledgers``,
    ``connected_flow``, ``exposure``) written by :func:`adoptsim.rules.tally`.
    """
    b.paid_grant = 0.0
    b.paid_loan = 0.0
    b.paid_organising = 0.0
    if b.state == 0 and p.cp_enabled and month == p.common_plant_proposal_month and b.members > 0:
        b.state = PLANT_PLEDGING
        b.member_flow = b.flow_now
        b.capex = p.cp_capex_fixed + p.cp_capex_per_m3 * b.member_flow
        return
    if b.state == PLANT_PLEDGING:
        if p.common_plant_organising:
            b.paid_organising = p.common_plant_organising_cost_per_member * b.members
        if p.cp_by_flow:
            pledged = b.pledged_flow / b.member_flow if b.member_flow > 0.0 else 0.0
        else:
            pledged = b.pledgers / b.members if b.members > 0 else 0.0
        need = max(p.cp_min_share, 1.0 - (p.common_plant_interest_free_share + p.common_plant_consortium_share) / max(1e-12, 1.0 - p.common_plant_grant_share))
        if pledged >= need and b.pledgers > 0:
            b.state = PLANT_BUILDING
            b.ready_month = month + p.cp_build_months
            b.paid_grant = p.common_plant_grant_share * b.capex
            b.paid_loan = p.common_plant_interest_free_share * b.capex * p.bank_rate * p.loan_term / 24.0
        elif month >= p.common_plant_proposal_month + p.common_plant_pledge_months:
            b.state = PLANT_FAILED
        return
    if b.state == PLANT_BUILDING and month >= b.ready_month:
        b.state = PLANT_BUILT
        b.capacity = b.member_flow
    if b.state == PLANT_BUILT:
        b.operating = b.exposure >= p.cp_opex_per_m3 * b.connected_flow


@njit(cache=True, inline="always")
def applies(f, bodies) -> bool:
    """Whether firm ``f`` waits for its body's built plant to admit it (pledged, not yet connected)."""
    return f.status == ACTIVE and f.body >= 0 and f.pledged and not f.connected and bodies[f.body].state == PLANT_BUILT


@njit(cache=True)
def admit(bodies, firms, month: int, p: Params) -> None:
    """Each built plant admits this month's applicants while their flow fits its capacity; it refuses the rest.

    Reads the month's tally (``connected_flow``) and writes ``committed_flow``.
    The queue (members first, then by a draw keyed by firm and month) does not
    depend on firm order. A refused firm's pledge is withdrawn, and a
    non-member leaves the body it joined for the plant.
    """
    built = False
    for j in range(bodies.shape[0]):
        bodies[j].committed_flow = bodies[j].connected_flow
        built |= bodies[j].state == PLANT_BUILT
    if not built:  # nobody can apply: skip the pass over the firms
        return
    n_req = 0
    for i in range(firms.shape[0]):
        if applies(firms[i], bodies):
            n_req += 1
    if n_req == 0:
        return
    req = np.empty(n_req, np.int64)
    keys = np.empty(n_req)
    ids = np.empty(n_req, np.int64)
    j = 0
    for i in range(firms.shape[0]):
        f = firms[i]
        if applies(f, bodies):
            req[j] = i
            ids[j] = f.id
            keys[j] = (0.0 if f.member else 1.0) + rng.draw(rng.stream(p.seed, f.id, month), rng.ADMIT)
            j += 1
    for j in ranked(keys, ids):
        f = firms[req[j]]
        b = bodies[f.body]
        if has_room(f, b):
            b.committed_flow += f.water_use
        else:
            f.pledged = False
            if not f.member:
                f.body = -1


@njit(cache=True, inline="always")
def idle_exposure(f, month: int, opts: Options, p: Params) -> float:
    """What an idle common plant risks per year for one connected member's effluent.

    The plant answers for all it discharges, so a member's own units are not
    counted (they idle behind a running plant): penalties and the mandate's
    exit threat (only when inspections check operation) and buyer value.
    """
    value = 0.0
    if p.inspect_operation:
        value += expected_penalty(0, month, f.horizon, p) - expected_penalty(p.cp_level, month, f.horizon, p)
        value += exit_threat(f, 0, month, p) - exit_threat(f, p.cp_level, month, p)
    gain = p.cp_buyer_credit - credit_of(f.operating, opts)
    if gain > 0.0:
        value += p.buyer_platform_engaged_share * p.buyer_platform_pressure * f.export_share * f.revenue * gain
    return value


@njit(cache=True)
def tally(bodies, firms, month: int, opts: Options, p: Params) -> None:
    """Count each body's members, pledges and connections (firm-index order, both engines)."""
    for j in range(bodies.shape[0]):
        b = bodies[j]
        b.members = 0
        b.flow_now = 0.0
        b.pledged_flow = 0.0
        b.pledgers = 0
        b.connected = 0
        b.connected_flow = 0.0
        b.exposure = 0.0
    for i in range(firms.shape[0]):
        f = firms[i]
        if f.body < 0 or f.status != ACTIVE:
            continue
        b = bodies[f.body]
        if f.member:  # a non-member that joined the plant counts in pledges and connections only
            b.members += 1
            b.flow_now += f.water_use
        if f.pledged:
            b.pledgers += 1
            b.pledged_flow += f.water_use
        if f.connected:
            b.connected += 1
            b.connected_flow += f.water_use
            b.exposure += idle_exposure(f, month, opts, p)
