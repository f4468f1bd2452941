"""Cluster signals: what every firm can observe at the start of a month."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..state import ACTIVE, CENSUS_DTYPE, CLOSED, LOCALITY_DTYPE, MAX_OPTIONS, Params, Signals


@njit(cache=True, inline="always")
def first_served(reach: float, n_first: int, n: int) -> tuple:
    """(probability for the first group, for the rest) when ``reach`` contacts go to the first group first."""
    c_first = min(1.0, reach / n_first) if n_first > 0 else 0.0
    spill = max(0.0, reach - n_first)
    c_rest = min(1.0, spill / (n - n_first)) if n > n_first else 0.0
    return c_first, c_rest


@njit(cache=True, inline="always")
def count_firm(c, f, n_options: int) -> None:
    """Add firm ``f`` to ``c``, its locality's row of the census (:data:`~adoptsim.state.CENSUS_DTYPE`)."""
    c.firms += 1
    any_adopted = f.adopted != 0
    if any_adopted:
        c.adopters += 1
        for k in range(n_options):
            if (f.adopted >> k) & 1 == 1:
                c.option[k] += 1
                if f.status == CLOSED or (f.status == ACTIVE and (f.operating >> k) & 1 == 0):
                    c.dropped[k] += 1
    if f.member:
        c.members += 1
        if any_adopted:
            c.member_adopters += 1
        if f.demo:
            c.member_demo = True
    if f.demo:
        c.demo = True
        if f.status == ACTIVE:
            c.sites += 1


@njit(cache=True)
def clear_census(census) -> None:
    """Zero every count of ``census``."""
    for loc in range(census.shape[0]):
        c = census[loc]
        c.firms = 0
        c.adopters = 0
        c.members = 0
        c.member_adopters = 0
        c.member_demo = False
        c.demo = False
        c.sites = 0
        c.option[:] = 0
        c.dropped[:] = 0


@njit(cache=True)
def take_census(firms, census, n_options: int) -> None:
    """Count the firm table as it stands into ``census`` (one row per locality), in one pass."""
    clear_census(census)
    for i in range(firms.shape[0]):
        f = firms[i]
        count_firm(census[f.locality], f, n_options)


@njit(cache=True)
def cluster_signals(firms, p: Params, water_cost: float = 0.0, n_options: int = 1) -> tuple:
    """(:class:`~adoptsim.state.Signals`, locality table) of the firm table as it stands: :func:`take_census`
    then :func:`census_signals`."""
    census = np.zeros(max(1, p.n_localities), CENSUS_DTYPE)
    take_census(firms, census, n_options)
    return census_signals(census, firms.shape[0], p, water_cost, n_options)


@njit(cache=True)
def census_signals(census, n: int, p: Params, water_cost: float, n_options: int) -> tuple:
    """(:class:`~adoptsim.state.Signals`, locality table) from the ``census`` of a cluster of ``n`` firms:
    adopter shares (all, members, per locality, per option), drop-outs, demo visibility and visits, outreach
    odds, water cost.

    The locality table has one :data:`~adoptsim.state.LOCALITY_DTYPE` row per locality (options beyond
    ``n_options`` stay at keep 1).

    Each running demonstration site hosts ``visits_per_month`` firms: its own locality's first; what the locality
    cannot absorb goes to association members in other localities first, then to the other firms.

    A drop-out of option k is a firm that installed it and left it idle, or closed. Computed from integer
    counts, so the result does not depend on firm order.
    """
    L = p.n_localities
    K = n_options
    local = np.zeros(L, LOCALITY_DTYPE)  # the locality table the firms read (share, demo, visit, keeps)
    n_adopt = 0
    n_mem = 0
    n_mem_adopt = 0
    member_demo = False
    for loc in range(L):
        c = census[loc]
        n_adopt += c.adopters
        n_mem += c.members
        n_mem_adopt += c.member_adopters
        member_demo = member_demo or c.member_demo
        here = local[loc]
        here.demo = c.demo
        if c.firms > 0:
            here.share = c.adopters / c.firms
        for k in range(MAX_OPTIONS):
            here.peer_keep[k] = 1.0
            here.drop_keep[k] = 1.0
    share_all = n_adopt / n if n > 0 else 0.0
    # what each locality's firms learn of each option: its adopters (and, by the spill-over share, adopters of the
    # other options) and its drop-outs, cluster-wide and local mixed by the locality weight
    w_local, s = p.locality_weight, p.belief_spillover
    for k in range(K):
        total_k = 0
        total_x = 0
        for loc in range(L):
            total_k += census[loc].option[k]
            total_x += census[loc].dropped[k]
        wide_k = total_k / n if n > 0 else 0.0
        wide_x = total_x / n if n > 0 else 0.0
        for loc in range(L):
            c = census[loc]
            own = c.option[k] / c.firms if c.firms > 0 else 0.0
            dropped = c.dropped[k] / c.firms if c.firms > 0 else 0.0
            peer = (1.0 - w_local) * (wide_k + s * (share_all - wide_k)) + w_local * (own + s * (local[loc].share - own))
            local[loc].peer_keep[k] = np.exp(-p.learn_peer * peer)
            local[loc].drop_keep[k] = np.exp(-p.learn_dropout * ((1.0 - w_local) * wide_x + w_local * dropped))
    share_mem = n_mem_adopt / n_mem if n_mem > 0 else 0.0
    reach = p.outreach_reach_per_month
    if p.outreach_by_association:  # members first; what the association cannot absorb goes to the rest
        c_mem, c_other = first_served(reach, n_mem, n)
    else:
        c_mem = min(1.0, reach / n) if n > 0 else 0.0
        c_other = c_mem
    # demo days: a site's neighbours first; the visits its locality cannot absorb go to members elsewhere, then the rest
    spill = 0.0
    n_mem_out = 0
    n_out = 0
    for loc in range(L):
        c = census[loc]
        visits = c.sites * p.demonstration_visits_per_month
        if c.sites > 0:
            local[loc].visit = min(1.0, visits / c.firms)
            spill += max(0.0, visits - c.firms)
        else:
            n_mem_out += c.members
            n_out += c.firms
    v_mem, v_other = first_served(spill, n_mem_out, n_out)
    return Signals(share_all, share_mem, member_demo, c_mem, c_other, water_cost, v_mem, v_other), local
