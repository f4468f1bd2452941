"""Vendor capacity: who gets an installation when demand exceeds supply."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..state import EXIT_PARK, IN_PARK


@njit(cache=True)
def ranked(keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Positions ranked by (key, id): a stable sort on the keys, equal keys (probability ~2**-53) by id."""
    order = np.argsort(keys, kind="mergesort")
    for a in range(1, keys.shape[0]):
        b = a
        while b > 0 and keys[order[b - 1]] == keys[order[b]] and ids[order[b - 1]] > ids[order[b]]:
            order[b - 1], order[b] = order[b], order[b - 1]
            b -= 1
    return order


@njit(cache=True)
def queue_order(firms, req) -> np.ndarray:
    """Positions into ``req`` (firm indices) ranked by the firms' (priority, id).

    Priorities are counter-based draws keyed by firm and month, so the queue
    does not depend on the order firms asked in.
    """
    n_req = req.shape[0]
    keys = np.empty(n_req)
    ids = np.empty(n_req, np.int64)
    for j in range(n_req):
        keys[j] = firms[req[j]].priority
        ids[j] = firms[req[j]].id
    return ranked(keys, ids)


@njit(cache=True)
def allocate(firms, capacity: float) -> int:
    """:func:`grant` among every firm that asked a vendor this month (``intent`` >= 0)."""
    n_req = 0
    for i in range(firms.shape[0]):
        if firms[i].intent >= 0:
            n_req += 1
    if n_req <= capacity:
        return n_req
    req = np.empty(n_req, np.int64)
    j = 0
    for i in range(firms.shape[0]):
        if firms[i].intent >= 0:
            req[j] = i
            j += 1
    return grant(firms, req, capacity)


@njit(cache=True)
def grant(firms, req: np.ndarray, capacity: float) -> int:
    """Keep the ``capacity`` requests (firm indices ``req``) with the lowest (priority, id); cancel the rest.

    The queue is :func:`queue_order`. Cancelled firms may ask again next
    month. Returns the number of installations granted.
    """
    n_req = req.shape[0]
    if n_req <= capacity:
        return n_req
    order = queue_order(firms, req)
    slots = int(capacity)
    for j in range(slots, n_req):
        firms[req[order[j]]].intent = -1
    return slots


@njit(cache=True)
def allot_plots(firms, slots: int) -> int:
    """Grant free park plots to the requests with the lowest (priority, id); the rest fall back.

    Requests are firms with ``exit_choice`` EXIT_PARK; a refused firm takes its
    ``exit_fallback`` (move out or close). Returns the plots granted.
    """
    n = firms.shape[0]
    used = 0
    n_req = 0
    for i in range(n):
        if firms[i].status == IN_PARK:
            used += 1
        if firms[i].exit_choice == EXIT_PARK:
            n_req += 1
    free = max(0, slots - used)
    if n_req <= free:
        return n_req
    req = np.empty(n_req, np.int64)
    j = 0
    for i in range(n):
        if firms[i].exit_choice == EXIT_PARK:
            req[j] = i
            j += 1
    order = queue_order(firms, req)
    for j in range(free, n_req):
        f = firms[req[order[j]]]
        f.exit_choice = f.exit_fallback
    return free
