r"""The sensitivity file (a pydantic model of its TOML) and the uncertain parameters it names.

A sensitivity file (TOML, in ``adoptsim/experiments/``)
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
    outcome = "share_adopted"         # a column of the outcome table (adoptsim.outcome_table.COLUMNS)
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
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ..scenario import Scenario, ScenarioError, load_base, with_overrides
from ..scenario.space import PARAMETERS
from ..sweep import SweepError
from ..tomlfile import read_model
from .salib import Method, design_rows

NOT_OUTCOMES = ("month", "year", "firms")  # columns that cannot vary across a design


class SensitivityError(SweepError):
    """A sensitivity file or design that cannot be used; the message names the file and key."""


class SensitivityHeader(BaseModel):
    """The ``[sensitivity]`` table."""

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
    """A whole sensitivity file: ``[sensitivity]`` and ``[parameters]`` (flat key = [low, high])."""

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
    from ..outcome_table import column_names
    from ..profiles import load_profile

    profile = load_profile(scenario.cluster)
    return [c for c in column_names(tuple(profile.option_names), tuple(profile.sectors)) if c not in NOT_OUTCOMES]


@dataclass(frozen=True)
class UncertainParameter:
    """One uncertain parameter of a study: a flat scenario key, its range, and whether runs round it."""

    name: str
    low: float
    high: float
    integer: bool = False


def uncertain_parameters(ranges: Mapping[str, Sequence[float]], base: Scenario,
                         origin: str) -> list[UncertainParameter]:
    """The study's uncertain parameters, in file order: names and ``[low, high]`` checked against the schema.

    This is the one place that builds the parameter list. Each name must be a
    numeric behaviour or lever parameter of the parameter space
    (:data:`adoptsim.scenario.space.PARAMETERS`; its kind, float or int, decides
    whether runs round it); both ends of the range must give a valid scenario on ``base``.
    Errors name ``origin`` and the key.
    """
    if not ranges:
        raise SensitivityError(f"{origin}: [parameters]: name at least one flat key = [low, high]")
    out = []
    for key, rng in ranges.items():
        where = f"{origin}: [parameters] {key}"
        try:
            param = PARAMETERS.lookup(key)
        except KeyError as err:
            raise SensitivityError(f"{origin}: [parameters] {err.args[0]}") from None
        if param.group == "scenario":
            raise SensitivityError(f"{where}: not an uncertain parameter; set it in [sensitivity] "
                                   "or in the base scenario")
        if param.kind not in ("float", "int"):
            raise SensitivityError(f"{where}: not a numeric parameter, cannot be sampled from a range")
        if len(rng) != 2 or not all(math.isfinite(v) for v in rng) or not rng[0] < rng[1]:
            raise SensitivityError(f"{where}: need [low, high] with finite low < high, got {rng}")
        for end in rng:
            value = int(round(end)) if param.kind == "int" else float(end)
            try:
                with_overrides(base, origin=where, **{key: value})
            except ScenarioError as err:
                raise SensitivityError(str(err)) from None
        out.append(UncertainParameter(key, float(rng[0]), float(rng[1]), integer=param.kind == "int"))
    return out


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
    params = uncertain_parameters(spec.parameters, base, str(path))
    return SensitivityConfig(
        name=head.name or path.stem, path=path, base=base, method=head.method, samples=head.samples,
        replicates=head.replicates, seed=head.seed, outcome=head.outcome, month=month,
        parameters={p.name: (p.low, p.high) for p in params}, integer=frozenset(p.name for p in params if p.integer))
