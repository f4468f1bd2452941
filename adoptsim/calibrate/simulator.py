"""The model as ABC sees it: parameters in, one number per target out.

:class:`Simulator` holds the configured scenarios (as plain dicts, so it
pickles cheaply to worker processes and Dask) and the statistics to read.
A call runs every scenario through the compiled kernel (no Mesa) up to the
last month any target needs and returns ``{target id: simulated value}``.

Seeds. Each evaluation's seed is a hash of the config seed, the scenario's
index, the replicate and the parameter values (as float64 bytes), so the same
parameters always give the same simulation, whichever process runs it and in
whatever order. A serial calibration (``workers=1``) with the same config is
therefore reproducible end to end; with parallel samplers the sequence of
proposals depends on timing, but every individual evaluation stays
reproducible.

Two parts of the design live here besides plain outcome columns:

* a selected sample (``volunteers``): the scenario's ``n_firms`` are the firms with
  the longest acceptable payback (horizon) of a pool of ``pool`` firms synthesised
  from the profile (:func:`volunteer_selector`), e.g. the audited Lahore firms that
  volunteered for the audit;
* pattern statistics (:data:`~.quantities.PATTERN_STATISTICS`): 1 when a run
  reproduces the pattern, else 0, so averaged over replicates the pass rate enters
  the distance like any other statistic (patterns inside the acceptance, not a filter
  afterwards).
"""

from __future__ import annotations

import hashlib
import math
import struct
from dataclasses import dataclass

import numpy as np

from ..validate.patterns import (FINANCE_ARM, MEMBER_RATIO, PRACTICE_LEAD, UPGRADE_SHARE, finance_helps_small,
                                 s_curve, shares_by_size, upgrade_option)
from .targets import COHORT, COUNT_COLUMNS, PATTERN_STATISTICS, Target


@dataclass(frozen=True)
class Statistic:
    """One target as the simulator reads it."""

    id: str
    scenario: str
    quantity: str
    month: int
    cohort_month: int | None = None
    n_observed: int | None = None  # population the observed count refers to (counts are rescaled)

    @classmethod
    def of(cls, target: Target) -> Statistic:
        return cls(target.id, target.scenario, target.quantity, int(target.month), target.cohort_month,
                   target.n_firms if target.quantity in COUNT_COLUMNS else None)


def evaluation_seed(base: int, salt: int, scenario_index: int, replicate: int, values: tuple[float, ...]) -> int:
    """A 63-bit seed from the config seed, a salt, the scenario, the replicate and the parameter values."""
    h = hashlib.blake2b(digest_size=8)
    h.update(struct.pack("<qqqq", base, salt, scenario_index, replicate))
    h.update(np.asarray(values, dtype="<f8").tobytes())
    return int.from_bytes(h.digest(), "little") & (2**63 - 1)


def volunteer_selector(n: int, by: str = "horizon"):
    """Indices of the ``n`` firms with the largest ``by`` trait (ties by firm id): a selected sample."""
    def select(firms: np.ndarray) -> np.ndarray:
        return np.lexsort((firms.id, -np.asarray(firms[by], float)))[:n]

    return select


def pattern_statistic(quantity: str, world, cols: dict, month: int) -> float:
    """1.0 if the run reproduces the pattern ``quantity`` names (by ``month``), else 0.0."""
    f = world.firms
    if quantity == "pattern_s_shaped":
        return float(s_curve(np.asarray(cols["share_adopted"][: month + 1], float))[0])
    if quantity == "pattern_members_adopt_more":
        adopted, other = f.adopted != 0, ~f.demo
        members, non = f.member & other, ~f.member & other
        if not members.any() or not non.any():
            return 0.0
        a, b = adopted[members].mean(), adopted[non].mean()
        return float(a > 0 and (b == 0 or a / b >= MEMBER_RATIO))
    if quantity == "pattern_practice_first":
        names = world.profile.option_names
        k0 = next(k for k, n in enumerate(names) if world.profile.technologies[n].kind == "practice")
        curves = np.array([np.asarray(cols[f"share_option_{n}"][: month + 1], float) for n in names])
        curves = curves - curves[:, :1]  # spread since month 0: demonstration pilots and the installed base excluded
        others = [k for k in range(len(names)) if k != k0]
        leads = bool(np.all(curves[k0][None, :] >= curves[others] - 1e-12))
        runner_up = max(float(curves[k, -1]) for k in others)
        return float(leads and curves[k0, -1] > 0 and curves[k0, -1] >= PRACTICE_LEAD * runner_up)
    if quantity == "pattern_upgrades_when_open":
        if any(world.options.blocked):
            raise ValueError("pattern_upgrades_when_open needs a scenario whose expansion rule allows new lines")
        name = world.profile.option_names[upgrade_option(world.profile)]
        return float(float(cols[f"share_option_{name}"][month]) >= UPGRADE_SHARE)
    raise KeyError(quantity)


def finance_contrast(scenario, world) -> float:
    """1.0 if pattern 4 holds in this replicate: the same scenario and seed with pattern 4's finance arm
    (a guarantee and consortium loans) adopt more than ``FINANCE_GAIN`` more among micro and small firms."""
    from ..kernel import simulate
    from ..population import build_world
    from ..scenario import with_overrides

    if any(getattr(world.params, k) for k in ("green_finance_enabled", "green_finance_consortium")):
        raise ValueError("pattern_finance_helps_small needs a scenario without green finance (it adds the arm)")
    arm = build_world(with_overrides(scenario, origin="pattern 4's finance arm", **FINANCE_ARM))
    simulate(arm.firms, arm.options, arm.params, arm.cost, arm.series, arm.bodies)
    with_, without = (shares_by_size(w.firms.adopted != 0, w.firms.size_class) for w in (arm, world))
    return float(finance_helps_small({z: with_[z] - without[z] for z in with_}))


def run_statistics(scenario, stats: list[Statistic], pool: int | None = None, by: str = "horizon"
                   ) -> dict[str, float]:
    """Simulate ``scenario`` (months already set) and read ``stats`` from it.

    ``pool``: simulate a selected sample, the ``n_firms`` firms with the largest ``by``
    of ``pool`` synthesised firms (:func:`volunteer_selector`).

    Plain quantities are read from the monthly outcome columns
    (:func:`adoptsim.outcomes.series_columns`) at their month. The cohort
    quantity ``cohort_share_adopted_among_reached`` needs the firm state: the
    kernel runs in consecutive ranges of months (``kernel.simulate(first=,
    last=)``: the same run), the set of firms reached by ``cohort_month`` is
    kept, and their adoption is read at ``month``.
    """
    from ..kernel import simulate
    from ..outcomes import series_columns
    from ..population import build_world

    if pool is not None:
        w = build_world(scenario, pool=pool, select=volunteer_selector(int(scenario.n_firms), by))
    else:
        w = build_world(scenario)
    f = w.firms
    cohort = [s for s in stats if s.quantity == COHORT]
    out: dict[str, float] = {}
    if not cohort:
        simulate(f, w.options, w.params, w.cost, w.series, w.bodies)
    else:
        masks: dict[int, np.ndarray] = {}
        need_mask = {s.cohort_month for s in cohort}
        read_at: dict[int, list[Statistic]] = {}
        for s in cohort:
            read_at.setdefault(s.month, []).append(s)

        def snapshot(month: int) -> None:
            if month in need_mask:
                masks[month] = f.reached.copy()
            for s in read_at.get(month, []):
                m = masks[s.cohort_month]
                n = int(m.sum())
                out[s.id] = float((f.adopted[m] != 0).sum()) / n if n else math.nan

        stops = sorted(need_mask | set(read_at) | {w.params.months})
        done = 0
        snapshot(0)
        for stop in stops:
            if stop > done:
                simulate(f, w.options, w.params, w.cost, w.series, w.bodies, first=done + 1, last=stop)
                done = stop
                snapshot(stop)
    sizes = (np.bincount(f.sector, minlength=len(w.profile.sectors)), np.bincount(f.size_class, minlength=3),
             np.bincount(f.member.astype(np.int64), minlength=2))
    cols = series_columns(w.series, w.profile, f.shape[0], *sizes)
    n_sim = f.shape[0]
    for s in stats:
        if s.quantity == COHORT:
            continue
        if s.quantity in PATTERN_STATISTICS:
            if s.month != w.params.months:
                raise ValueError(f"{s.id}: a pattern statistic is read at the end of the run (month "
                                 f"{w.params.months}), not at month {s.month}")
            out[s.id] = (finance_contrast(scenario, w) if s.quantity == "pattern_finance_helps_small"
                         else pattern_statistic(s.quantity, w, cols, s.month))
            continue
        value = float(cols[s.quantity][s.month])
        if s.n_observed and s.n_observed != n_sim:
            value *= s.n_observed / n_sim
        out[s.id] = value
    return out


class Simulator:
    """Picklable model function for pyabc: ``Simulator(...)(params) -> {target id: value}``."""

    def __init__(self, scenarios: dict[str, dict], stats: list[Statistic], seed: int, replicates: int = 1,
                 names: tuple[str, ...] = (), bounds: dict[str, tuple] | None = None,
                 volunteers: dict[str, tuple[int, str]] | None = None):
        self.scenarios = scenarios  # id -> Scenario.model_dump() with months set
        self.volunteers = dict(volunteers or {})  # id -> (pool, by): a selected sample
        self.stats = list(stats)
        self.seed = int(seed)
        self.replicates = int(replicates)
        self.names = tuple(names)
        self.bounds = dict(bounds or {})
        self._models = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_models"] = None
        return state

    def _scenario_models(self):
        if self._models is None:
            from ..scenario import Scenario

            self._models = {sid: Scenario.model_validate(d) for sid, d in self.scenarios.items()}
        return self._models

    def _behaviour(self, params) -> dict[str, float]:
        values = {}
        for name in self.names:
            # pyabc samples log-scale parameters as log_<name>; reports pass natural values
            v = float(params[name]) if name in params else math.exp(float(params[f"log_{name}"]))
            lo, hi = self.bounds.get(name, (None, None))
            if lo is not None:
                v = max(v, float(lo))  # only reachable in a prior's 1e-9 tails (checked when the config loads)
            if hi is not None:
                v = min(v, float(hi))
            values[name] = v
        return values

    def simulate(self, params, salt: int = 0) -> dict[str, float]:
        """All statistics for one parameter set (averaged over replicates)."""
        behaviour = self._behaviour(params)
        key = tuple(behaviour[n] for n in self.names)
        totals: dict[str, list[float]] = {s.id: [] for s in self.stats}
        for k, (sid, base) in enumerate(self._scenario_models().items()):
            stats = [s for s in self.stats if s.scenario == sid]
            if not stats:
                continue
            for r in range(self.replicates):
                seed = evaluation_seed(self.seed, salt, k, r, key)
                sc = base.model_copy(update={"seed": seed,
                                             "behaviour": base.behaviour.model_copy(update=behaviour)})
                pool, by = self.volunteers.get(sid, (None, "horizon"))
                for tid, value in run_statistics(sc, stats, pool, by).items():
                    totals[tid].append(value)
        return {tid: float(np.mean(v)) for tid, v in totals.items()}

    def __call__(self, params) -> dict[str, float]:
        return self.simulate(params)
