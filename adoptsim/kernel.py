"""The monthly step over all firms, compiled: loops that call ``rules`` only.

``step_month`` is the whole synchronous month: cluster signals from last
month's state, every firm's decision, park plots and exits, vendor
allocation, adoptions, the collective bodies' month, then the outcome row.
``simulate`` runs it for every month. The Mesa path in ``model.py`` runs the
same phases with per-agent Python calls (firms and bodies are Mesa agents).
"""

from __future__ import annotations

from numba import njit

from .rules import (adopt, allocate, allot_plots, bodies_active, cluster_signals, exits_possible, firm_month, leave,
                    plant_month, tally)
from .record import record
from .state import Options, Params, Series


@njit(cache=True)
def water_cost_before(month: int, out: Series) -> float:
    """Extra supply cost per m3 at the start of ``month`` (from last month's drawdown)."""
    return out.water_cost[month - 1] if month >= 1 else 0.0


@njit(cache=True)
def step_month(month: int, firms, bodies, opts: Options, p: Params, cost: tuple, out: Series) -> None:
    """Advance every firm and body by one month and write outcome row ``month``."""
    sig = cluster_signals(firms, p, water_cost_before(month, out))
    n = firms.shape[0]
    for i in range(n):
        firm_month(firms[i], month, opts, p, sig, bodies)
    if exits_possible(p):
        allot_plots(firms, p.park_slots)
        for i in range(n):
            leave(firms[i], p)
    allocate(firms, p.capacity)
    for i in range(n):
        f = firms[i]
        if f.intent >= 0:
            adopt(f, f.intent, opts, p)
    if bodies_active(p):
        tally(bodies, firms, month, opts, p)
        for j in range(bodies.shape[0]):
            plant_month(bodies[j], month, p)
    record(month, firms, bodies, opts, p, cost, out)


@njit(cache=True)
def _simulate(firms, bodies, opts: Options, p: Params, cost: tuple, out: Series, first: int, last: int) -> None:
    for month in range(first, last + 1):
        step_month(month, firms, bodies, opts, p, cost, out)


def simulate(firms, opts: Options, p: Params, cost: tuple, out: Series, bodies=None, first: int = 1,
             last: int | None = None) -> None:
    """Run months ``first``..``last`` (default 1..p.months; row ``first - 1`` must already be recorded).

    ``bodies`` are the collective bodies of :func:`adoptsim.population.build_world`;
    when omitted they are rebuilt from the firms (the same initial state, so only
    valid with ``first = 1``). A run split into consecutive ranges equals one run.
    """
    if bodies is None:
        if first != 1:
            raise ValueError("bodies are needed to continue a run (first > 1)")
        from .population import build_bodies

        bodies = build_bodies(firms, p)
    _simulate(firms, bodies, opts, p, cost, out, first, p.months if last is None else last)
