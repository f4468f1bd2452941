r"""Survival under a mandate: a firm short of it weighs every way out, every month.

From the mandate's deadline, a firm whose installed units fall short of the
required level (and that is not waiting for a plant it pledged to) is under
notice: it evaluates every month, with no attention gate, and takes the
route of highest value over its own horizon :math:`h_i` (months), counting
only the cash it pays within that horizon:

.. math::

    V_r = h_i\,(\bar R_i + \Delta_r) - U_r - D_r(h_i)

with :math:`\bar R_i = \mu_i Y_i/12 + \text{savings}_i/12` its monthly
result, :math:`\Delta_r` the route's monthly change (running costs of the
new unit or the plant's charge, expected penalties at the level reached, a
margin lost away), :math:`U_r` what it pays from its own cash now and
:math:`D_r(h)` the debt service of the route's loans due within the horizon.
The routes:

* **stay** short of the mandate, only before closures begin: value up to
  the exit month, plus, with the legal uncertainty *u*, the chance the ruling
  falls and the firm keeps its margin beyond it;
* **comply alone**: install an option reaching the level (asks a vendor);
* **common plant**: pledge to, or join, its chapter's plant (proposed, being
  built or built, if it has room; a non-member pays the non-member fee): a
  pledger is not closed while its plant is pledged for or built, and a built
  plant admits it at the month's end if its flow still fits
  (:func:`~adoptsim.rules.collective.admit`);
* **park**, **move out** (losing ``away_margin_loss`` of its margin) and
  **close** (value 0), once closures have begun.

A route is open only if the firm can finance it (:func:`~adoptsim.rules.finance.financing`).
"""

from __future__ import annotations

from numba import njit

from .. import rng
from ..state import (EXIT_AWAY, EXIT_CLOSE, EXIT_NONE, EXIT_PARK, FIN_NONE, NEVER, PLANT_BUILDING, PLANT_BUILT,
                     PLANT_PLEDGING, Options, Params)
from .cashbook import running_savings
from .economics import expected_penalty, has, level_of, mandate_credence, net_cost, option_income
from .finance import financing
from .plant_terms import has_room, plant_loans, plant_terms

ROUTE_STAY, ROUTE_COMPLY, ROUTE_PLANT, ROUTE_PARK, ROUTE_AWAY, ROUTE_CLOSE = 0, 1, 2, 3, 4, 5


@njit(cache=True, inline="always")
def debt_within(loan: float, rate: float, horizon: float, p: Params) -> float:
    """Debt service of a new straight-line loan falling due within ``horizon`` months."""
    if loan <= 0.0:
        return 0.0
    m = min(horizon, p.loan_term)
    return loan * m / p.loan_term + loan * rate / 12.0 * (m - m * (m - 1.0) / (2.0 * p.loan_term))


@njit(cache=True, inline="always")
def relocation_costs(f, p: Params) -> tuple:
    """(net cost of a park plot to the firm, support paid, land subsidy paid, cost of moving out)."""
    move = p.move_fixed + p.move_cost_per_m3 * f.water_use
    support = p.relocation_support_share * move
    land = p.relocation_land_subsidy * p.park_land_cost
    park = move - support + p.park_land_cost - land + p.park_fee
    return park, support, land, move


@njit(cache=True, inline="always")
def plant_open(f, b, p: Params) -> bool:
    """Whether the body's plant takes the firm's pledge (it has room) and gives the mandated level."""
    return ((b.state == PLANT_PLEDGING or b.state == PLANT_BUILDING or b.state == PLANT_BUILT)
            and p.cp_level >= p.mandate_level and has_room(f, b))


@njit(cache=True, inline="always")
def route_value(months: float, monthly: float, cash_now: float, loan: float, rate: float, p: Params) -> float:
    """Value of a route over ``months``: its monthly result, less cash paid now and debt service due."""
    return months * monthly - cash_now - debt_within(loan, rate, months, p)


@njit(cache=True)
def choose_route(f, b, month: int, opts: Options, p: Params, water_cost: float) -> tuple:
    """(route, option) of highest value for a firm under notice; option is the one to install (or -1)."""
    h = f.horizon
    w = f.water_use
    margin = f.margin * f.revenue / 12.0
    base = margin + running_savings(f, opts, p, water_cost) / 12.0
    level = level_of(f.adopted, f, opts)
    closing = month >= p.exit_month
    best, best_k, best_v = ROUTE_CLOSE, -1, 0.0
    if not closing:
        open_months = h if p.exit_month >= NEVER else min(h, float(p.exit_month - month))
        stay = open_months * (base - expected_penalty(level, month, h, p) / 12.0)
        stay += (1.0 - mandate_credence(month, p)) * (h - open_months) * base
        best, best_v = ROUTE_STAY, stay
    for k in range(len(opts.capex_fixed)):
        if has(f, k) or opts.blocked[k] or opts.compliance_level[k] < p.mandate_level:
            continue
        net = net_cost(f, k, opts, p)[0]
        running = option_income(f, k, opts)
        kind, loan, rate = financing(f, net, p, running)
        if kind == FIN_NONE:
            continue
        new_level = max(level, opts.compliance_level[k])
        v = route_value(h, base + running - expected_penalty(new_level, month, h, p) / 12.0, net - loan, loan, rate, p)
        if v > best_v:
            best, best_k, best_v = ROUTE_COMPLY, k, v
    if plant_open(f, b, p) and not f.connected:  # a firm on an idle plant cannot join it again
        total, upfront = plant_terms(f, b, p)
        kind, loan, rate = financing(f, upfront, p)
        if kind != FIN_NONE:
            debt, blended, public = plant_loans(f, b, p)
            monthly = base - p.cp_opex_per_m3 * w / 12.0 - expected_penalty(max(level, p.cp_level), month, h, p) / 12.0
            v = route_value(h, monthly, upfront - loan, loan, rate, p) - debt_within(debt, blended, h, p)
            if v > best_v:
                best, best_k, best_v = ROUTE_PLANT, -1, v
    if closing:
        park, support, land, move = relocation_costs(f, p)
        if p.relocation_park_plots > 0:
            kind, loan, rate = financing(f, park, p)
            if kind != FIN_NONE:
                v = route_value(h, margin, park - loan, loan, rate, p)
                if v > best_v:
                    best, best_k, best_v = ROUTE_PARK, -1, v
        if p.relocation_out_of_cluster:
            kind, loan, rate = financing(f, move, p)
            if kind != FIN_NONE:
                v = route_value(h, (1.0 - p.relocation_away_margin_loss) * margin, move - loan, loan, rate, p)
                if v > best_v:
                    best, best_k, best_v = ROUTE_AWAY, -1, v
    return best, best_k


@njit(cache=True)
def exit_fallback(f, p: Params) -> int:
    """What a firm refused a park plot does: move out if allowed and it can finance the move, else close."""
    if p.relocation_out_of_cluster:
        move = relocation_costs(f, p)[3]
        if financing(f, move, p)[0] != FIN_NONE:
            return EXIT_AWAY
    return EXIT_CLOSE


@njit(cache=True)
def take_route(f, key: int, route: int, k: int, p: Params) -> None:
    """Act on a chosen route: ask a vendor, pledge, or choose an exit (carried out by ``leave``)."""
    f.exit_choice = EXIT_NONE
    if route == ROUTE_COMPLY:
        f.intent = k
        f.priority = rng.draw(key, rng.PRIORITY)
    elif route == ROUTE_PLANT:
        f.pledged = True
    elif route == ROUTE_PARK:
        f.exit_choice = EXIT_PARK
        f.exit_fallback = exit_fallback(f, p)
        f.priority = rng.draw(key, rng.EXIT_PRIORITY)
    elif route == ROUTE_AWAY:
        f.exit_choice = EXIT_AWAY
    elif route == ROUTE_CLOSE:
        f.exit_choice = EXIT_CLOSE


@njit(cache=True, inline="always")
def under_notice(f, month: int, opts: Options, p: Params) -> bool:
    """Past the deadline with installed units short of the mandate."""
    return p.mandate_level > 0 and month >= p.mandate_deadline_month and level_of(f.adopted, f, opts) < p.mandate_level


