"""pyabc wiring: prior, distance, threshold schedule, sampler, and a resumable run.

(Named ``abcsmc`` rather than ``abc`` so that running a file from this folder
can never shadow the standard library's ``abc`` module.)

* Prior: a :class:`pyabc.Distribution` of the config's parameters
  (:meth:`PriorSpec.pyabc_rv`); parameters with log-uniform or lognormal
  priors are sampled as ``log_<name>`` (the database holds log values under
  that name; ``posterior.csv`` and the reports are on the natural scale).
* Model: :class:`~adoptsim.calibrate.simulator.Simulator` (compiled kernel).
* Summary statistics: one per fitted target, the simulated quantity; the
  observed value is the midpoint of the target's interval.
* Distance: :class:`pyabc.PNormDistance` with fixed weights 1 / half-width
  (``distance = "pnorm"``), or pyabc's :class:`AdaptivePNormDistance`
  (``"adaptive"``: weights re-estimated each generation; then the threshold is
  no longer in half-widths).
* Proposal: pyabc's kernel (``transition``), optionally mixed with the prior
  (``prior_mixture``, :class:`~adoptsim.calibrate.proposal.PriorMixture`) so
  that importance weights stay bounded and the effective sample size with them.
* Threshold: the ``epsilon_quantile`` of the last generation's distances,
  never below ``minimum_epsilon`` (:class:`FloorQuantileEpsilon`), so the last
  generation runs at exactly the requested tolerance.
* Samplers: one process (``workers=1``), ``workers`` forked processes
  (:class:`pyabc.sampler.MulticoreEvalParallelSampler`), or Dask
  (:class:`pyabc.sampler.DaskDistributedSampler`; ``dask="local"`` starts a
  local cluster of ``workers`` processes, otherwise a scheduler address).
* History: a SQLite file. A run is continued with ``ABCSMC.load(db, id)``;
  generations keep counting from the last complete one.
"""

from __future__ import annotations

import logging
import math
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
from pyabc.epsilon import QuantileEpsilon

from .problem import Problem
from .proposal import PriorMixture

log = logging.getLogger("adoptsim.calibrate")


class FloorQuantileEpsilon(QuantileEpsilon):
    """pyabc's quantile threshold, clipped from below at ``floor``."""

    def __init__(self, floor: float, alpha: float = 0.5):
        super().__init__(alpha=alpha)
        self.floor = float(floor)

    def _update(self, t, weighted_distances):
        super()._update(t, weighted_distances)
        self._look_up[t] = max(self._look_up[t], self.floor)

    def get_config(self):
        config = super().get_config()
        config["floor"] = self.floor
        return config


def make_prior(problem: Problem) -> pyabc.Distribution:
    return pyabc.Distribution(**{spec.sampled_name(name): spec.pyabc_rv()
                                 for name, spec in problem.parameters.items()})


def make_distance(problem: Problem):
    abc = problem.config.config.abc
    if abc.distance == "adaptive":
        return pyabc.AdaptivePNormDistance(p=abc.p)
    return pyabc.PNormDistance(p=abc.p, fixed_weights=problem.weights)


def make_transition(problem: Problem):
    """pyabc's perturbation kernel, mixed with the prior when ``abc.prior_mixture`` > 0 (:mod:`.proposal`)."""
    abc = problem.config.config.abc
    if abc.transition == "local":
        kernel = pyabc.LocalTransition(scaling=abc.transition_scaling)
    else:
        kernel = pyabc.MultivariateNormalTransition(scaling=abc.transition_scaling)
    if abc.prior_mixture > 0.0:
        return PriorMixture(kernel, make_prior(problem), abc.prior_mixture)
    return kernel


@contextmanager
def make_sampler(workers: int = 1, dask: str | None = None):
    """Yield a pyabc sampler; close any Dask client or local cluster afterwards."""
    if dask:
        try:
            from distributed import Client, LocalCluster
        except ImportError as err:  # optional dependency
            raise RuntimeError("Dask support needs the 'dask' extra: pip install 'adoptsim[dask]'") from err
        cluster = None
        if dask == "local":
            cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(dask)
        try:
            # a few evaluations per task: each is ~10-50 ms, the round trip a few ms
            yield pyabc.sampler.DaskDistributedSampler(dask_client=client, batch_size=4)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    elif workers > 1:
        yield pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers, check_max_eval=True)
    else:
        yield pyabc.sampler.SingleCoreSampler(check_max_eval=True)


class _StopReason(logging.Handler):
    """Keeps pyabc's own words for why a run stopped ("Stop: Maximum walltime." ...)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.reason = ""

    def emit(self, record):
        msg = record.getMessage()
        if msg.startswith("Stop"):
            self.reason = msg.split(":", 1)[1].strip().rstrip(".").lower() if ":" in msg else msg


@contextmanager
def _pyabc_logging(progress: bool):
    """pyabc's per-generation log on stderr only when ``progress``; capture its stop reason either way."""
    logger = logging.getLogger("ABC")
    old_level = logger.level
    handlers = [(h, h.level) for h in logger.handlers]
    logger.setLevel(logging.INFO)
    for h, _ in handlers:
        h.setLevel(logging.INFO if progress else logging.WARNING)
    stop = _StopReason()
    logger.addHandler(stop)
    try:
        yield stop
    finally:
        logger.removeHandler(stop)
        logger.setLevel(old_level)
        for h, level in handlers:
            h.setLevel(level)


def db_url(path: Path) -> str:
    return "sqlite:///" + str(Path(path).resolve())


@dataclass
class RunInfo:
    run_id: int
    resumed: bool
    generations_before: int
    generations: int
    simulations: int          # evaluations (one = every scenario once per replicate) in this invocation
    scenario_runs: int        # kernel runs in this invocation
    seconds: float
    final_epsilon: float
    stopped: str

    @property
    def evaluations_per_second(self) -> float:
        return self.simulations / self.seconds if self.seconds > 0 else math.nan

    @property
    def scenario_runs_per_second(self) -> float:
        return self.scenario_runs / self.seconds if self.seconds > 0 else math.nan


def run_abc(problem: Problem, db: Path, run_id: int | None, workers: int = 1, dask: str | None = None,
            meta: dict | None = None, on_start=None, progress: bool = True) -> RunInfo:
    """Start a new run (``run_id=None``) or continue ``run_id`` in ``db`` up to the config's budget.

    ``on_start(run_id)`` is called once the run exists in the database, before any sampling.
    """
    cfg = problem.config.config
    abc_cfg = cfg.abc
    simulator = problem.simulator()
    scenario_runs_per_eval = len(simulator.scenarios) * abc_cfg.replicates
    np.random.seed(cfg.calibration.seed % 2**32)  # serial runs are reproducible (proposals use np.random)
    with _pyabc_logging(progress) as stop_log, make_sampler(workers, dask) as sampler:
        abc = pyabc.ABCSMC(
            simulator, make_prior(problem), make_distance(problem),
            population_size=abc_cfg.population_size, sampler=sampler, transitions=make_transition(problem),
            eps=FloorQuantileEpsilon(abc_cfg.minimum_epsilon, abc_cfg.epsilon_quantile),
        )
        url = db_url(db)
        if run_id is None:
            history = abc.new(url, problem.observed, meta_info=meta or {})
            resumed = False
        else:
            history = abc.load(url, run_id)
            resumed = True
        if on_start is not None:
            on_start(int(history.id))
        before = history.n_populations
        sims_before = history.total_nr_simulations if before else 0
        last_eps = _last_epsilon(history)
        remaining = abc_cfg.max_generations - before
        start = time.perf_counter()
        stopped = "budget already spent" if remaining <= 0 else ""
        if remaining > 0 and last_eps is not None and last_eps <= abc_cfg.minimum_epsilon:
            stopped, remaining = "minimum epsilon already reached", 0
        if remaining > 0:
            walltime = (timedelta(minutes=abc_cfg.max_walltime_minutes) if abc_cfg.max_walltime_minutes else None)
            history = abc.run(minimum_epsilon=abc_cfg.minimum_epsilon, max_nr_populations=remaining,
                              min_acceptance_rate=abc_cfg.min_acceptance_rate, max_walltime=walltime)
        seconds = time.perf_counter() - start
    after = history.n_populations
    sims = (history.total_nr_simulations if after else 0) - sims_before
    final = _last_epsilon(history)
    if not stopped:
        reason = stop_log.reason
        if reason == "sample not ok":
            reason = (f"a generation was abandoned: acceptance rate below {abc_cfg.min_acceptance_rate:g} "
                      f"(after {abc_cfg.population_size / abc_cfg.min_acceptance_rate:.0f} evaluations)")
        stopped = reason or "stopped"
    return RunInfo(int(history.id), resumed, before, after, int(sims), int(sims) * scenario_runs_per_eval,
                   seconds, math.nan if final is None else float(final), stopped)


def _last_epsilon(history) -> float | None:
    if history.n_populations == 0:
        return None
    pops = history.get_all_populations()
    pops = pops[pops.t >= 0]
    return float(pops.epsilon.iloc[-1]) if len(pops) else None


def load_history(db: Path, run_id: int):
    history = pyabc.History(db_url(db), _id=run_id)
    return history


def posterior(history, names: tuple[str, ...]):
    """The last generation as a DataFrame of the parameters (natural scale) plus ``weight`` (summing to 1)."""
    df, w = history.get_distribution(m=0, t=history.max_t)
    df = df.reset_index(drop=True)
    out = {}
    for name in names:
        out[name] = np.exp(df[f"log_{name}"].astype(float)) if f"log_{name}" in df else df[name].astype(float)
    out = pd.DataFrame(out)
    out["weight"] = np.asarray(w, float) / np.sum(w)
    return out


def generations(history):
    """One row per generation: t, epsilon, samples, particles, acceptance rate."""
    pops = history.get_all_populations()
    pops = pops[pops.t >= 0].copy()
    n = history.get_nr_particles_per_population()
    pops["particles"] = [int(n.get(t, 0)) for t in pops.t]
    pops["acceptance_rate"] = pops["particles"] / pops["samples"]
    ess = []
    for t in pops.t:
        _, w = history.get_distribution(m=0, t=int(t))
        w = np.asarray(w, float) / np.sum(w)
        ess.append(float(1.0 / np.sum(w ** 2)))
    pops["ess"] = ess  # effective sample size of the importance weights
    return pops[["t", "epsilon", "samples", "particles", "acceptance_rate", "ess", "population_end_time"]]
