"""AdoptionModel: a Mesa model whose firms run on shared arrays.

``AdoptionModel()`` builds the default scenario; any scenario value can be
passed as a flat keyword (``capex_subsidy_share=0.3``, ``q_imitation=0.2``;
see :func:`adoptsim.scenario.flat_keys`), so ``mesa.batch_run`` varies them
directly. ``engine="numba"`` steps all firms with the compiled kernel;
``engine="agents"`` steps each :class:`~adoptsim.agents.Firm` through the same
rules in Python. Both give identical trajectories for the same seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import mesa
import numpy as np

from . import kernel
from .agents import Body, Firm
from .population import build_world
from .rules import allocate, allot_plots, bodies_active, cluster_signals, exits_possible, tally
from .scenario import Scenario, default_scenario, load_scenario, with_overrides

Engine = Literal["numba", "agents"]


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
    rng : int, optional
        Mesa's seed argument; when given it replaces the scenario's seed, so
        ``mesa.batch_run(..., rng=[1, 2, 3])`` replicates runs.
    scenario : ignored
        Mesa's own scenario object, which SolaraViz passes when it rebuilds a
        model on Reset; adoptsim's scenario is ``config`` (``self.config``).
    **overrides
        Flat scenario values, e.g. ``n_firms=500, capex_subsidy_share=0.3``.
    """

    def __init__(self, config: Scenario | str | Path | None = None, *, engine: Engine = "numba",
                 shuffle: bool = False, rng: int | None = None, scenario: Any = None, **overrides: Any) -> None:
        scenario = config if isinstance(config, Scenario) else (
            load_scenario(config) if config is not None else default_scenario())
        if rng is not None:
            overrides["seed"] = int(rng)
        if overrides:
            scenario = with_overrides(scenario, **overrides)
        super().__init__(rng=scenario.seed)
        if engine not in ("numba", "agents"):
            raise ValueError(f"engine must be 'numba' or 'agents', not {engine!r}")
        self.config = scenario
        self.engine = engine
        self.shuffle = shuffle
        world = build_world(scenario)
        self.profile = world.profile
        self.firms, self.options, self.params = world.firms, world.options, world.params
        self.bodies = world.bodies
        self._cost, self.series = world.cost, world.series
        self.month = 0
        self.signals = None
        for row in range(self.firms.shape[0]):
            Firm(self, row)
        for row in range(self.bodies.shape[0]):
            Body(self, row)
        self.datacollector = mesa.DataCollector(model_reporters={
            "adoption_share": "adoption_share",
            "aware_share": "aware_share",
            "water_saved_m3_per_year": "water_saved",
            "public_cost": "public_cost",
        })
        self.datacollector.collect(self)

    # -- stepping ------------------------------------------------------------
    def step(self) -> None:
        """Advance one month."""
        if self.month >= self.config.months:
            self.running = False
            return
        self.month += 1
        if self.engine == "numba":
            kernel.step_month(self.month, self.firms, self.bodies, self.options, self.params, self._cost, self.series)
        else:
            p = self.params
            self.signals = cluster_signals(self.firms, p, kernel.water_cost_before(self.month, self.series))
            firms, bodies = self.agents_by_type[Firm], self.agents_by_type[Body]
            act = (lambda group, name: group.shuffle_do(name)) if self.shuffle else (lambda group, name: group.do(name))
            act(firms, "decide")
            if exits_possible(p):  # the kernel's phases, skipped under the same conditions
                allot_plots(self.firms, p.park_slots)
                act(firms, "move")
            allocate(self.firms, p.capacity)
            act(firms, "install")
            if bodies_active(p):
                tally(self.bodies, self.firms, self.month, self.options, p)
                act(bodies, "step")
            kernel.record(self.month, self.firms, self.bodies, self.options, p, self._cost, self.series)
        self.datacollector.collect(self)
        if self.month >= self.config.months:
            self.running = False

    def run(self) -> "AdoptionModel":
        """Run to the scenario's horizon (the kernel runs all months in one call)."""
        if self.engine == "numba" and self.month == 0:
            kernel.simulate(self.firms, self.options, self.params, self._cost, self.series, self.bodies)
            for month in range(1, self.config.months + 1):  # reporters read the series row of self.month
                self.month = month
                self.datacollector.collect(self)
            self.running = False
        else:
            while self.running:
                self.step()
        return self

    # -- reporters -----------------------------------------------------------
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
