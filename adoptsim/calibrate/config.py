r"""Calibration configs: which scenarios, which parameters with which priors, which targets.

A config is a TOML file (shipped ones live in ``calibration/``). Paths inside it
are relative to the file. Unknown keys are errors; every error names the file
and the key::

    [calibration]
    name = "lahore-moradabad"           # default: file stem
    description = "..."
    seed = 20170301                     # seeds of the ABC proposals and of every simulation
    targets = ["data/targets.csv"]      # target files (adoptsim.calibrate.targets); [] for --data only
    set = "calibration"                 # which rows: calibration | validation
    roles = ["behavioural"]             # rows that are fitted
    checks = ["behavioural", "lever_check"]  # rows simulated in the posterior-predictive check
    exclude = []                        # target ids to leave out
    publish = "calibrated.toml"         # write the posterior medians here (omit: don't)
    publish_posterior = "posterior.csv" # and the posterior sample (flat keys + weight; omit: don't)

    [abc]
    population_size = 400               # particles per generation
    max_generations = 12                # raise it and run again to continue a finished run
    minimum_epsilon = 1.0               # stop when the threshold reaches this (in half-widths)
    epsilon_quantile = 0.5              # next threshold = this quantile of the last distances
    distance = "pnorm"                  # pnorm (fixed weights 1/half-width) | adaptive (pyabc's)
    p = inf                             # inf: max over targets; 2: Euclidean
    max_walltime_minutes = 14           # per invocation
    min_acceptance_rate = 0.02          # also caps one generation at population_size / rate evaluations
    transition = "multivariate_normal"  # pyabc perturbation kernel: multivariate_normal | local
    transition_scaling = 1.0            # bandwidth multiplier (> 1: wider proposals, steadier weights)
    prior_mixture = 0.0                 # share of proposals from the prior (> 0: bounded weights, steadier ESS)
    replicates = 1                      # simulations per scenario per particle (statistics averaged;
                                        # pattern statistics: the share of replicates passing)
    predictive_draws = 100              # posterior (and prior) draws for the predictive check

    [patterns]                          # optional pattern filter (adoptsim.calibrate.patterns)
    draws = 40                          # distinct posterior particles run through adoptsim validate's checks
    patterns = [1, 2, 3, 4, 5, 6, 7, 8, 9]  # those a published parameter set must reproduce
    check_point = false                 # with draws = 0: report the published point's patterns (not a filter)
    check_draws = 0                     # and their pass rates over this many posterior draws
    point_seed_sets = 4                 # seed sets the published point's patterns run on (a pass rate each)

    [[scenario]]                        # one simulated setting; targets name it by id
    id = "moradabad-outreach-demos"
    file = "../adoptsim/experiments/moradabad-outreach-demos.toml"  # or: cluster = "moradabad"
    overrides = { outreach_reach_per_month = 29.0 }         # flat scenario keys
    volunteers = { pool = 300, by = "horizon" }              # optional: n_firms most patient of 300 firms

    [parameters.attention]              # a behaviour parameter (adoptsim.scenario.Behaviour)
    prior = "loguniform"                # uniform | loguniform (low, high); normal (mean, sd);
    low = 0.01                          # lognormal (median, sigma); optional low/high truncate
    high = 0.5                          # normal and lognormal
    source = "docs/PATTERNS.md §3: ..."

With ``p = inf`` and weights ``1 / half-width`` the distance of a simulation is
the largest number of half-widths by which a simulated statistic misses the
midpoint of its observed interval, so ``distance <= 1`` means every statistic
falls inside its interval. ``minimum_epsilon = 1`` therefore asks for the
parameters under which the simulations land inside all observed intervals and
no more: the intervals are what the sources support.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import format_errors
from ..tomlfile import read_toml
from .errors import CalibrationError
from .targets import ROLES, SETS

PRIORS = ("uniform", "loguniform", "normal", "lognormal")
LOG_PRIORS = ("loguniform", "lognormal")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class CalibrationSection(_Strict):
    name: str = Field("", description="short name (default: file stem)")
    description: str = ""
    seed: int = Field(20170301, ge=0, lt=2**63, description="seed of proposals and simulations")
    targets: list[str] = Field(default_factory=lambda: ["data/targets.csv"], description="target CSV files")
    set: Literal["calibration", "validation"] = "calibration"
    roles: list[Literal["behavioural", "lever_check"]] = Field(default_factory=lambda: ["behavioural"])
    checks: list[Literal["behavioural", "lever_check"]] = Field(
        default_factory=lambda: ["behavioural", "lever_check"])
    exclude: list[str] = Field(default_factory=list)
    publish: str | None = Field(None, description="calibrated parameter file to write (relative to the config)")
    publish_posterior: str | None = Field(None, description="posterior sample CSV to write (flat keys + weight)")


class ABCSettings(_Strict):
    population_size: int = Field(400, ge=10, le=1_000_000)
    max_generations: int = Field(12, ge=1, le=1000)
    minimum_epsilon: float = Field(1.0, ge=0)
    epsilon_quantile: float = Field(0.5, gt=0, le=1)
    distance: Literal["pnorm", "adaptive"] = "pnorm"
    p: float = Field(math.inf, ge=1)
    max_walltime_minutes: float | None = Field(None, gt=0)
    min_acceptance_rate: float = Field(0.0, ge=0, le=1)
    transition: Literal["multivariate_normal", "local"] = "multivariate_normal"
    transition_scaling: float = Field(1.0, gt=0, le=10)
    prior_mixture: float = Field(0.0, ge=0, lt=1, description="share of proposals drawn from the prior "
                                 "(defensive importance sampling: no weight above 1/share of a prior draw's)")
    replicates: int = Field(1, ge=1, le=100)
    predictive_draws: int = Field(100, ge=10, le=100_000)


class PatternSettings(_Strict):
    draws: int = Field(0, ge=0, le=10_000, description="distinct posterior particles screened against the "
                                                      "patterns of docs/PATTERNS.md §1 (adoptsim.calibrate.patterns); 0: no filter")
    patterns: list[int] = Field(default_factory=lambda: list(range(1, 10)), min_length=1,
                                description="pattern numbers (1-9) a published parameter set must reproduce")
    check_point: bool = Field(False, description="without the filter (draws = 0): run the patterns on the published "
                                                  "point (the posterior medians) and report them")
    check_draws: int = Field(0, ge=0, le=10_000,
                             description="without the filter (draws = 0): posterior draws whose pattern pass rates "
                                         "the report gives, besides the published point's verdicts (0: none)")
    point_seed_sets: int = Field(4, ge=1, le=100,
                                 description="independent seed sets the published point's patterns run on (as "
                                             "adoptsim validate): a pass rate per pattern, not one seed's verdict")

    @field_validator("patterns")
    @classmethod
    def _known(cls, v):
        bad = [n for n in v if not 1 <= n <= 9]
        if bad:
            raise ValueError(f"unknown pattern(s) {bad} (allowed: 1 to 9)")
        return v


class VolunteerSpec(_Strict):
    """A selected sample: the scenario's ``n_firms`` are the most willing firms of a larger pool.

    ``pool`` firms are synthesised from the profile and the ``n_firms`` with the largest
    ``by`` trait are simulated (``horizon``: the longest acceptable payback, i.e. the most
    patient firms volunteer). Their traits depend on the fitted parameters, so the selection
    is part of every evaluation.
    """

    pool: int = Field(ge=1, le=1_000_000, description="firms the volunteers come from")
    by: Literal["horizon"] = "horizon"


class ScenarioSpec(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    file: str | None = Field(None, description="scenario TOML, relative to the config")
    cluster: str | None = Field(None, description="shipped profile name or profile TOML (instead of file)")
    overrides: dict[str, Any] = Field(default_factory=dict, description="flat scenario keys")
    volunteers: VolunteerSpec | None = Field(None, description="simulate a selected sample (see VolunteerSpec)")

    @model_validator(mode="after")
    def _one_source(self):
        if (self.file is None) == (self.cluster is None):
            raise ValueError("give exactly one of file or cluster")
        return self


class PriorSpec(_Strict):
    prior: Literal["uniform", "loguniform", "normal", "lognormal"]
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = Field(None, gt=0)
    median: float | None = Field(None, gt=0)
    sigma: float | None = Field(None, gt=0)
    source: str = Field(min_length=1, description="where the prior comes from")

    @model_validator(mode="after")
    def _fields(self):
        need = {"uniform": ("low", "high"), "loguniform": ("low", "high"), "normal": ("mean", "sd"),
                "lognormal": ("median", "sigma")}[self.prior]
        allowed = set(need) | ({"low", "high"} if self.prior in ("normal", "lognormal") else set())
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"prior {self.prior!r} needs {', '.join(need)} (missing {', '.join(missing)})")
        extra = [k for k in ("low", "high", "mean", "sd", "median", "sigma") if getattr(self, k) is not None
                 and k not in allowed]
        if extra:
            raise ValueError(f"prior {self.prior!r} does not take {', '.join(extra)} "
                             f"(allowed: {', '.join(sorted(allowed))})")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.prior == "loguniform" and self.low <= 0:
            raise ValueError(f"loguniform needs low > 0 (got {self.low})")
        return self

    @property
    def log_scale(self) -> bool:
        return self.prior in LOG_PRIORS

    def scipy(self):
        """The prior as a frozen scipy distribution (truncated where low/high are given)."""
        from scipy import stats

        if self.prior == "uniform":
            return stats.uniform(self.low, self.high - self.low)
        if self.prior == "loguniform":
            return stats.loguniform(self.low, self.high)
        if self.prior == "normal":
            lo = -math.inf if self.low is None else (self.low - self.mean) / self.sd
            hi = math.inf if self.high is None else (self.high - self.mean) / self.sd
            return stats.truncnorm(lo, hi, loc=self.mean, scale=self.sd)
        mu = math.log(self.median)
        if self.low is None and self.high is None:
            return stats.lognorm(self.sigma, scale=self.median)
        lo = -math.inf if self.low is None else (math.log(self.low) - mu) / self.sigma if self.low > 0 else -math.inf
        hi = math.inf if self.high is None else (math.log(self.high) - mu) / self.sigma
        return _TruncLogNormal(lo, hi, mu, self.sigma)

    def sampled_name(self, name: str) -> str:
        """The name pyabc samples under: ``log_<name>`` for log-scale priors, else ``name``."""
        return f"log_{name}" if self.log_scale else name

    def pyabc_rv(self):
        """The prior as a pyabc random variable, on the scale pyabc samples (log x for log-scale priors).

        Sampling log-scale parameters as log x lets pyabc's Gaussian perturbation kernel move across
        decades evenly; the importance weights are unchanged by the reparametrisation.
        """
        import pyabc

        if self.prior == "uniform":
            return pyabc.RV("uniform", self.low, self.high - self.low)
        if self.prior == "normal":
            d = self.scipy()
            return pyabc.RV("truncnorm", d.a, d.b, loc=self.mean, scale=self.sd)
        if self.prior == "loguniform":
            lo, hi = math.log(self.low), math.log(self.high)
            return pyabc.RV("uniform", lo, hi - lo)
        mu = math.log(self.median)
        if self.low is None and self.high is None:
            return pyabc.RV("norm", mu, self.sigma)
        a = -math.inf if self.low is None or self.low <= 0 else (math.log(self.low) - mu) / self.sigma
        b = math.inf if self.high is None else (math.log(self.high) - mu) / self.sigma
        return pyabc.RV("truncnorm", a, b, loc=mu, scale=self.sigma)

    def support(self) -> tuple[float, float]:
        """The interval holding all but 1e-9 of the prior's mass."""
        d = self.scipy()
        return float(d.ppf(1e-9)), float(d.ppf(1 - 1e-9))

    def describe(self) -> str:
        if self.prior in ("uniform", "loguniform"):
            return f"{self.prior}({self.low:g}, {self.high:g})"
        core = f"normal(mean {self.mean:g}, sd {self.sd:g})" if self.prior == "normal" else \
            f"lognormal(median {self.median:g}, sigma {self.sigma:g})"
        if self.low is not None or self.high is not None:
            core += f" truncated to [{'' if self.low is None else f'{self.low:g}'}, " \
                    f"{'' if self.high is None else f'{self.high:g}'}]"
        return core


class _TruncLogNormal:
    """exp of a truncated normal, with the scipy methods the reports and pyabc use."""

    def __init__(self, a: float, b: float, mu: float, sigma: float):
        from scipy import stats

        self._z = stats.truncnorm(a, b, loc=mu, scale=sigma)

    def rvs(self, size=None, random_state=None):
        return math.e ** self._z.rvs(size=size, random_state=random_state)

    def pdf(self, x):
        import numpy as np

        x = np.asarray(x, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(x > 0, self._z.pdf(np.log(np.where(x > 0, x, 1.0))) / np.where(x > 0, x, 1.0), 0.0)
        return out if out.ndim else float(out)

    def cdf(self, x):
        import numpy as np

        x = np.asarray(x, float)
        return np.where(x > 0, self._z.cdf(np.log(np.where(x > 0, x, 1.0))), 0.0)

    def ppf(self, q):
        import numpy as np

        return np.exp(self._z.ppf(q))


class Config(_Strict):
    calibration: CalibrationSection = CalibrationSection()
    abc: ABCSettings = ABCSettings()
    patterns: PatternSettings = PatternSettings()
    scenario: list[ScenarioSpec] = Field(min_length=1)
    parameters: dict[str, PriorSpec] = Field(min_length=1)

    @field_validator("scenario")
    @classmethod
    def _unique_ids(cls, v):
        ids = [s.id for s in v]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"scenario ids must be unique (repeated: {', '.join(dup)})")
        return v


class LoadedConfig:
    """A validated config with its file: paths resolved relative to it."""

    def __init__(self, config: Config, path: Path, text: str):
        self.config, self.path, self.text = config, path, text
        self.name = config.calibration.name or path.stem

    @property
    def base(self) -> Path:
        return self.path.parent

    def resolve(self, relative: str) -> Path:
        p = Path(relative)
        return p if p.is_absolute() else (self.base / p).resolve()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def behaviour_bounds() -> dict[str, tuple[float | None, float | None]]:
    """Allowed range of every float behaviour parameter (from the parameter space)."""
    from ..scenario.space import parameter_space

    return {p.key: (p.low, p.high) for p in parameter_space().group("behaviour") if p.kind == "float"}


def load_config(path: str | Path) -> LoadedConfig:
    """Read and validate a calibration config; errors name the file and the key."""
    path = Path(path)
    data = read_toml(path, CalibrationError, "calibration config")
    try:
        config = Config.model_validate(data)
    except ValidationError as err:
        raise CalibrationError(format_errors(err, str(path), model=Config)) from None
    bounds = behaviour_bounds()
    for name, prior in config.parameters.items():
        if name not in bounds:
            raise CalibrationError(f"{path}: parameters.{name}: not a behaviour parameter "
                                   f"(allowed: {', '.join(sorted(bounds))})")
        lo, hi = bounds[name]
        s_lo, s_hi = prior.support()
        if (lo is not None and s_lo < lo) or (hi is not None and s_hi > hi):
            raise CalibrationError(
                f"{path}: parameters.{name}: prior {prior.describe()} reaches [{s_lo:.4g}, {s_hi:.4g}], outside the "
                f"allowed range of {name} (allowed: {lo} to {hi}; narrow the prior or give low/high)")
    if not config.calibration.roles:
        raise CalibrationError(f"{path}: calibration.roles: empty (allowed: behavioural, lever_check)")
    return LoadedConfig(config, path.resolve(), path.read_text())


def fingerprint(parts: dict) -> str:
    """A short stable hash of what makes two calibrations the same inference problem."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


__all__ = ["ABCSettings", "CalibrationSection", "Config", "LoadedConfig", "PatternSettings", "PriorSpec", "ROLES", "SETS",
           "ScenarioSpec", "behaviour_bounds", "load_config"]
