"""Sweep definitions: a base scenario, the variants to run, replicates and seeds.

A sweep file (format in ``FORMAT.md``) resolves to a :class:`Sweep`: the base
:class:`~adoptsim.scenario.Scenario` plus a list of :class:`Variant` (a name
and flat-key overrides: lever settings) and a list of :class:`World` (points of
an uncertainty sample and/or posterior draws) that every variant runs in.
Variant ``s000`` is always the baseline: the base scenario's levers.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.stats import qmc

from ..scenario import Scenario, ScenarioError, flat_keys, load_base, with_overrides
from ..tomlfile import read_model


#: Posterior draws per scenario when a [posterior] table or --posterior gives no count.
DRAWS = 20

#: Variant id of every sweep's baseline: the base scenario, unmodified (compare measures against it).
BASELINE = "s000"


class SweepError(ValueError):
    """A sweep file or results directory that cannot be used; the message says why."""


class SweepHeader(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field("", max_length=200, description="folder names keep only [A-Za-z0-9._-] (adoptsim.paths)")
    base: str = Field(max_length=4096, description="a shipped scenario name (adoptsim list), a scenario file "
                      "relative to the sweep file, or a cluster name")
    replicates: int = Field(10, ge=1, le=10_000)
    seed: int = Field(0, ge=0, lt=2**63)
    n_firms: int | None = Field(None, ge=1, le=5_000_000)
    months: int | None = Field(None, ge=1, le=1200)
    design: Literal["factorial", "lhs", "sobol", "list"] = "factorial"
    samples: int = Field(16, ge=1, le=100_000)
    block: int = Field(0, ge=0, le=10_000, description="replicates per unit of work (0 = all)")


class PosteriorTable(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    file: str = Field(max_length=4096, description="posterior CSV (flat keys + weight), relative to the sweep file")
    draws: int = Field(DRAWS, ge=1, le=10_000)


class SweepFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    sweep: SweepHeader
    factors: dict[str, list[Any]] = {}
    ranges: dict[str, list[float]] = {}
    fixed: dict[str, Any] = {}
    variant: list[dict[str, Any]] = []
    posterior: PosteriorTable | None = None


@dataclass(frozen=True)
class Variant:
    """One scenario of a sweep (a lever setting): an id, a readable name and flat-key overrides."""

    id: str
    name: str
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class World:
    """One state of the uncertain parameters every variant runs in.

    ``sample``: index of a point of the ``[ranges]`` sample a levers x uncertainties design crosses with the
    variants (-1: none); ``draw``: index of a posterior draw (-1: none); ``overrides``: their flat-key values.
    """

    sample: int = -1
    draw: int = -1
    overrides: dict[str, Any] = field(default_factory=dict)


#: The single world of a sweep with neither an uncertainty sample nor a posterior.
NOWHERE = World()


@dataclass
class Sweep:
    """A resolved sweep: everything needed to run it and to recognise it again.

    Every variant runs in every world (``worlds``: crossed uncertainty sample points and/or posterior
    draws; empty = the base scenario's own values) for every replicate, with the replicate's seed shared
    by all variants and worlds (common random numbers).
    """

    name: str
    base: Scenario
    variants: list[Variant]
    replicates: int
    seed: int
    block: int = 0
    worlds: list[World] = field(default_factory=list)
    posterior: dict[str, Any] | None = None  # {"file", "sha256", "draws"} when the worlds hold posterior draws
    replaced: dict[str, Any] = field(default_factory=dict)  # values the base sets that posterior draws replace

    @property
    def baseline(self) -> Variant:
        return self.variants[0]

    @property
    def all_worlds(self) -> list[World]:
        return self.worlds or [NOWHERE]

    @property
    def runs(self) -> int:
        """Variants x worlds x replicates."""
        return len(self.variants) * len(self.all_worlds) * self.replicates

    def scenario(self, variant: Variant, world: World = NOWHERE) -> Scenario:
        overrides = {**world.overrides, **variant.overrides}
        where = "" if world is NOWHERE else f" in {world_label(world)}"
        return with_overrides(self.base, origin=f"sweep {self.name}: {variant.name}{where}", **overrides)

    def replicate_seed(self, replicate: int) -> int:
        return replicate_seed(self.seed, replicate)

    def definition(self) -> dict:
        """Canonical JSON-able description (what the results directory records).

        Everything that decides which units exist or what they hold is here, so
        that it is all in :meth:`digest`: the base scenario, variants, worlds
        (uncertainty sample and posterior draws, with the posterior file's
        content), replicates, seed and block, plus the model's code and data and
        the profile files' content (a resumed sweep never mixes two definitions).
        A sweep without worlds has the same definition as before worlds existed.
        """
        from ..fingerprint import file_digest, model_digest
        from ..profiles import profile_path

        clusters = {self.base.cluster} | {str(o["cluster"]) for o in
                                          [v.overrides for v in self.variants] + [w.overrides for w in self.worlds]
                                          if "cluster" in o}
        out = {
            "name": self.name,
            "base": self.base.model_dump(mode="json"),
            "replicates": self.replicates,
            "seed": self.seed,
            "block": self.block,
            "model": model_digest(),
            "profiles": {c: file_digest(profile_path(c)) for c in sorted(clusters)},
            "variants": [{"id": v.id, "name": v.name, "overrides": v.overrides} for v in self.variants],
        }
        if self.worlds:
            out["worlds"] = [{"sample": w.sample, "draw": w.draw, "overrides": w.overrides} for w in self.worlds]
        if self.posterior is not None:
            out["posterior"] = self.posterior
        return out

    def digest(self) -> str:
        text = json.dumps(self.definition(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def world_label(world: World) -> str:
    parts = ([f"uncertainty sample {world.sample}"] if world.sample >= 0 else []) + \
            ([f"posterior draw {world.draw}"] if world.draw >= 0 else [])
    return ", ".join(parts) or "the base scenario's values"


def replicate_seed(sweep_seed: int, replicate: int) -> int:
    """Seed of replicate ``replicate``: shared by every variant and world (common random numbers)."""
    state = np.random.SeedSequence(sweep_seed, spawn_key=(replicate,)).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def _label(overrides: dict[str, Any]) -> str:
    def fmt(v):
        return f"{v:.4g}" if isinstance(v, float) else str(v)
    return ", ".join(f"{k}={fmt(v)}" for k, v in overrides.items()) or "baseline"


MAX_VARIANTS = 100_000  # a factorial design beyond this is refused before any variant is validated
MAX_RUNS = 10_000_000   # variants x worlds x replicates


def _check_keys(keys, origin: str, where: str) -> None:
    known = flat_keys()
    for key in keys:
        if key == "seed":
            raise SweepError(f"{origin}: [{where}] seed: a sweep sets each run's seed from [sweep] seed and the "
                             "replicate (common random numbers), so a seed override would be ignored; vary "
                             "[sweep] seed or replicates instead")
        if key not in known:
            close = [k for k in known if key.split("_")[0] in k][:6]
            raise SweepError(f"{origin}: [{where}] {key}: unknown parameter"
                             + (f" (did you mean one of: {', '.join(close)})" if close else ""))


_USES = {"factorial": ("factors",), "lhs": ("ranges", "factors"), "sobol": ("ranges", "factors"), "list": ()}


def _check_tables(spec: SweepFile, origin: str) -> None:
    """A table the design does not use is an error (never silently dropped)."""
    design = spec.sweep.design
    for table in ("factors", "ranges"):
        if getattr(spec, table) and table not in _USES[design]:
            hint = {("factorial", "ranges"): "to cross [factors] with a sample of [ranges] (levers x "
                                             "uncertainties), set design = \"lhs\" or \"sobol\"",
                    ("list", "factors"): "use design = \"factorial\" for every combination of [factors]",
                    ("list", "ranges"): "use design = \"lhs\" or \"sobol\" to sample [ranges]"}[(design, table)]
            raise SweepError(f"{origin}: [{table}]: not used by design {design!r}; {hint}, or remove the table")


def _factorial(spec: SweepFile, origin: str) -> list[dict[str, Any]]:
    for key, values in spec.factors.items():
        if not values:
            raise SweepError(f"{origin}: [factors] {key}: empty list")
    combos = math.prod(len(v) for v in spec.factors.values())
    if combos > MAX_VARIANTS:
        raise SweepError(f"{origin}: [factors]: {' x '.join(str(len(v)) for v in spec.factors.values())} = "
                         f"{combos:,} combinations (allowed: at most {MAX_VARIANTS:,}); use fewer levels, or "
                         "design = \"lhs\" / \"sobol\" with [ranges] and samples")
    names = list(spec.factors)
    return [dict(zip(names, combo)) for combo in itertools.product(*spec.factors.values())] if names else []


def _sample(spec: SweepFile, origin: str) -> list[dict[str, Any]]:
    """The LHS or scrambled-Sobol sample of ``[ranges]`` (scipy.stats.qmc, seeded by the sweep seed)."""
    head = spec.sweep
    if not spec.ranges:
        raise SweepError(f"{origin}: [ranges]: design {head.design!r} needs [low, high] ranges")
    for key, bounds in spec.ranges.items():
        if len(bounds) == 2 and not all(math.isfinite(b) for b in bounds):
            raise SweepError(f"{origin}: [ranges] {key}: bounds must be finite numbers, got {bounds}")
        if len(bounds) != 2 or not bounds[0] < bounds[1]:
            raise SweepError(f"{origin}: [ranges] {key}: need [low, high] with low < high, got {bounds}")
    d = len(spec.ranges)
    sampler = (qmc.LatinHypercube(d=d, rng=np.random.default_rng(head.seed)) if head.design == "lhs"
               else qmc.Sobol(d=d, scramble=True, rng=np.random.default_rng(head.seed)))
    unit = sampler.random(head.samples)
    lo = np.array([b[0] for b in spec.ranges.values()])
    hi = np.array([b[1] for b in spec.ranges.values()])
    pts = qmc.scale(unit, lo, hi)
    return [{k: float(x) for k, x in zip(spec.ranges, row)} for row in pts]


def _crossed(spec: SweepFile) -> bool:
    """Levers x uncertainties: an lhs/sobol design with lever settings crosses them with its sample."""
    return spec.sweep.design in ("lhs", "sobol") and bool(spec.factors or spec.variant)


def _design_points(spec: SweepFile, origin: str) -> list[dict[str, Any]]:
    """The variants the design makes (beside the baseline and named [[variant]] tables)."""
    head = spec.sweep
    if head.design == "factorial":
        if not spec.factors and not spec.variant:
            if spec.posterior is not None:
                return []  # the base scenario alone over posterior draws (adoptsim run --posterior)
            raise SweepError(f"{origin}: [factors]: a factorial sweep needs at least one factor or [[variant]] "
                             "(or a [posterior] table: the base scenario over posterior draws)")
        return _factorial(spec, origin)
    if head.design in ("lhs", "sobol"):
        if _crossed(spec):
            _sample(spec, origin)  # checked here, used as worlds
            return _factorial(spec, origin) if spec.factors else []
        return _sample(spec, origin)  # each sample point is a variant compared with the baseline
    return []  # "list": only explicit [[variant]] tables


def _posterior_draws(table: PosteriorTable, path: Path, seed: int, origin: str) -> tuple[list[dict], dict]:
    """``draws`` weighted draws of the posterior CSV (adoptsim.validate.posterior), and its record."""
    from ..fingerprint import file_digest
    from ..validate.posterior import draw_parameter_sets, read_posterior

    file = Path(table.file) if Path(table.file).is_absolute() else path.parent / table.file
    try:
        frame, weights, _ = read_posterior(file)
        draws = draw_parameter_sets(frame, weights, table.draws, seed=seed)
    except (OSError, ValueError, ScenarioError) as err:
        raise SweepError(f"{origin}: [posterior] file: {err}") from None
    return draws, {"file": file.name, "sha256": file_digest(file), "draws": table.draws}


def resolve(spec: SweepFile, base: Scenario, origin: str, name: str, path: Path | None = None) -> Sweep:
    """Turn a validated sweep file into variants and worlds, validating every scenario."""
    _check_tables(spec, origin)
    _check_keys(spec.factors, origin, "factors")
    _check_keys(spec.ranges, origin, "ranges")
    _check_keys(spec.fixed, origin, "fixed")
    points = [{**spec.fixed, **pt} for pt in _design_points(spec, origin)]
    named = []
    for i, table in enumerate(spec.variant):
        table = dict(table)
        vname = table.pop("name", f"variant-{i + 1}")
        _check_keys(table, origin, f"[variant] {vname}")
        named.append((str(vname), {**spec.fixed, **table}))
    if spec.sweep.design == "list" and not named:
        raise SweepError(f"{origin}: design 'list' needs at least one [[variant]] table")
    variants = [Variant(BASELINE, "baseline", {})]
    for overrides in points:
        variants.append(Variant(f"s{len(variants):03d}", _label({k: overrides[k] for k in overrides
                                                                   if k not in spec.fixed} or overrides), overrides))
    for vname, overrides in named:
        variants.append(Variant(f"s{len(variants):03d}", vname, overrides))
    lever_keys = {k for v in variants for k in v.overrides}
    samples = _sample(spec, origin) if _crossed(spec) else []
    clash = sorted(lever_keys & set(spec.ranges)) if samples else []
    if clash:
        raise SweepError(f"{origin}: [ranges] {clash[0]}: also set by [factors], [fixed] or a [[variant]]; an "
                         "uncertain parameter crossed with the lever settings cannot be one of them")
    draws, posterior = ([], None)
    if spec.posterior is not None:
        draws, posterior = _posterior_draws(spec.posterior, path or Path(origin), spec.sweep.seed, origin)
        clash = sorted((lever_keys | set(spec.ranges) if samples else lever_keys) & set(draws[0]))
        if clash:
            raise SweepError(f"{origin}: [posterior] {clash[0]}: a posterior column that the sweep also sets "
                             "([factors], [ranges], [fixed] or a [[variant]]); drop it from one of them")
    worlds = [World(s, d, {**(sv or {}), **(dv or {})})
              for s, sv in (enumerate(samples) if samples else [(-1, None)])
              for d, dv in (enumerate(draws) if draws else [(-1, None)])] if samples or draws else []
    sweep = Sweep(name=name, base=base, variants=variants, replicates=spec.sweep.replicates,
                  seed=spec.sweep.seed, block=spec.sweep.block, worlds=worlds, posterior=posterior,
                  replaced=replaced_by_posterior(base, draws[0]) if draws else {})
    if sweep.runs > MAX_RUNS:
        raise SweepError(f"{origin}: {len(variants):,} scenarios x {len(sweep.all_worlds):,} worlds x "
                         f"{sweep.replicates:,} replicates = {sweep.runs:,} runs (allowed: at most {MAX_RUNS:,})")
    for v in variants:  # every variant (and every world) a valid scenario before anything runs
        try:
            sweep.scenario(v)
        except ScenarioError as err:
            raise SweepError(f"{origin}: variant {v.id} ({v.name}): {err}") from None
    for w in worlds:
        try:
            sweep.scenario(variants[0], w)
        except ScenarioError as err:
            raise SweepError(f"{origin}: {world_label(w)}: {err}") from None
    return sweep


def replaced_by_posterior(base: Scenario, columns) -> dict[str, Any]:
    """The posterior ``columns`` that replace a value ``base`` sets itself (one that differs from the calibrated
    default, or the schema's), with that value: every draw then runs with its own value instead."""
    from functools import reduce

    from ..calibrate.calibrated import calibrated_behaviour

    paths, schema, calibrated = flat_keys(), Scenario(), calibrated_behaviour()
    replaced = {}
    for key in columns:
        path = paths.get(key)
        if path is None:
            continue
        value = reduce(getattr, path, base)
        default = reduce(getattr, path, schema)
        if path[0] == "behaviour":
            default = calibrated.get(path[-1], default)
        if value != default:
            replaced[".".join(path)] = value
    return replaced


def replaced_note(replaced: dict[str, Any]) -> str:
    """One line for the user when posterior draws replace values the scenario sets."""
    listed = ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in replaced.items())
    return (f"note: the posterior's draws replace what the scenario sets ({listed}); every draw runs with its own "
            "value. To keep the scenario's, drop the column from the posterior CSV")


def base_reference(ref: str, sweep_file: Path) -> str:
    """The base a sweep file names, as :func:`~adoptsim.scenario.load_base` takes it.

    A scenario file beside the sweep file (``lahore-baseline.toml``, or ``lahore-baseline`` when that
    file exists, so that copied examples run their copies), else a shipped scenario name
    (``kanpur-zld-mandate``, what ``adoptsim run NAME`` takes), else a cluster name.
    """
    from ..examples import find_shipped

    if ref.endswith(".toml"):
        return ref
    beside = sweep_file.parent / f"{ref}.toml"
    if "/" not in ref and "\\" not in ref and beside.is_file():
        return beside.name
    shipped = find_shipped(ref, "scenario")
    return str(shipped) if shipped is not None else ref


def load_sweep(path: str | Path, posterior: str | Path | None = None, draws: int | None = None) -> Sweep:
    """Read, validate and resolve a sweep TOML file.

    ``posterior`` (a CSV) and ``draws`` replace or add the file's ``[posterior]`` table
    (``adoptsim sweep --posterior FILE --draws N``); ``draws`` alone changes the table's count.
    """
    path = Path(path)
    spec = read_model(path, SweepFile, SweepError, "sweep")
    if posterior is not None or draws is not None:
        if posterior is None and spec.posterior is None:
            raise SweepError(f"{path}: --draws needs a posterior: give --posterior FILE or a [posterior] table")
        file = str(Path(posterior).resolve()) if posterior is not None else spec.posterior.file
        spec = spec.model_copy(update={"posterior": PosteriorTable(
            file=file, draws=draws if draws is not None else (spec.posterior.draws if spec.posterior else DRAWS))})
    head = spec.sweep
    try:
        base = load_base(base_reference(head.base, path), path, f"{path}: [sweep] base",
                         n_firms=head.n_firms, months=head.months)
    except ScenarioError as err:
        raise SweepError(f"{path}: [sweep] base: {err}") from None
    return resolve(spec, base, str(path), head.name or path.stem, path)
