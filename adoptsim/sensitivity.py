r"""Global sensitivity analysis: which uncertain parameters drive an outcome.

A sensitivity file names a base scenario, the uncertain parameters with their
ranges, one outcome and a method. The design (SALib's Sobol' or Morris
sample) is run as an ordinary sweep, one variant per design row, so it uses
the same runner, seeds, executors and results directory as ``adoptsim
sweep``: it runs in parallel, locally or on Dask, and resumes after a kill.

.. math::

    S_i = \frac{V[E(Y \mid X_i)]}{V(Y)}, \qquad
    S_{Ti} = \frac{E[V(Y \mid X_{\sim i})]}{V(Y)}

``S1`` is the share of the outcome's variance explained by a parameter alone;
``ST`` adds every interaction it takes part in. Morris's ``mu_star`` is the
mean absolute change of the outcome when one parameter moves, scaled to a
move across its whole range; ``sigma`` is large when that change depends on
the other parameters (interactions or non-linearity). ``*_conf`` are
half-widths of 95 % bootstrap confidence intervals.

A sensitivity file (TOML, in ``experiments/``)
-----------------------------------------------
::

    [sensitivity]
    name = "moradabad-behaviour"     # default: file stem
    base = "moradabad-baseline.toml"  # scenario file relative to this file, or a shipped cluster name
    method = "sobol"                  # sobol | morris
    samples = 64                      # sobol: base sample N, a power of 2; morris: trajectories
    replicates = 2                    # runs per design row (common seeds), averaged
    seed = 2024                       # design, replicate seeds and bootstrap all derive from it
    n_firms = 1000                    # optional override of the base scenario
    months = 120                      # optional override of the base scenario
    outcome = "share_adopted"         # a column of adoptsim.outcomes.series_frame
    month = 120                       # month the outcome is read at (default: the last)

    [parameters]                      # flat scenario key = [low, high], sampled uniformly
    q_imitation = [0.01, 0.3]
    attention = [0.02, 0.25]

Parameters are flat scenario keys (:func:`adoptsim.scenario.flat_keys`) of
numeric behaviour or lever values; both ends of every range must give a valid
scenario. Integer values (``demonstration_pilots``) are rounded to the
nearest integer for the run, while the analysis uses the unrounded design.

The Sobol' design has ``N (D + 2)`` rows for ``D`` parameters (Saltelli's
scheme without second-order indices); Morris has ``N (D + 1)``. Each row runs
``replicates`` times. The sweep adds its usual baseline variant ``s000``
(the base scenario, ``replicates`` more runs) so that ``adoptsim compare``
works on it; it is not part of the analysis.

A results directory
-------------------
::

    OUT/sweep/           the sweep (manifest.json, runs/*.parquet): resumable
    OUT/design.csv       one row per design row: parameter values and the outcome
    OUT/indices.csv      one row per parameter: S1, S1_conf, ST, ST_conf (sobol)
                         or mu, mu_star, mu_star_conf, sigma (morris)
    OUT/indices.png      the indices with their confidence intervals
    OUT/sensitivity.json the resolved settings, problem and baseline outcome

Checking the machinery
----------------------
:func:`ishigami_unit` is a unit of work that computes the Ishigami function
(known indices) instead of running the model, so a test can push a design
through exactly the same path, :class:`SweepEvaluator` -> ``run_sweep`` ->
``load_results`` -> :func:`analyze`, and compare with the analytic values.
Every variant of a sweep is validated as a scenario, and Ishigami's inputs
live on [-pi, pi], which no scenario key accepts. Rather than teach the sweep
a back door for non-scenario values (the task would then differ from the
real one), the design is drawn on three real keys with range [0, 1]
(:data:`ISHIGAMI_KEYS`) and the unit maps them affinely, ``x = -pi + 2 pi u``.
Sobol' indices are invariant under an affine change of each input (a uniform
input stays uniform), so the indices are Ishigami's exactly.

References
----------
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model
output. Computer Physics Communications 181, 259-270.
Morris, M. D. (1991). Factorial sampling plans for preliminary computational
experiments. Technometrics 33, 161-174.
Ishigami, T. & Homma, T. (1990). An importance quantification technique in
uncertainty analysis for computer models. ISUMA '90, 398-403.
"""

from __future__ import annotations

import difflib
import math
import time
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .outcomes import series_frame, write_json
from .scenario import Scenario, ScenarioError, flat_keys, load_base, with_overrides
from .tomlfile import read_model
from .sweep import Sweep, SweepError, Variant, load_results, run_sweep
from .sweep.work import run_unit

Method = Literal["sobol", "morris"]
METHODS: tuple[str, ...] = ("sobol", "morris")
MORRIS_LEVELS = 4
COLUMNS = {"sobol": ["S1", "S1_conf", "ST", "ST_conf"], "morris": ["mu", "mu_star", "mu_star_conf", "sigma"]}
NOT_OUTCOMES = ("month", "year", "firms")  # columns that cannot vary across a design


class SensitivityError(SweepError):
    """A sensitivity file or design that cannot be used; the message names the file and key."""


# ---------------------------------------------------------------- SALib wrappers


def problem(parameters: Mapping[str, Sequence[float]]) -> dict:
    """The SALib problem for ``{name: [low, high]}`` (uniform on each range, in this order)."""
    if not parameters:
        raise ValueError("no parameters: a sensitivity analysis needs at least one [low, high] range")
    bounds = []
    for name, rng in parameters.items():
        if len(rng) != 2 or not all(math.isfinite(float(v)) for v in rng) or not float(rng[0]) < float(rng[1]):
            raise ValueError(f"{name}: need a finite [low, high] with low < high, got {list(rng)}")
        bounds.append([float(rng[0]), float(rng[1])])
    return {"num_vars": len(bounds), "names": list(parameters), "bounds": bounds}


def design_rows(method: Method, n: int, num_vars: int) -> int:
    """Rows of the design :func:`sample` draws: ``N (D + 2)`` (Sobol') or ``N (D + 1)`` (Morris)."""
    _check_method(method)
    return n * (num_vars + (2 if method == "sobol" else 1))


def sample(problem: dict, method: Method, n: int, seed: int) -> np.ndarray:
    """The design matrix (one row per model evaluation, columns in ``problem["names"]`` order).

    Sobol': scrambled Sobol' sequence in Saltelli's scheme, first- and
    total-order only (``SALib.sample.sobol``); ``n`` must be a power of 2.
    Morris: ``n`` trajectories on a 4-level grid (``SALib.sample.morris``).
    """
    _check_method(method)
    if n < 2:
        raise ValueError(f"samples: need at least 2, got {n}")
    if method == "sobol":
        if n & (n - 1):
            raise ValueError(f"samples: Sobol' needs a power of 2 (e.g. {1 << n.bit_length()}), got {n}")
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed)


def analyze(problem: dict, method: Method, X: np.ndarray, Y: np.ndarray, seed: int) -> pd.DataFrame:
    """Sensitivity indices, one row per parameter (index ``parameter``).

    Columns: ``S1, S1_conf, ST, ST_conf`` (Sobol') or ``mu, mu_star,
    mu_star_conf, sigma`` (Morris); ``*_conf`` are 95 % bootstrap half-widths
    (``seed`` fixes the bootstrap). ``X`` is the design of :func:`sample`
    (Sobol' reads only its row order).
    """
    _check_method(method)
    Y = np.asarray(Y, dtype=float).ravel()
    X = np.asarray(X, dtype=float)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"design has {X.shape[0]} rows but there are {Y.shape[0]} outcomes")
    if not np.all(np.isfinite(Y)):
        raise ValueError(f"{int(np.sum(~np.isfinite(Y)))} outcomes are not finite numbers")
    rng = np.random.default_rng(seed)  # a Generator: SALib's sobol treats an int seed of 0 as "unseeded"
    if method == "sobol":
        from SALib.analyze import sobol

        result = sobol.analyze(problem, Y, calc_second_order=False, num_resamples=1000, conf_level=0.95,
                               seed=rng)
    else:
        from SALib.analyze import morris

        result = morris.analyze(problem, X, Y, num_resamples=1000, conf_level=0.95,
                                num_levels=MORRIS_LEVELS, seed=rng)
    table = pd.DataFrame({c: np.asarray(result[c], dtype=float) for c in COLUMNS[method]},
                         index=pd.Index(problem["names"], name="parameter"))
    return table


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method: {method!r} is not one of {', '.join(METHODS)}")


# ---------------------------------------------------------------- evaluators


class Evaluator(Protocol):
    """Anything that turns a design matrix into one outcome per row."""

    def evaluate(self, X: np.ndarray) -> np.ndarray: ...


@dataclass
class SweepEvaluator:
    """Evaluates a design as a sweep: one variant per row, ``replicates`` runs each, averaged.

    Parameters
    ----------
    base
        The scenario every row modifies.
    names
        Flat scenario keys, one per design column.
    out_dir
        The sweep's results directory (resumable: finished variants are not rerun).
    outcome, month
        The column of each run's table to read, at ``month`` (None: each run's last month).
    replicates, seed
        Runs per row and the sweep seed (common random numbers across rows).
    work
        The unit of work of :func:`~adoptsim.sweep.run_sweep` (default: the model).
    integer
        Keys whose values are rounded to integers for the run.
    """

    base: Scenario
    names: Sequence[str]
    out_dir: Path
    outcome: str = "share_adopted"
    month: int | None = None
    replicates: int = 1
    seed: int = 0
    name: str = "sensitivity"
    work: Callable[[dict], pd.DataFrame] = run_unit
    workers: int = 1
    dask: str | None = None
    overwrite: bool = False
    progress: bool = True
    integer: frozenset[str] = field(default_factory=frozenset)

    def sweep(self, X: np.ndarray) -> Sweep:
        """The sweep for design ``X``: ``s000`` the base scenario, then row ``i`` as variant ``i + 1``."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != len(self.names):
            raise ValueError(f"design must have one column per parameter ({len(self.names)}), got shape {X.shape}")
        variants = [Variant("s000", "baseline", {})]
        for row in X:
            overrides = {k: (int(round(v)) if k in self.integer else float(v)) for k, v in zip(self.names, row)}
            label = ", ".join(f"{k}={v:.4g}" for k, v in overrides.items())
            variants.append(Variant(f"s{len(variants):03d}", label, overrides))
        sweep = Sweep(name=self.name, base=self.base, variants=variants, replicates=self.replicates, seed=self.seed)
        for v in variants:  # every row a valid scenario before anything runs
            try:
                sweep.scenario(v)
            except ScenarioError as err:
                raise SensitivityError(f"design row {int(v.id[1:]) - 1} ({v.name}): {err}") from None
        return sweep

    def outcomes(self, X: np.ndarray) -> pd.Series:
        """Run the design; mean outcome per variant: ``s000`` (the base scenario), then each row in order."""
        sweep = self.sweep(X)
        run_sweep(sweep, self.out_dir, workers=self.workers, dask=self.dask, overwrite=self.overwrite,
                  progress=self.progress, work=self.work)
        frame, _ = load_results(self.out_dir)
        ids = [v.id for v in sweep.variants]
        return pd.Series(outcome_by_variant(frame, ids, self.outcome, self.month, self.replicates), index=ids)

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        return self.outcomes(X).to_numpy()[1:]


def outcome_by_variant(frame: pd.DataFrame, ids: Sequence[str], outcome: str, month: int | None,
                       replicates: int) -> np.ndarray:
    """``outcome`` at ``month`` (None: last), averaged over replicates, one value per id in ``ids`` order.

    Rows are matched by variant id, never by position, so the file order of a
    results directory cannot scramble the design.
    """
    if outcome not in frame.columns:
        raise SensitivityError(f"outcome {outcome!r} is not a column of the results")
    month = int(frame["month"].max()) if month is None else month
    at = frame.loc[frame["month"] == month, ["variant", "replicate", outcome]]
    grouped = at.groupby("variant")
    counts = grouped["replicate"].nunique().reindex(ids)
    short = counts[counts.fillna(0) < replicates]
    if len(short):
        raise SensitivityError(f"{len(short)} design rows lack runs at month {month} "
                               f"(first: {', '.join(short.index[:5])}); run the sensitivity again to finish them")
    return grouped[outcome].mean().reindex(ids).to_numpy(dtype=float)


# ---------------------------------------------------------------- Ishigami check

ISHIGAMI_KEYS: tuple[str, ...] = ("p_innovation", "locality_weight", "belief_prior")
"""Scenario keys (each valid on [0, 1]) that carry Ishigami's x1, x2, x3 as ``(x + pi) / (2 pi)``."""
ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami(x: np.ndarray, a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> np.ndarray:
    """Ishigami's function of ``x[..., :3]`` on [-pi, pi]^3."""
    x = np.asarray(x, dtype=float)
    return np.sin(x[..., 0]) + a * np.sin(x[..., 1]) ** 2 + b * x[..., 2] ** 4 * np.sin(x[..., 0])


def ishigami_indices(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> pd.DataFrame:
    """Analytic first- and total-order indices of :func:`ishigami` (Ishigami & Homma 1990)."""
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return pd.DataFrame({"S1": [v1 / var, v2 / var, 0.0], "ST": [(v1 + v13) / var, v2 / var, v13 / var]},
                        index=pd.Index(list(ISHIGAMI_KEYS), name="parameter"))


def ishigami_unit(task: dict) -> pd.DataFrame:
    """A sweep unit of work computing Ishigami instead of the model (column ``ishigami``, month 0).

    Reads :data:`ISHIGAMI_KEYS` from the task's scenario, i.e. after the
    overrides went through scenario validation, and maps each ``u`` in
    [0, 1] to ``x = -pi + 2 pi u``. Deterministic: every replicate is equal.
    """
    scenario = task["scenario"]
    keys = flat_keys()
    u = []
    for key in ISHIGAMI_KEYS:
        node = scenario
        for part in keys[key]:
            node = node[part]
        u.append(float(node))
    y = float(ishigami(-np.pi + 2 * np.pi * np.asarray(u)))
    n = len(task["replicates"])
    return pd.DataFrame({
        "variant": [task["variant"]] * n, "variant_name": [task["variant_name"]] * n,
        "replicate": np.asarray(task["replicates"], np.int64), "seed": np.asarray(task["seeds"], np.int64),
        "month": np.zeros(n, np.int64), "ishigami": np.full(n, y),
    })


# ---------------------------------------------------------------- sensitivity files


class SensitivityHeader(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = ""
    base: str = Field(description="scenario file, relative to the sensitivity file, or a shipped cluster name")
    method: Method = "sobol"
    samples: int = Field(64, ge=2, le=1_000_000)
    replicates: int = Field(2, ge=1, le=10_000)
    seed: int = Field(0, ge=0, lt=2**63)
    n_firms: int | None = Field(None, ge=1, le=5_000_000)
    months: int | None = Field(None, ge=1, le=1200)
    outcome: str = "share_adopted"
    month: int | None = Field(None, ge=0, le=1200, description="default: the last month")


class SensitivityFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    sensitivity: SensitivityHeader
    parameters: dict[str, list[float]]


@dataclass
class SensitivityConfig:
    """A validated sensitivity file."""

    name: str
    path: Path
    base: Scenario
    method: Method
    samples: int
    replicates: int
    seed: int
    outcome: str
    month: int
    parameters: dict[str, tuple[float, float]]
    integer: frozenset[str]

    @property
    def runs(self) -> int:
        """Model runs, the baseline variant included."""
        return (design_rows(self.method, self.samples, len(self.parameters)) + 1) * self.replicates


def outcome_columns(scenario: Scenario) -> list[str]:
    """The outcome columns a run of ``scenario`` produces (those that can vary)."""
    from .profiles import load_profile
    from .state import empty_series

    profile = load_profile(scenario.cluster)
    empty = empty_series(0, len(profile.option_names), len(profile.sectors))
    columns = series_frame(empty, profile, 0, np.zeros(len(profile.sectors)), np.zeros(3), np.zeros(2)).columns
    return [c for c in columns if c not in NOT_OUTCOMES]


def _numeric_kind(path: tuple[str, ...]) -> str | None:
    """``"float"``, ``"int"`` or None (not a number) for the schema field at ``path``."""
    model: type[BaseModel] = Scenario
    info = None
    for part in path:
        info = model.model_fields[part]
        model = info.annotation if isinstance(info.annotation, type) else None
    ann = info.annotation
    args = set(typing.get_args(ann)) if isinstance(ann, types.UnionType) or typing.get_origin(ann) is typing.Union \
        else {ann}
    args.discard(type(None))
    if args == {float}:
        return "float"
    if args == {int}:
        return "int"
    return None


def _check_parameters(parameters: dict[str, list[float]], base: Scenario, origin: str) -> frozenset[str]:
    """Validate keys, ranges and both ends against the schema; return the integer keys."""
    if not parameters:
        raise SensitivityError(f"{origin}: [parameters]: name at least one flat key = [low, high]")
    known = flat_keys()
    integer = set()
    for key, rng in parameters.items():
        where = f"{origin}: [parameters] {key}"
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=5, cutoff=0.6)
            raise SensitivityError(f"{where}: unknown parameter"
                                   + (f" (did you mean: {', '.join(close)})" if close else
                                      " (see adoptsim.scenario.flat_keys())"))
        if len(known[key]) == 1:
            raise SensitivityError(f"{where}: not an uncertain parameter; set it in [sensitivity] "
                                   "or in the base scenario")
        kind = _numeric_kind(known[key])
        if kind is None:
            raise SensitivityError(f"{where}: not a numeric parameter, cannot be sampled from a range")
        if len(rng) != 2 or not all(math.isfinite(v) for v in rng) or not rng[0] < rng[1]:
            raise SensitivityError(f"{where}: need [low, high] with finite low < high, got {rng}")
        for end in rng:
            value = int(round(end)) if kind == "int" else float(end)
            try:
                with_overrides(base, origin=where, **{key: value})
            except ScenarioError as err:
                raise SensitivityError(str(err)) from None
        if kind == "int":
            integer.add(key)
    return frozenset(integer)


def load_config(path: str | Path) -> SensitivityConfig:
    """Read and validate a sensitivity TOML file (errors name the file and the key)."""
    path = Path(path)
    spec = read_model(path, SensitivityFile, SensitivityError, "sensitivity")
    head = spec.sensitivity
    try:
        base = load_base(head.base, path, f"{path}: [sensitivity] base", n_firms=head.n_firms, months=head.months)
    except ScenarioError as err:
        raise SensitivityError(f"{path}: [sensitivity] base: {err}") from None
    if head.method == "sobol" and head.samples & (head.samples - 1):
        raise SensitivityError(f"{path}: [sensitivity] samples: Sobol' needs a power of 2 "
                               f"(e.g. {1 << (head.samples.bit_length() - 1)} or {1 << head.samples.bit_length()}), "
                               f"got {head.samples}")
    columns = outcome_columns(base)
    if head.outcome not in columns:
        close = difflib.get_close_matches(head.outcome, columns, n=5, cutoff=0.5)
        hint = f"did you mean: {', '.join(close)}" if close else f"one of: {', '.join(columns)}"
        raise SensitivityError(f"{path}: [sensitivity] outcome: {head.outcome!r} is not an outcome column ({hint})")
    month = base.months if head.month is None else head.month
    if month > base.months:
        raise SensitivityError(f"{path}: [sensitivity] month: {month} is after the last simulated month "
                               f"({base.months})")
    integer = _check_parameters(spec.parameters, base, str(path))
    return SensitivityConfig(
        name=head.name or path.stem, path=path, base=base, method=head.method, samples=head.samples,
        replicates=head.replicates, seed=head.seed, outcome=head.outcome, month=month,
        parameters={k: (float(v[0]), float(v[1])) for k, v in spec.parameters.items()}, integer=integer)


# ---------------------------------------------------------------- the whole analysis


def run_sensitivity(config_path: str | Path | SensitivityConfig, out_dir: str | Path, workers: int = 1,
                    dask: str | None = None, progress: bool = True, *, overwrite: bool = False) -> pd.DataFrame:
    """Run the sensitivity analysis of ``config_path`` into ``out_dir``; return the indices table.

    ``config_path`` may also be a :class:`SensitivityConfig` already loaded
    with :func:`load_config` (the command line prints it first).

    The model runs go to ``out_dir/sweep`` (resumable: run again after an
    interruption and only the missing runs are made; ``overwrite`` replaces
    the runs of a different design). Writes ``design.csv``, ``indices.csv``,
    ``indices.png`` and ``sensitivity.json`` in ``out_dir``.
    """
    from .viz.curves import save_figure
    from .viz.indices import indices_chart

    t0 = time.perf_counter()
    config = config_path if isinstance(config_path, SensitivityConfig) else load_config(config_path)
    out_dir = Path(out_dir)
    prob = problem(config.parameters)
    X = sample(prob, config.method, config.samples, config.seed)
    evaluator = SweepEvaluator(base=config.base, names=prob["names"], out_dir=out_dir / "sweep",
                               outcome=config.outcome, month=config.month, replicates=config.replicates,
                               seed=config.seed, name=config.name, workers=workers, dask=dask,
                               overwrite=overwrite, progress=progress, integer=config.integer)
    values = evaluator.outcomes(X)
    baseline, Y = float(values.iloc[0]), values.to_numpy()[1:]
    if np.ptp(Y) == 0:
        raise SensitivityError(f"{config.path}: [sensitivity] outcome: {config.outcome} is {Y[0]:g} at month "
                               f"{config.month} for every design row; there is no variation to attribute")
    table = analyze(prob, config.method, X, Y, config.seed)
    table.attrs.update(method=config.method, outcome=config.outcome, month=config.month)

    design = pd.DataFrame(X, columns=prob["names"])
    design.insert(0, "variant", [f"s{i + 1:03d}" for i in range(len(design))])
    design[config.outcome] = Y
    _write_csv(design, out_dir / "design.csv", index=False)
    _write_csv(table, out_dir / "indices.csv", index=True)
    save_figure(indices_chart(table, config.method, config.outcome, month=config.month), out_dir / "indices.png")
    write_json({
        "name": config.name, "config": str(config.path), "base": config.base.model_dump(mode="json"),
        "method": config.method, "samples": config.samples, "replicates": config.replicates,
        "seed": config.seed, "outcome": config.outcome, "month": config.month, "problem": prob,
        "design_rows": len(X), "runs": config.runs, "baseline_outcome": baseline,
        "outcome_mean": float(np.mean(Y)), "outcome_std": float(np.std(Y)),
        "seconds": round(time.perf_counter() - t0, 1),
    }, out_dir / "sensitivity.json")
    return table


def _write_csv(frame: pd.DataFrame, path: Path, index: bool) -> None:
    from .outcomes import atomic_path

    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=index)


__all__ = ["Evaluator", "ISHIGAMI_KEYS", "METHODS", "SensitivityConfig", "SensitivityError", "SweepEvaluator",
           "analyze", "design_rows", "ishigami", "ishigami_indices", "ishigami_unit", "load_config",
           "outcome_by_variant", "problem", "run_sensitivity", "sample"]
