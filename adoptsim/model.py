"""AdoptionModel: a Mesa model whose firms run on shared arrays.

``AdoptionModel()`` builds the default scenario; any scenario value can be
passed as a flat keyword (``capex_subsidy_share=0.3``, ``q_imitation=0.2``;
see :func:`adoptsim.scenario.flat_keys`), so ``mesa.batch_run`` varies them
directly. ``engine="numba"`` steps all firms with the compiled kernel;
``engine="agents"`` steps each :class:`~adoptsim.agents.Firm` through the same
rules in Python. Both follow :data:`adoptsim.rules.schedule.PHASES` and give
identical trajectories for the same seed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from copy import deepcopy
from functools import partial
from pathlib import Path
from typing import Any, Literal

import mesa
from mesa.agentset import AgentSet
import numpy as np

from . import kernel
from .agents import Body, Firm
from .outcomes import series_columns
from .population import build_world
from .rules.schedule import PHASES
from .scenario import Scenario, default_scenario, load_scenario, with_overrides

Engine = Literal["numba", "agents"]

#: DataCollector names kept from earlier versions, and the outcome column each reports.
ALIASES: dict[str, str] = {
    "adoption_share": "share_adopted",
    "aware_share": "share_aware",
    "public_cost": "public_cost_cumulative",
}


def seed_from(rng: Any) -> int | None:
    """The scenario seed for Mesa's ``rng`` argument.

    An int is the seed itself. A :class:`numpy.random.Generator` (or a
    BitGenerator / SeedSequence) gives one integer drawn from it, so a
    generator in a given state always gives the same run, and models made
    one after another from one generator are different replicates.
    """
    if rng is None:
        return None
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return int(rng)
    try:
        generator = np.random.default_rng(rng)
    except TypeError as e:
        raise TypeError(f"rng must be an int or a numpy Generator, not {type(rng).__name__}") from e
    return int(generator.integers(2**63))


def _outcome(model: "AdoptionModel", column: str) -> float | int:
    return model.outcome(column)


def _is_outcome(reporter: Any) -> bool:
    return isinstance(reporter, partial) and reporter.func is _outcome


class Collector(mesa.DataCollector):
    """Mesa's DataCollector, where agent reporters report the firms (one row per firm per month).

    Bodies are reported with ``agenttype_reporters={Body: {...}}``, as in Mesa.
    """

    def _record_agents(self, model: "AdoptionModel"):
        reporters = tuple(self.agent_reporters.values())
        immutable = (str, int, bool, float, tuple)

        def report(agent):
            values = (r(agent) for r in reporters)
            return (model.time, agent.unique_id, *(v if isinstance(v, immutable) else deepcopy(v) for v in values))

        return map(report, model.firm_agents)


class AdoptionModel(mesa.Model):
    """Cleaner-production adoption in one MSME cluster, one step per month.

    Parameters
    ----------
    config : Scenario, path or None
        The scenario (a validated :class:`Scenario`, a TOML path, or None for
        the built-in default).
    engine : {"numba", "agents"}
        Compiled whole-cluster step, or the readable per-agent path.
    shuffle : bool
        Agents engine only: activate firms in random order each month (the
        result is the same; tests use this to prove order independence).
    rng : int or numpy.random.Generator, optional
        Mesa's seed argument; when given it replaces the scenario's seed, so
        ``mesa.batch_run(..., rng=[1, 2, 3])`` replicates runs. A Generator
        gives the seed ``int(rng.integers(2**63))`` (see :func:`seed_from`).
    reporters : iterable of str, optional
        Outcome columns the DataCollector collects (names of the run's table,
        :func:`adoptsim.outcomes.series_columns`, or of :data:`ALIASES`);
        default the class attribute ``reporters``, and when that is None every
        column plus the aliases. They are read from the table at the current
        month, so they cost little.
    model_reporters, agent_reporters : dict, optional
        Further Mesa reporters. Agent reporters report every firm, e.g.
        ``agent_reporters={"cash": "cash"}``.
    scenario : ignored
        Mesa's own scenario object, which SolaraViz passes when it rebuilds a
        model on Reset; adoptsim's scenario is ``config`` (``self.config``).
    **overrides
        Flat scenario values, e.g. ``n_firms=500, capex_subsidy_share=0.3``.

    Hooks
    -----
    ``firm_class`` (and ``body_class``) name the agent class built for each
    record: ``class MyModel(AdoptionModel): firm_class = MyFirm`` with
    ``MyFirm(Firm)`` overriding ``decide``, ``move`` or ``install`` changes
    behaviour under ``engine="agents"``. The numba kernel runs the rules in
    :mod:`adoptsim.rules` and cannot see Python methods, so such a class with
    ``engine="numba"`` is refused (ValueError); a subclass that only adds
    attributes works under both engines.

    Stepping
    --------
    Every month is one Mesa step (``model.steps == model.month`` under
    ``step()``, ``run()`` and ``batch_run``). With the numba engine, ``run()``
    runs the remaining months in one compiled call when every model reporter
    is an outcome column (they are filled from the table); with any other
    model reporter or any agent reporter it steps month by month, so each
    reporter sees that month's state.
    """

    firm_class: type[Firm] = Firm
    body_class: type[Body] = Body
    reporters: tuple[str, ...] | None = None

    def __init__(self, config: Scenario | str | Path | None = None, *, engine: Engine = "numba",
                 shuffle: bool = False, rng: Any = None, reporters: Iterable[str] | None = None,
                 model_reporters: Mapping[str, Any] | None = None, agent_reporters: Mapping[str, Any] | None = None,
                 scenario: Any = None, **overrides: Any) -> None:
        scenario = config if isinstance(config, Scenario) else (
            load_scenario(config) if config is not None else default_scenario())
        seed = seed_from(rng)
        if seed is not None:
            overrides["seed"] = seed
        if overrides:
            scenario = with_overrides(scenario, **overrides)
        super().__init__(rng=scenario.seed)
        if engine not in ("numba", "agents"):
            raise ValueError(f"engine must be 'numba' or 'agents', not {engine!r}")
        self._check_agent_classes(engine)
        self.config = scenario
        self.engine = engine
        self.shuffle = shuffle
        world = build_world(scenario)
        self.profile = world.profile
        self.firms, self.options, self.params = world.firms, world.options, world.params
        self.bodies = world.bodies
        self._cost, self.series = world.cost, world.series
        self.month = 0         # the month the Mesa face shows
        self._done = 0         # the last month the engines have run (row recorded in ``series``)
        self._table: tuple[int, dict[str, np.ndarray]] | None = None
        self._replayed: list[float] | None = None
        self.signals = None
        self.firm_agents = AgentSet([self.firm_class(self, row) for row in range(self.firms.shape[0])],
                                         random=self.random)
        self.body_agents = AgentSet([self.body_class(self, row) for row in range(self.bodies.shape[0])],
                                         random=self.random)
        f = self.firms
        self._group_sizes = (np.bincount(f.sector, minlength=len(self.profile.sectors)),
                             np.bincount(f.size_class, minlength=3),
                             np.bincount(f.member.astype(np.int64), minlength=2))
        names = self.reporters if reporters is None else tuple(reporters)
        self.datacollector = Collector(
            model_reporters={**self.outcome_reporters(names), **(model_reporters or {})},
            agent_reporters=agent_reporters)
        self.datacollector.collect(self)

    def _check_agent_classes(self, engine: str) -> None:
        for cls, base, kind in ((self.firm_class, Firm, "firms"), (self.body_class, Body, "bodies")):
            if not (isinstance(cls, type) and issubclass(cls, base)):
                raise TypeError(f"{kind[:-1]}_class must be a subclass of {base.__name__}, not {cls!r}")
            if engine != "numba":
                continue
            actions = sorted({ph.agent_method for ph in PHASES if ph.agents == kind})
            changed = [a for a in actions if getattr(cls, a) is not getattr(base, a)]
            if changed:
                raise ValueError(
                    f"{cls.__name__} overrides {', '.join(changed)}: a custom {base.__name__} only acts under "
                    f"engine='agents' (the numba kernel runs adoptsim.rules and would ignore it)")

    # -- stepping ------------------------------------------------------------
    def step(self) -> None:
        """Advance one month: the phases of :data:`~adoptsim.rules.schedule.PHASES`, then collect."""
        if self.month >= self.config.months:
            self.running = False
            return
        self.month += 1
        if self.month > self._done:
            self._advance()
        if self._replayed is not None:  # run(): the DataCollector is filled from the table afterwards
            self._replayed.append(self.time)
        else:
            self.datacollector.collect(self)
        if self.month >= self.config.months:
            self.running = False

    def _advance(self) -> None:
        """Run month ``self.month`` on the chosen engine."""
        m, p = self.month, self.params
        if self.engine == "numba":
            kernel.simulate(self.firms, self.options, p, self._cost, self.series, self.bodies, first=m, last=m)
        else:
            args = (m, self.firms, self.bodies, self.options, p, self._cost, self.series)
            groups = {"firms": self.firm_agents, "bodies": self.body_agents}
            for phase in PHASES:
                if phase.guard is not None and not phase.guard(p):
                    continue
                if phase.cluster_fn is not None:
                    value = phase.cluster_fn(*args)
                    if value is not None:  # the month's signals, read by Firm.decide
                        self.signals = value
                if phase.agents:
                    group = groups[phase.agents]
                    (group.shuffle_do if self.shuffle else group.do)(phase.agent_method)
        self._done = m

    def needs_monthly_state(self) -> bool:
        """Whether some reporter reads more than the outcome table (so ``run()`` must step month by month)."""
        dc = self.datacollector
        return bool(dc.agent_reporters or getattr(dc, "agenttype_reporters", None)
                    or not all(_is_outcome(r) for r in dc.model_reporters.values()))

    def run(self) -> "AdoptionModel":
        """Run to the scenario's horizon (see Stepping in the class docstring)."""
        if self.engine == "numba" and self.running and self.month == self._done and not self.needs_monthly_state():
            kernel.simulate(self.firms, self.options, self.params, self._cost, self.series, self.bodies,
                            first=self._done + 1, last=self.config.months)
            self._done = self.config.months
            first, self._replayed = self.month + 1, []
            try:
                while self.running:
                    self.step()  # Mesa's step: steps, time and scheduled events advance month by month
            finally:
                times, self._replayed = self._replayed, None
            self._fill(first, times)
        else:
            while self.running:
                self.step()
        return self

    def _fill(self, first: int, times: list[float]) -> None:
        """Append months ``first``.. (collected at Mesa ``times``) of the outcome reporters in one go."""
        if not times:
            return
        dc, table = self.datacollector, self._columns()
        rows = slice(first, first + len(times))
        for name, reporter in dc.model_reporters.items():
            dc.model_vars[name].extend(table[reporter.keywords["column"]][rows].tolist())
        if dc.model_reporters and hasattr(dc, "_collection_steps"):
            dc._collection_steps.extend(times)

    # -- reporters -----------------------------------------------------------
    def outcome_reporters(self, names: Iterable[str] | None = None) -> dict[str, partial]:
        """DataCollector model reporters for outcome columns (None: every column, and the aliases)."""
        table = self._columns()
        if names is None:
            names = [*ALIASES, *(c for c in table if c not in ALIASES)]
        out = {}
        for name in names:
            column = ALIASES.get(name, name)
            if column not in table:
                raise KeyError(f"{name}: not an outcome column (see adoptsim.outcomes.series_columns)")
            out[name] = partial(_outcome, column=column)
        return out

    def outcome(self, column: str) -> float | int:
        """Outcome ``column`` of the run's table at the current month, e.g. ``model.outcome("firms_compliant")``."""
        return self._columns()[ALIASES.get(column, column)][self.month].item()

    def _columns(self) -> dict[str, np.ndarray]:
        """The run's outcome table; recomputed only after the engines recorded a new month."""
        if self._table is None or self._table[0] != self._done:
            self._table = (self._done, series_columns(self.series, self.profile, self.n_firms, *self._group_sizes))
        return self._table[1]

    @property
    def n_firms(self) -> int:
        return int(self.firms.shape[0])

    @property
    def adoption_share(self) -> float:
        return float(self.series.adopters[self.month] / self.n_firms)

    @property
    def aware_share(self) -> float:
        return float(self.series.aware[self.month] / self.n_firms)

    @property
    def water_saved(self) -> float:
        return float(self.series.water_saved[self.month])

    @property
    def public_cost(self) -> float:
        """Cumulative public cost to date (currency)."""
        return float(np.sum(self.series.public_cost[: self.month + 1]))

