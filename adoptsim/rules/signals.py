"""Cluster signals: what every firm can observe at the start of a month."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..state import Params, Signals


@njit(cache=True)
def cluster_signals(firms, p: Params, water_cost: float = 0.0) -> Signals:
    """Adopter shares (all, members, per locality), demo visibility, outreach odds, water cost.

    Computed from integer counts, so the result does not depend on firm order.
    """
    n = firms.shape[0]
    L = p.n_localities
    local_n = np.zeros(L, np.int64)
    local_a = np.zeros(L, np.int64)
    local_demo = np.zeros(L, np.bool_)
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
        if f.member:
            n_mem += 1
            if any_adopted:
                n_mem_adopt += 1
            if f.demo:
                member_demo = True
        if f.demo:
            local_demo[loc] = True
    local_share = np.zeros(L)
    for loc in range(L):
        if local_n[loc] > 0:
            local_share[loc] = local_a[loc] / local_n[loc]
    share_all = n_adopt / n if n > 0 else 0.0
    share_mem = n_mem_adopt / n_mem if n_mem > 0 else 0.0
    reach = p.outreach_reach_per_month
    if p.outreach_by_association:
        # members first; what the association cannot absorb goes to the rest
        c_mem = min(1.0, reach / n_mem) if n_mem > 0 else 0.0
        spill = max(0.0, reach - n_mem)
        c_other = min(1.0, spill / (n - n_mem)) if n > n_mem else 0.0
    else:
        c_mem = min(1.0, reach / n) if n > 0 else 0.0
        c_other = c_mem
    return Signals(share_all, share_mem, local_share, local_demo, member_demo, c_mem, c_other, water_cost)
