"""The monthly step over all firms, compiled: loops that call ``rules`` only.

``step_month`` is the whole synchronous month: cluster signals from last
month's state, every firm's decision, park plots and exits, vendor
allocation, adoptions, the collective bodies' month, then the outcome row.
It is written, with the list of phases both engines follow, in
:mod:`adoptsim.rules.schedule` (re-exported here); ``simulate`` runs it for
a range of months. The Mesa path in ``model.py`` loops over the same
:data:`~adoptsim.rules.schedule.PHASES` with per-agent Python calls.
"""

from __future__ import annotations

from numba import njit

from .rules.schedule import step_month, water_cost_before
from .state import ClusterCosts, Options, Params, Series, new_work

__all__ = ["simulate", "step_month", "water_cost_before"]


@njit(cache=True)
def _simulate(firms, bodies, opts: Options, p: Params, cost: ClusterCosts, out: Series, first: int, last: int) -> None:
    """Months ``first``..``last`` in one compiled call, with one working memory (the first month takes its census)."""
    work = new_work(firms.shape[0], p.n_localities)
    for month in range(first, last + 1):
        step_month(month, firms, bodies, opts, p, cost, out, work)


def simulate(firms, opts: Options, p: Params, cost: ClusterCosts, out: Series, bodies=None, first: int = 1,
             last: int | None = None) -> None:
    """Run months ``first``..``last`` (default 1..p.months; row ``first - 1`` must already be recorded).

    ``bodies`` are the collective bodies of :func:`adoptsim.population.build_world`;
    when omitted they are rebuilt from the firms (the same initial state, so only
    valid with ``first = 1``). A run split into consecutive ranges equals one run: each call counts the firm
    table afresh for its first month's signals (the firms may have been changed between calls) and carries the
    census the record pass takes from month to month after that.
    """
    if bodies is None:
        if first != 1:
            raise ValueError("bodies are needed to continue a run (first > 1)")
        from .population import build_bodies

        bodies = build_bodies(firms, p)
    _simulate(firms, bodies, opts, p, cost, out, first, p.months if last is None else last)
