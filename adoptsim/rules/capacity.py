"""Vendor capacity: who gets an installation when demand exceeds supply."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def allocate(intent: np.ndarray, priority: np.ndarray, firm_id: np.ndarray, capacity: float) -> int:
    """Keep the ``capacity`` requests with the lowest (priority, id); cancel the rest.

    Priorities are counter-based draws keyed by firm and month, so the queue
    does not depend on the order firms asked in. Cancelled firms may ask again
    next month. Returns the number of installations granted.
    """
    n_req = 0
    for i in range(intent.shape[0]):
        if intent[i] >= 0:
            n_req += 1
    if n_req <= capacity:
        return n_req
    slots = int(capacity)
    req = np.empty(n_req, np.int64)
    j = 0
    for i in range(intent.shape[0]):
        if intent[i] >= 0:
            req[j] = i
            j += 1
    # sort requests by (priority, id): lexsort-free, stable on id
    keys = np.empty(n_req)
    for j in range(n_req):
        keys[j] = priority[req[j]]
    order = np.argsort(keys, kind="mergesort")
    # ties in priority (probability ~2^-53) are broken by id via a stable pass
    ranked = req[order]
    for a in range(1, n_req):
        b = a
        while b > 0 and priority[ranked[b - 1]] == priority[ranked[b]] and firm_id[ranked[b - 1]] > firm_id[ranked[b]]:
            ranked[b - 1], ranked[b] = ranked[b], ranked[b - 1]
            b -= 1
    for j in range(slots, n_req):
        intent[ranked[j]] = -1
    return slots
