"""Sweep definitions: a base scenario, the variants to run, replicates and seeds.

A sweep file (format in ``FORMAT.md``) resolves to a :class:`Sweep`: the base
:class:`~adoptsim.scenario.Scenario` plus a list of :class:`Variant` (a name
and flat-key overrides). Variant ``s000`` is always the unmodified baseline.
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


#: Variant id of every sweep's baseline: the base scenario, unmodified (compare measures against it).
BASELINE = "s000"


class SweepError(ValueError):
    """A sweep file or results directory that cannot be used; the message says why."""


class SweepHeader(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field("", max_length=200, description="folder names keep only [A-Za-z0-9._-] (adoptsim.paths)")
    base: str = Field(max_length=4096, description="scenario file, relative to the sweep file, or a shipped cluster name")
    replicates: int = Field(10, ge=1, le=10_000)
    seed: int = Field(0, ge=0, lt=2**63)
    n_firms: int | None = Field(None, ge=1, le=5_000_000)
    months: int | None = Field(None, ge=1, le=1200)
    design: Literal["factorial", "lhs", "sobol", "list"] = "factorial"
    samples: int = Field(16, ge=1, le=100_000)
    block: int = Field(0, ge=0, le=10_000, description="replicates per unit of work (0 = all)")


class SweepFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    sweep: SweepHeader
    factors: dict[str, list[Any]] = {}
    ranges: dict[str, list[float]] = {}
    fixed: dict[str, Any] = {}
    variant: list[dict[str, Any]] = []


@dataclass(frozen=True)
class Variant:
    """One scenario of a sweep: an id, a readable name and flat-key overrides."""

    id: str
    name: str
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sweep:
    """A resolved sweep: everything needed to run it and to recognise it again."""

    name: str
    base: Scenario
    variants: list[Variant]
    replicates: int
    seed: int
    block: int = 0

    @property
    def baseline(self) -> Variant:
        return self.variants[0]

    def scenario(self, variant: Variant) -> Scenario:
        return with_overrides(self.base, origin=f"sweep {self.name}: {variant.name}", **variant.overrides)

    def replicate_seed(self, replicate: int) -> int:
        return replicate_seed(self.seed, replicate)

    def definition(self) -> dict:
        """Canonical JSON-able description (what the results directory records).

        Everything that decides which units exist or what they hold is here, so
        that it is all in :meth:`digest`: the base scenario, variants, replicates,
        seed and block, plus the model's code and data and the profile file's
        content (a resumed sweep never mixes two definitions).
        """
        from ..fingerprint import file_digest, model_digest
        from ..profiles import profile_path

        return {
            "name": self.name,
            "base": self.base.model_dump(mode="json"),
            "replicates": self.replicates,
            "seed": self.seed,
            "block": self.block,
            "model": model_digest(),
            "profiles": {c: file_digest(profile_path(c)) for c in sorted(
                {self.base.cluster} | {str(v.overrides["cluster"]) for v in self.variants if "cluster" in v.overrides})},
            "variants": [{"id": v.id, "name": v.name, "overrides": v.overrides} for v in self.variants],
        }

    def digest(self) -> str:
        text = json.dumps(self.definition(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def replicate_seed(sweep_seed: int, replicate: int) -> int:
    """Seed of replicate ``replicate``: shared by every variant (common random numbers)."""
    state = np.random.SeedSequence(sweep_seed, spawn_key=(replicate,)).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def _label(overrides: dict[str, Any]) -> str:
    def fmt(v):
        return f"{v:.4g}" if isinstance(v, float) else str(v)
    return ", ".join(f"{k}={fmt(v)}" for k, v in overrides.items()) or "baseline"


MAX_VARIANTS = 100_000  # a factorial design beyond this is refused before any variant is validated


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


def _design_points(spec: SweepFile, origin: str) -> list[dict[str, Any]]:
    head = spec.sweep
    if head.design == "factorial":
        if not spec.factors and not spec.variant:
            raise SweepError(f"{origin}: [factors]: a factorial sweep needs at least one factor or [[variant]]")
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
    if head.design in ("lhs", "sobol"):
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
    return []  # "list": only explicit [[variant]] tables


def resolve(spec: SweepFile, base: Scenario, origin: str, name: str) -> Sweep:
    """Turn a validated sweep file into variants, validating every scenario."""
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
    sweep = Sweep(name=name, base=base, variants=variants, replicates=spec.sweep.replicates,
                  seed=spec.sweep.seed, block=spec.sweep.block)
    for v in variants:  # every variant must be a valid scenario before anything runs
        try:
            sweep.scenario(v)
        except ScenarioError as err:
            raise SweepError(f"{origin}: variant {v.id} ({v.name}): {err}") from None
    return sweep


def load_sweep(path: str | Path) -> Sweep:
    """Read, validate and resolve a sweep TOML file."""
    path = Path(path)
    spec = read_model(path, SweepFile, SweepError, "sweep")
    head = spec.sweep
    try:
        base = load_base(head.base, path, f"{path}: [sweep] base", n_firms=head.n_firms, months=head.months)
    except ScenarioError as err:
        raise SweepError(f"{path}: [sweep] base: {err}") from None
    return resolve(spec, base, str(path), head.name or path.stem)
