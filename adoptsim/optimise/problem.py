"""An optimisation problem file: the base scenario, the levers to search, the objectives and the budget.

Format (TOML; ``adoptsim/optimise/problems/optimise-moradabad.toml`` is a worked example)::

    [optimise]
    name = "optimise-moradabad"
    base = "../../experiments/moradabad-outreach-demos.toml"  # relative to this file, or a cluster name
    replicates = 3          # runs per candidate, the same seeds for every candidate (common random numbers)
    seed = 0
    budget = 2.0e8          # public money over the horizon (cluster currency), replicate mean
    population = 16         # NSGA-II population
    generations = 8         # evaluations = population x generations (at most)

    [levers]                # flat key or scenario-file path = [low, high] or [low, high, step]
    capex_subsidy_share = [0.0, 0.5]
    "levers.demonstration.pilots" = [0, 30]

    [objectives]            # an outcome at the last month = "max" or "min"
    share_adopted = "max"
    public_cost = "min"

    [fixed]                 # flat keys set on every candidate (optional)
    [uncertain]             # for --robust (optional): draws of uncertain parameters
    draws = 4
    posterior = "shipped"   # weighted draws of a calibrated posterior CSV ("shipped": adoptsim's own), and/or
    ranges = { q_imitation = [0.1, 0.4] }  # a Latin hypercube over ranges (parameters the posterior lacks)
    mixes = 12              # front mixes ranked, evenly spread along the front (each runs draws x replicates)
    search = false          # true: also search on the draws (each candidate runs draws x replicates; objectives
                            # and the budget are means over all of them)

Levers and their allowed ranges come from the parameter space
(:data:`adoptsim.scenario.space.PARAMETERS`); a bound outside a parameter's
range is an error naming the file, the key and the range.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..examples import PROBLEMS
from ..scenario import Scenario, ScenarioError, load_base, with_overrides
from ..tomlfile import read_model

#: objectives that are not a column of the outcome table: name -> (label, how it is computed from the last row)
DERIVED = {
    "public_cost": "public money spent over the horizon (public_cost_cumulative)",
    "private_investment": "firms' investment over the horizon (private_investment_cumulative)",
    "share_compliant": "share of the initial firms whose status is compliant (firms_compliant / firms)",
    "share_exited": "share of the initial firms that closed or moved out of the cluster",
}


class ProblemError(ValueError):
    """A problem file or optimisation folder that cannot be used; the message names the file and key."""


class Header(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field("", max_length=200)
    base: str = Field(max_length=4096, description="scenario file relative to the problem file, or a cluster name")
    n_firms: int | None = Field(None, ge=1, le=5_000_000)
    months: int | None = Field(None, ge=1, le=1200)
    replicates: int = Field(3, ge=1, le=1000)
    seed: int = Field(0, ge=0, lt=2**63)
    budget: float = Field(ge=0, description="public money over the horizon, replicate mean (cluster currency)")
    population: int = Field(16, ge=4, le=10_000)
    generations: int = Field(8, ge=1, le=10_000)


class Uncertain(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    draws: int = Field(4, ge=2, le=1000)
    posterior: str | None = Field(None, description="posterior CSV (relative to the problem file) or 'shipped'")
    ranges: dict[str, list[float]] = {}
    mixes: int = Field(12, ge=2, le=10_000, description="front mixes ranked (evenly spread along the front)")
    search: bool = Field(False, description="evaluate every candidate over all draws x replicates")


class ProblemFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    optimise: Header
    levers: dict[str, list[float | int]]
    objectives: dict[str, Literal["max", "min"]]
    fixed: dict[str, Any] = {}
    uncertain: Uncertain | None = None


@dataclass(frozen=True)
class Lever:
    """One decision variable: a numeric scenario parameter, its search range and the grid it is rounded to."""

    key: str
    low: float
    high: float
    step: float
    integer: bool

    def snap(self, x: float) -> float | int:
        """``x`` on the lever's grid (``low + k * step``), inside [low, high]; an int for integer levers."""
        k = round((float(x) - self.low) / self.step)
        v = min(max(self.low + k * self.step, self.low), self.high)
        return int(round(v)) if self.integer else float(np.round(v, 12))


@dataclass
class Problem:
    """A resolved problem: everything needed to evaluate candidates and to recognise the problem again."""

    name: str
    path: str
    base: Scenario
    levers: list[Lever]
    objectives: dict[str, str]
    budget: float
    replicates: int
    seed: int
    population: int
    generations: int
    fixed: dict[str, Any] = field(default_factory=dict)
    draws: list[dict[str, float]] = field(default_factory=list)  # uncertainty sample for --robust
    robust_mixes: int = 12  # at most this many front mixes are ranked by regret
    search_draws: bool = False  # every candidate runs over all draws x replicates (objectives: their means)

    def seeds(self) -> list[int]:
        """Replicate seeds, the same for every candidate (common random numbers)."""
        from ..sweep.spec import replicate_seed

        return [replicate_seed(self.seed, r) for r in range(self.replicates)]

    def units(self, draw: int | None = None) -> list[tuple[int | None, int]]:
        """(draw, seed) of each run of one evaluation: the replicates, under ``draw`` or, when the search runs
        on the draws, under every draw (the same seeds in each: common random numbers)."""
        draws = [draw] if draw is not None or not self.search_draws else list(range(len(self.draws)))
        return [(d, seed) for d in draws for seed in self.seeds()]

    def scenario(self, mix: dict[str, float], draw: int | None = None) -> Scenario:
        """The base scenario with the fixed values, a lever mix and (optionally) uncertainty draw ``draw``."""
        extra = self.draws[draw] if draw is not None else {}
        return with_overrides(self.base, origin=f"{self.path}: candidate {mix}", **{**self.fixed, **extra, **mix})

    def mix(self, x) -> dict[str, float | int]:
        """A vector of lever values as a mix on the levers' grids."""
        return {lv.key: lv.snap(v) for lv, v in zip(self.levers, x)}

    def definition(self) -> dict:
        """What decides the numbers of an evaluation (the folder's identity): base, fixed values, lever grids,
        replicates and seed, the uncertainty draws, and the model's code and profile data.

        The search settings (objectives, budget, population, generations) are not in it: a re-run with
        another budget or more generations reuses every evaluation already made.
        """
        from ..fingerprint import file_digest, model_digest
        from ..profiles import profile_path

        return {
            "base": self.base.model_dump(mode="json"),
            "fixed": self.fixed,
            "levers": [{"key": lv.key, "low": lv.low, "high": lv.high, "step": lv.step} for lv in self.levers],
            "replicates": self.replicates,
            "seed": self.seed,
            "draws": self.draws,
            **({"search_draws": True} if self.search_draws else {}),  # absent when off: older folders resume
            "model": model_digest(),
            "profile": file_digest(profile_path(self.base.cluster)),
        }

    def digest(self) -> str:
        text = json.dumps(self.definition(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def objective_names_hint() -> str:
    return ("an outcome column at the last month (e.g. share_adopted, water_saved_m3_per_year, "
            "pollution_load_m3eq_per_year) or one of " + ", ".join(DERIVED))


def check_objective(name: str, origin: str) -> None:
    """``name`` is a published outcome column (any group member) or a derived objective, else ProblemError."""
    from ..outcome_table import column

    if name in DERIVED:
        return
    try:
        column(name)
    except KeyError:
        import difflib

        from ..outcome_table import COLUMNS

        known = [c.name for c in COLUMNS if "{" not in c.name] + list(DERIVED)
        close = difflib.get_close_matches(name, known, n=4, cutoff=0.6)
        raise ProblemError(f"{origin}: [objectives] {name}: not an outcome"
                           + (f" (did you mean: {', '.join(close)})" if close else "")
                           + f"; allowed: {objective_names_hint()}") from None


def _lever(key: str, bounds: list, origin: str, where: str = "levers") -> Lever:
    from ..scenario.space import PARAMETERS

    flat = next((p.key for p in PARAMETERS.values() if p.dotted == key), key)
    try:
        p = PARAMETERS.lookup(flat)
    except KeyError as err:
        raise ProblemError(f"{origin}: [{where}] {err.args[0]}") from None
    if not p.numeric:
        raise ProblemError(f"{origin}: [{where}] {key}: a {p.kind} parameter cannot be searched "
                           "(only numbers; set it in [fixed])")
    if len(bounds) not in (2, 3) or not all(isinstance(b, (int, float)) and math.isfinite(b) for b in bounds):
        raise ProblemError(f"{origin}: [{where}] {key}: give [low, high] or [low, high, step] as finite numbers, "
                           f"got {bounds}")
    low, high = float(bounds[0]), float(bounds[1])
    if not low < high:
        raise ProblemError(f"{origin}: [{where}] {key}: need low < high, got [{low:g}, {high:g}]")
    for b in (low, high):
        if not p.contains(b):
            raise ProblemError(f"{origin}: [{where}] {key}: bound {b:g} is outside the parameter's range "
                               f"(allowed: {p.range_text()}{', unit ' + p.unit if p.unit else ''})")
    integer = p.kind == "int"
    if integer and not (low.is_integer() and high.is_integer()):
        raise ProblemError(f"{origin}: [{where}] {key}: a whole-number parameter needs whole-number bounds, "
                           f"got [{low:g}, {high:g}]")
    step = float(bounds[2]) if len(bounds) == 3 else (1.0 if integer else (high - low) / 1000)
    if not 0 < step <= high - low or (integer and not step.is_integer()):
        raise ProblemError(f"{origin}: [{where}] {key}: step must be > 0 and at most high - low"
                           + (" and a whole number" if integer else "") + f", got {step:g}")
    return Lever(p.key, low, high, step, integer)


def _draws(spec: Uncertain, seed: int, origin: str, path: Path) -> list[dict[str, float]]:
    """The uncertainty draws: weighted posterior rows, a Latin hypercube over ranges, or both side by side."""
    if not spec.ranges and spec.posterior is None:
        raise ProblemError(f"{origin}: [uncertain]: give posterior = \"shipped\" (or a posterior CSV) or ranges of "
                           "uncertain parameters = [low, high]")
    draws = [{} for _ in range(spec.draws)]
    if spec.posterior is not None:
        draws = _posterior_draws(spec, seed, origin, path)
    if spec.ranges:
        from scipy.stats import qmc

        ranges = {lv.key: lv for lv in (_lever(k, v[:2], origin, "uncertain.ranges") for k, v in spec.ranges.items())}
        clash = sorted(set(ranges) & set(draws[0]))
        if clash:
            raise ProblemError(f"{origin}: [uncertain] ranges: {clash[0]} is also a column of the posterior; "
                               "give it in one of them")
        unit = qmc.LatinHypercube(d=len(ranges), rng=np.random.default_rng(seed)).random(spec.draws)
        for d, row in zip(draws, unit):
            d.update({k: (int(round(lv.low + u * (lv.high - lv.low))) if lv.integer
                          else float(lv.low + u * (lv.high - lv.low))) for (k, lv), u in zip(ranges.items(), row)})
    return draws


def _posterior_draws(spec: Uncertain, seed: int, origin: str, path: Path) -> list[dict[str, float]]:
    """``spec.draws`` weighted draws of the posterior sample (the same draws as ``adoptsim run --posterior``)."""
    from ..ensemble import posterior_file
    from ..validate.posterior import draw_parameter_sets, read_posterior
    from ..validate.results import ValidateError

    file = posterior_file(spec.posterior)
    if spec.posterior != "shipped" and not file.is_absolute():
        file = path.parent / file
    try:
        frame, weights, _ = read_posterior(file)
        return draw_parameter_sets(frame, weights, spec.draws, seed=seed)
    except (OSError, ValueError, ValidateError, ScenarioError) as err:
        raise ProblemError(f"{origin}: [uncertain] posterior: {err}") from None


def find_problem(ref: str | Path) -> Path:
    """A problem file as given, or the shipped problem of that name (``optimise-moradabad``)."""
    path = Path(ref)
    if path.is_file():
        return path
    stem = str(ref)[:-5] if str(ref).endswith(".toml") else str(ref)
    shipped = PROBLEMS / f"{stem}.toml"
    if "/" not in str(ref) and shipped.is_file():
        return shipped
    names = ", ".join(sorted(p.stem for p in PROBLEMS.glob("*.toml"))) or "none"
    raise ProblemError(f"{ref}: no such problem file, and not a shipped problem name (shipped: {names})")


def load_problem(ref: str | Path) -> Problem:
    """Read, validate and resolve a problem file (a path or a shipped name)."""
    path = find_problem(ref)
    origin = str(path)
    spec = read_model(path, ProblemFile, ProblemError, "optimisation problem")
    head = spec.optimise
    if not spec.levers:
        raise ProblemError(f"{origin}: [levers]: give at least one lever = [low, high]")
    if not spec.objectives:
        raise ProblemError(f"{origin}: [objectives]: give at least one outcome = \"max\" or \"min\"")
    for name in spec.objectives:
        check_objective(name, origin)
    levers = [_lever(k, v, origin) for k, v in spec.levers.items()]
    keys = [lv.key for lv in levers]
    if len(set(keys)) != len(keys):
        raise ProblemError(f"{origin}: [levers]: a lever is named twice (flat key and path?): {keys}")
    clash = sorted(set(keys) & set(spec.fixed))
    if clash:
        raise ProblemError(f"{origin}: [fixed] {clash[0]}: is also a lever; a lever is searched, not fixed")
    draws = _draws(spec.uncertain, head.seed, origin, path) if spec.uncertain is not None else []
    if draws and set(draws[0]) & set(keys):
        raise ProblemError(f"{origin}: [uncertain] {sorted(set(draws[0]) & set(keys))[0]}: is also a lever")
    try:
        base = load_base(head.base, path, f"{origin}: [optimise] base", n_firms=head.n_firms, months=head.months)
    except ScenarioError as err:
        raise ProblemError(f"{origin}: [optimise] base: {err}") from None
    problem = Problem(name=head.name or path.stem, path=origin, base=base, levers=levers,
                      objectives=dict(spec.objectives), budget=head.budget, replicates=head.replicates,
                      seed=head.seed, population=head.population, generations=head.generations,
                      fixed=dict(spec.fixed), draws=draws,
                      robust_mixes=spec.uncertain.mixes if spec.uncertain is not None else 12,
                      search_draws=spec.uncertain.search if spec.uncertain is not None else False)
    try:  # every corner of the box and each draw must be a valid scenario before anything runs
        problem.scenario({lv.key: lv.snap(lv.low) for lv in levers})
        problem.scenario({lv.key: lv.snap(lv.high) for lv in levers})
        for d in range(len(draws)):
            problem.scenario({lv.key: lv.snap(lv.low) for lv in levers}, draw=d)
    except ScenarioError as err:
        raise ProblemError(str(err)) from None
    return problem
