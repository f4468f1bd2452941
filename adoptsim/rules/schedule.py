"""The month's schedule, declared once: :data:`PHASES`, and the compiled month written from it.

A month is a fixed sequence of phases. Each phase may be switched off for the
whole run by a ``guard`` on the parameters (the exit and collective phases
cannot act in most scenarios, so both engines skip them); then a
whole-cluster function prepares it (the month's signals, park plots, the
vendor queue, the bodies' tallies, plant admissions, the outcome row); then every agent of one
kind acts through one method, which runs one per-agent rule.

Both engines read this module:

* the per-agent path (``AdoptionModel.step`` with ``engine="agents"``) loops
  over :data:`PHASES`: guard, ``cluster_fn``, then ``agent_method`` on every
  firm (or body), which calls ``rule.py_func``;
* the compiled path is :func:`step_month`, written right below in the same
  order (Numba cannot loop over a tuple of different functions).
  ``tests/test_mesa.py`` reads :func:`step_month`'s source and fails if its
  calls, and the guards around them, differ from :data:`PHASES`.

Every ``cluster_fn`` takes the same arguments,
``(month, firms, bodies, opts, p, cost, out)``, and returns ``None``, except
the first, whose :class:`~adoptsim.state.Signals` and locality table the firms
read this month (the per-agent path keeps the pair as ``model.signals``).

This module imports :mod:`adoptsim.record`, which imports ``adoptsim.rules``;
so ``rules/__init__`` does not import it (import ``adoptsim.rules.schedule``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, NamedTuple

from numba import njit

from ..record import record
from ..state import ClusterCosts, MonthWork, Options, Params, Series, Signals
from .capacity import allocate, allot_plots, grant
from .collective import admit, bodies_active, exits_possible, leave, plant_month, tally
from .decision import adopt, firm_month, home_of
from .signals import census_signals, cluster_signals, take_census


class Phase(NamedTuple):
    """One phase of the month.

    name : what happens, in a word.
    guard : compiled ``guard(p) -> bool``; the whole phase is skipped when it is False (None: always runs).
    cluster_fn : compiled ``(month, firms, bodies, opts, p, cost, out)``, run once before the agents act.
    agents : who acts after it: ``"firms"``, ``"bodies"`` or ``""`` (nobody).
    agent_method : the method of :class:`~adoptsim.agents.Firm` / :class:`~adoptsim.agents.Body` that acts.
    rule : the compiled per-agent rule that method runs (the body of the kernel's loop).
    """

    name: str
    guard: Callable | None
    cluster_fn: Callable | None
    agents: Literal["firms", "bodies", ""]
    agent_method: str
    rule: Callable | None


@njit(cache=True)
def water_cost_before(month: int, out: Series) -> float:
    """Extra supply cost per m3 at the start of ``month`` (from last month's drawdown)."""
    return out.water_cost[month - 1] if month >= 1 else 0.0


@njit(cache=True)
def month_signals(month: int, firms, bodies, opts: Options, p: Params, cost: ClusterCosts, out: Series,
                  work: MonthWork | None = None) -> tuple:
    """What every firm observes this month, from last month's state: (Signals, locality table).

    From the census in ``work`` when last month's record pass took it, else from a pass of its own.
    """
    K = len(opts.capex_fixed)
    if work is None:
        return cluster_signals(firms, p, water_cost_before(month, out), K)
    if work.census_month[0] != month - 1:
        take_census(firms, work.census, K)
        work.census_month[0] = month - 1
    return census_signals(work.census, firms.shape[0], p, water_cost_before(month, out), K)


@njit(cache=True)
def park_plots(month: int, firms, bodies, opts: Options, p: Params, cost: ClusterCosts, out: Series) -> None:
    """Allot this month's park plots among the firms that chose to move there."""
    allot_plots(firms, p.relocation_park_plots)


@njit(cache=True)
def vendor_queue(month: int, firms, bodies, opts: Options, p: Params, cost: ClusterCosts, out: Series,
                 work: MonthWork | None = None) -> None:
    """Grant this month's installation slots to the firms that asked a vendor (those ``work`` lists, if given)."""
    if work is None:
        allocate(firms, p.capacity)
    else:
        grant(firms, work.requests[:work.n_requests[0]], p.capacity)


@njit(cache=True)
def body_tallies(month: int, firms, bodies, opts: Options, p: Params, cost: ClusterCosts, out: Series) -> None:
    """Count each body's pledges and connections before the bodies act."""
    tally(bodies, firms, month, opts, p)


@njit(cache=True)
def plant_admissions(month: int, firms, bodies, opts: Options, p: Params, cost: ClusterCosts, out: Series) -> None:
    """Each built plant admits the month's applicants up to its capacity (they connect next month)."""
    admit(bodies, firms, month, p)


#: The month, in order. ``record`` writes outcome row ``month`` from the state the phases left.
PHASES: tuple[Phase, ...] = (
    Phase("decide", None, month_signals, "firms", "decide", firm_month),
    Phase("move", exits_possible, park_plots, "firms", "move", leave),
    Phase("install", None, vendor_queue, "firms", "install", adopt),
    Phase("bodies", bodies_active, body_tallies, "bodies", "step", plant_month),
    Phase("admit", bodies_active, plant_admissions, "", "", None),
    Phase("record", None, record, "", "", None),
)


@njit(cache=True)
def step_month(month: int, firms, bodies, opts: Options, p: Params, cost: ClusterCosts, out: Series,
               work: MonthWork) -> None:
    """:data:`PHASES` over every firm and body, compiled: advance one month and write outcome row ``month``.

    ``work`` (:func:`~adoptsim.state.new_work`) carries the census the record pass takes to the next month's
    signals and lists the month's vendor requests as the firms decide, so neither needs a pass over the firms.
    """
    n = firms.shape[0]
    sig, local = month_signals(month, firms, bodies, opts, p, cost, out, work)  # decide
    n_bodies = bodies.shape[0]
    requests = work.requests
    n_req = 0
    for i in range(n):
        f = firms[i]
        firm_month(f, month, opts, p, sig, local[f.locality], bodies[home_of(f, n_bodies)])
        if f.intent >= 0:
            requests[n_req] = i
            n_req += 1
    work.n_requests[0] = n_req
    if exits_possible(p):  # move
        park_plots(month, firms, bodies, opts, p, cost, out)
        for i in range(n):
            leave(firms[i], p)
    vendor_queue(month, firms, bodies, opts, p, cost, out, work)  # install
    for j in range(n_req):
        f = firms[requests[j]]
        if f.intent >= 0:
            adopt(f, f.intent, opts, p)
    if bodies_active(p):  # bodies
        body_tallies(month, firms, bodies, opts, p, cost, out)
        for j in range(bodies.shape[0]):
            plant_month(bodies[j], month, p)
    if bodies_active(p):  # admit
        plant_admissions(month, firms, bodies, opts, p, cost, out)
    record(month, firms, bodies, opts, p, cost, out, work)  # record
