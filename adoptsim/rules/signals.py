"""Cluster signals: what every firm can observe at the start of a month."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..state import ACTIVE, CLOSED, LOCALITY_DTYPE, MAX_OPTIONS, Params, Signals


@njit(cache=True, inline="always")
def first_served(reach: float, n_first: int, n: int) -> tuple:
    """(probability for the first group, for the rest) when ``reach`` contacts go to the first group first."""
    c_first = min(1.0, reach / n_first) if n_first > 0 else 0.0
    spill = max(0.0, reach - n_first)
    c_rest = min(1.0, spill / (n - n_first)) if n > n_first else 0.0
    return c_first, c_rest


@njit(cache=True)
def cluster_signals(firms, p: Params, water_cost: float = 0.0, n_options: int = 1) -> tuple:
    """(:class:`~adoptsim.state.Signals`, locality table): adopter shares (all, members, per locality, per
    option), drop-outs, demo visibility and visits, outreach odds, water cost.

    The locality table has one :data:`~adoptsim.state.LOCALITY_DTYPE` row per locality (options beyond
    ``n_options`` stay at keep 1).

    Each running demonstration site hosts ``visits_per_month`` firms: its own locality's first; what the locality
    cannot absorb goes to association members in other localities first, then to the other firms.

    A drop-out of option k is a firm that installed it and left it idle, or closed. Computed from integer
    counts, so the result does not depend on firm order.
    """
    n = firms.shape[0]
    L = p.n_localities
    K = n_options
    local_n = np.zeros(L, np.int64)
    local_a = np.zeros(L, np.int64)
    local_k = np.zeros((L, K), np.int64)
    local_x = np.zeros((L, K), np.int64)
    local = np.zeros(L, LOCALITY_DTYPE)  # the locality table the firms read (share, demo, visit, keeps)
    local_mem = np.zeros(L, np.int64)
    local_sites = np.zeros(L, np.int64)
    n_adopt = 0
    n_mem = 0
    n_mem_adopt = 0
    member_demo = False
    for i in range(n):
        f = firms[i]
        loc = f.locality
        local_n[loc] += 1
        any_adopted = f.adopted != 0
        if any_adopted:
            n_adopt += 1
            local_a[loc] += 1
            for k in range(K):
                if (f.adopted >> k) & 1 == 1:
                    local_k[loc, k] += 1
                    if f.status == CLOSED or (f.status == ACTIVE and (f.operating >> k) & 1 == 0):
                        local_x[loc, k] += 1
        if f.member:
            n_mem += 1
            local_mem[loc] += 1
            if any_adopted:
                n_mem_adopt += 1
            if f.demo:
                member_demo = True
        if f.demo:
            local[loc].demo = True
            if f.status == ACTIVE:
                local_sites[loc] += 1
    for loc in range(L):
        here = local[loc]
        if local_n[loc] > 0:
            here.share = local_a[loc] / local_n[loc]
        for k in range(MAX_OPTIONS):
            here.peer_keep[k] = 1.0
            here.drop_keep[k] = 1.0
    share_all = n_adopt / n if n > 0 else 0.0
    # what each locality's firms learn of each option: its adopters (and, by the spill-over share, adopters of the
    # other options) and its drop-outs, cluster-wide and local mixed by the locality weight
    w, s = p.locality_weight, p.belief_spillover
    for k in range(K):
        total_k = 0
        total_x = 0
        for loc in range(L):
            total_k += local_k[loc, k]
            total_x += local_x[loc, k]
        wide_k = total_k / n if n > 0 else 0.0
        wide_x = total_x / n if n > 0 else 0.0
        for loc in range(L):
            own = local_k[loc, k] / local_n[loc] if local_n[loc] > 0 else 0.0
            dropped = local_x[loc, k] / local_n[loc] if local_n[loc] > 0 else 0.0
            peer = (1.0 - w) * (wide_k + s * (share_all - wide_k)) + w * (own + s * (local[loc].share - own))
            local[loc].peer_keep[k] = np.exp(-p.learn_peer * peer)
            local[loc].drop_keep[k] = np.exp(-p.learn_dropout * ((1.0 - w) * wide_x + w * dropped))
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
        visits = local_sites[loc] * p.demonstration_visits_per_month
        if local_sites[loc] > 0:
            local[loc].visit = min(1.0, visits / local_n[loc])
            spill += max(0.0, visits - local_n[loc])
        else:
            n_mem_out += local_mem[loc]
            n_out += local_n[loc]
    v_mem, v_other = first_served(spill, n_mem_out, n_out)
    return Signals(share_all, share_mem, member_demo, c_mem, c_other, water_cost, v_mem, v_other), local
