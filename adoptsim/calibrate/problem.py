"""A config bound to its scenarios and targets: the inference problem, ready to run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict, with_overrides
from .config import LoadedConfig, PriorSpec, behaviour_bounds, fingerprint
from .errors import CalibrationError
from .simulator import Simulator, Statistic
from .targets import SIMULATED_ROLES, Target, load_targets, load_user_data, observations_to_targets


@dataclass
class Problem:
    config: LoadedConfig
    scenarios: dict[str, Scenario]          # id -> scenario, months = last month any target needs
    fit: list[Target]                       # fitted targets
    check: list[Target]                     # simulated in the predictive check (includes ``fit``)
    other: list[Target]                     # rows of the chosen set not simulated (inputs, structural, ...)
    parameters: dict[str, PriorSpec]
    data_path: Path | None = None
    target_files: list[Path] = field(default_factory=list)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.parameters)

    def simulator(self, targets: list[Target] | None = None) -> Simulator:
        targets = self.fit if targets is None else targets
        bounds = behaviour_bounds()
        used = {t.scenario for t in targets}
        return Simulator({sid: sc.model_dump() for sid, sc in self.scenarios.items() if sid in used},
                         [Statistic.of(t) for t in targets], self.config.config.calibration.seed,
                         self.config.config.abc.replicates, self.names, {n: bounds[n] for n in self.names},
                         {sid: v for sid, v in self.volunteers.items() if sid in used})

    @property
    def volunteers(self) -> dict[str, tuple[int, str]]:
        """Scenario id -> (pool, trait) for the scenarios simulated as a selected sample."""
        return {s.id: (s.volunteers.pool, s.volunteers.by) for s in self.config.config.scenario
                if s.volunteers is not None and s.id in self.scenarios}

    @property
    def observed(self) -> dict[str, float]:
        return {t.id: t.centre for t in self.fit}

    @property
    def weights(self) -> dict[str, float]:
        return {t.id: 1.0 / t.half_width for t in self.fit}

    def fingerprint(self) -> str:
        """Same fingerprint = same inference problem (the budget may differ: it can be extended)."""
        cfg = self.config.config
        budget = {"max_generations", "max_walltime_minutes", "minimum_epsilon", "min_acceptance_rate",
                  "predictive_draws"}
        unset = {"prior_mixture"} if cfg.abc.prior_mixture == 0.0 else set()  # runs from before it existed match
        return fingerprint({
            "seed": cfg.calibration.seed,
            "abc": cfg.abc.model_dump(exclude=budget | unset),
            # the fitted parameters' base values are overridden by every particle: leave them out, so that
            # regenerating calibrated defaults does not turn the same problem into a "different" one
            "scenarios": {sid: sc.model_dump(exclude={"name": True, "description": True,
                                                      "behaviour": set(self.parameters)})
                          for sid, sc in self.scenarios.items()},
            "parameters": {n: p.model_dump(exclude={"source"}) for n, p in self.parameters.items()},
            "sampled_as": [p.sampled_name(n) for n, p in self.parameters.items()],
            "fit": [(t.id, t.scenario, t.quantity, t.month, t.cohort_month, t.low, t.high, t.n_firms)
                    for t in self.fit],
            **({"volunteers": self.volunteers} if self.volunteers else {}),
        })


def _scenario(cfg: LoadedConfig, index: int) -> Scenario:
    spec = cfg.config.scenario[index]
    key = f"scenario[{index}] ({spec.id})"
    try:
        if spec.file is not None:
            base = load_scenario(cfg.resolve(spec.file))
        else:
            cluster = spec.cluster
            if cluster.endswith(".toml"):
                cluster = str(cfg.resolve(cluster))
            base = scenario_from_dict({"name": spec.id, "cluster": cluster}, origin="cluster")
    except (ScenarioError, FileNotFoundError) as err:
        raise CalibrationError(f"{cfg.path}: {key}.{'file' if spec.file else 'cluster'}: {err}") from None
    try:
        return with_overrides(base, origin=f"{cfg.path}: {key}.overrides", **spec.overrides)
    except ScenarioError as err:
        raise CalibrationError(str(err)) from None


def build_problem(cfg: LoadedConfig, data: str | Path | None = None, allow_decreasing: bool = False) -> Problem:
    """Load scenarios and targets, select the fitted and checked rows, map them to scenarios.

    ``allow_decreasing``: accept a user data series that falls (see :mod:`.userdata`).
    """
    c = cfg.config
    scenarios = {s.id: _scenario(cfg, i) for i, s in enumerate(c.scenario)}
    files = [cfg.resolve(p) for p in c.calibration.targets]
    rows: list[Target] = []
    for path in files:
        rows += load_targets(path)
    known = {t.id for t in rows}
    missing = [x for x in c.calibration.exclude if x not in known]
    if missing:
        raise CalibrationError(f"{cfg.path}: calibration.exclude: unknown target id(s) {', '.join(missing)}")
    chosen = [t for t in rows if t.set == c.calibration.set and t.id not in c.calibration.exclude]
    fit = [t for t in chosen if t.role in c.calibration.roles]
    check_roles = set(c.calibration.checks) | set(c.calibration.roles)
    check = [t for t in chosen if t.role in check_roles and t.role in SIMULATED_ROLES]
    other = [t for t in chosen if t not in check]
    for t in fit:
        if t.scenario not in scenarios:
            raise CalibrationError(
                f"{cfg.path}: target {t.id!r} ({t.origin}) is fitted but its scenario {t.scenario!r} is not "
                f"configured (configured: {', '.join(scenarios)}); add a [[scenario]] with that id or exclude it")
    # lever checks of scenarios that are not configured cannot be simulated: keep them as "other"
    other += [t for t in check if t.scenario not in scenarios]
    check = [t for t in check if t.scenario in scenarios]
    data_path = None
    if data is not None:
        data_path = Path(data)
        obs = load_user_data(data_path, allow_decreasing)
        from ..profiles import load_profile

        clusters = {sid: load_profile(sc.cluster).name for sid, sc in scenarios.items()}
        user = observations_to_targets(obs, clusters, data_path, {sid: sc.months for sid, sc in scenarios.items()})
        clash = sorted({t.id for t in user} & {t.id for t in fit})
        if clash:
            raise CalibrationError(f"{data_path}: rows repeat target ids {', '.join(clash)}")
        fit += user
        check += user
    if not fit:
        raise CalibrationError(f"{cfg.path}: no targets to fit (set {c.calibration.set!r}, roles "
                               f"{', '.join(c.calibration.roles)}{'' if data is None else ', plus --data'})")
    months: dict[str, int] = {}
    for t in check:
        months[t.scenario] = max(months.get(t.scenario, 1), int(t.month))
    scenarios = {sid: sc.model_copy(update={"months": months[sid]}) for sid, sc in scenarios.items()
                 if sid in months}
    return Problem(cfg, scenarios, fit, check, other, dict(c.parameters), data_path, files)
