"""One scenario over a posterior: weighted draws x replicates, and how far apart their outcomes lie.

What is known about firm behaviour comes from a calibration as a weighted
posterior sample (flat parameter keys + ``weight``; ``calibration/README.md``,
"Outputs"). :func:`run_ensemble` runs a scenario once per replicate in each of
``draws`` weighted draws of it, through the sweep machinery (a sweep of the
base scenario alone with a ``[posterior]`` table: the same seeds per replicate
in every draw, resumable, any number of workers), and summarises the key
outcomes at milestones: the median run and the 90 % range of all runs, with the
part the parameter draws alone make (each draw's replicates averaged) and the
part run-to-run luck makes (each run against its draw's mean) beside it
(:func:`adoptsim.compare.spread`, the outcome counterpart of ``compare``'s
noise and parameter parts).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from .compare.effects import _at_horizon, _matrix, cluster_currency, spread
from .scenario import Scenario, default_scenario, load_scenario, with_overrides
from .sweep.spec import BASELINE, DRAWS, PosteriorTable, SweepError, SweepFile, SweepHeader, resolve

#: Replicates per draw by default: two, so that run-to-run luck can be told from the parameters' part.
REPLICATES = 2
#: Months at which the summary is given (those within the horizon), and always the last month.
MILESTONES = (12, 36, 60, 120)
#: The word that picks the posterior sample shipped with the package.
SHIPPED = "shipped"
#: The summarised outcomes: (column, what it is, unit; "currency" = the cluster's).
OUTCOMES = (
    ("share_adopted", "firms that adopted something", "% of firms"),
    ("water_saved_m3_per_year", "water saved", "m³/yr"),
    ("public_cost_cumulative", "public money spent to date", "currency"),
    ("firms_lost", "firms lost (closed or moved out of the cluster)", "firms"),
)
SUMMARY_COLUMNS = ["outcome", "label", "unit", "month", "draws", "replicates", "level", "median", "lo", "hi",
                   "param_lo", "param_hi", "noise_lo", "noise_hi"]


def posterior_file(posterior: str | Path) -> Path:
    """``"shipped"`` as the package's posterior sample (:func:`~adoptsim.calibrate.calibrated.shipped_posterior`),
    anything else as a path."""
    if str(posterior) == SHIPPED:
        from .calibrate.calibrated import shipped_posterior

        return shipped_posterior()
    return Path(posterior)


def milestones(last: int, months: Sequence[int] = MILESTONES) -> list[int]:
    """The milestone months within a horizon of ``last`` months, and ``last`` itself, sorted."""
    return sorted({m for m in months if 0 < m < last} | {last})


def ensemble_sweep(scenario: Scenario, posterior: Path, draws: int = DRAWS, replicates: int = REPLICATES):
    """The sweep that runs ``scenario`` alone over ``draws`` weighted draws of ``posterior`` x ``replicates``.

    Seeds (of the replicates and of the draws) come from the scenario's seed.
    """
    origin = f"{scenario.name} over the posterior {posterior}"
    try:
        spec = SweepFile(sweep=SweepHeader(name=scenario.name, base=scenario.name[:4096] or "scenario",
                                           replicates=replicates, seed=scenario.seed),
                         posterior=PosteriorTable(file=str(posterior.resolve()), draws=draws))
    except ValidationError as err:
        first = err.errors()[0]
        where = {"replicates": "replicates", "draws": "draws"}.get(str(first["loc"][-1]), str(first["loc"][-1]))
        raise SweepError(f"{origin}: {where}: {first['msg'].lower()} (allowed: 1 to 10,000)") from None
    return resolve(spec, scenario, origin, scenario.name, posterior)


def with_lost(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with ``firms_lost``: firms closed or moved out of the cluster (a move to its park is no loss)."""
    return frame.assign(firms_lost=frame["firms_closed"] + frame["firms_relocated_out"])


def summarise_ensemble(frame: pd.DataFrame, level: float = 0.9, months: Sequence[int] | None = None,
                       outcomes: Sequence[str] | None = None) -> pd.DataFrame:
    """Median, ``level`` range and its parameter and noise parts of each key outcome at each milestone.

    ``frame`` holds the runs of one scenario (``variant`` s000) in posterior draws (``draw``) x
    replicates, as :func:`adoptsim.sweep.load_results` gives them. Returns one row per (outcome, month),
    columns :data:`SUMMARY_COLUMNS` (shares as fractions; ``noise_*`` are deviations from a draw's mean).
    ``outcomes``: only these columns of :data:`OUTCOMES` (default all; the dashboard's band needs one).
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.9 for 90 %), got {level}")
    unknown = set(outcomes or ()) - {column for column, _, _ in OUTCOMES}
    if unknown:
        raise ValueError(f"outcomes: {', '.join(sorted(unknown))} not summarised (known: "
                         f"{', '.join(c for c, _, _ in OUTCOMES)})")
    frame = with_lost(frame)
    rows = []
    for month in (milestones(int(frame["month"].max())) if months is None else months):
        at = _at_horizon(frame, month).loc[BASELINE]
        worlds = sorted(set(at.index.get_level_values(0)))
        reps = sorted(set(at.index.get_level_values(1)))
        for column, what, unit in OUTCOMES:
            if outcomes is not None and column not in outcomes:
                continue
            s = spread(_matrix(at, column, worlds, reps), level)
            rows.append({"outcome": column, "label": what, "unit": unit, "month": int(month), "draws": len(worlds),
                         "replicates": len(reps), "level": level, "median": s.median, "lo": s.lo, "hi": s.hi,
                         "param_lo": s.param_lo, "param_hi": s.param_hi, "noise_lo": s.noise_lo,
                         "noise_hi": s.noise_hi})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _value(x: float, unit: str, signed: bool = False) -> str:
    """A summary value as the report writes it: shares in (signed) percentage points, others with separators."""
    from .report.text import number, points

    if unit.startswith("%"):
        return points(x) if signed else number(100 * x, 1)
    return number(x, 0, signed)


def format_ensemble(summary: pd.DataFrame, title: str, currency: str = "") -> str:
    """The summary as text (100 columns): per outcome, one line per milestone."""
    first = summary.iloc[0]
    pct = f"{100 * float(first['level']):g} %"
    lines = [title, "",
             f"median run, and the {pct} range of all runs; beside it the range the parameter draws alone make",
             "(each draw's replicates averaged: what the pilots leave unknown) and run-to-run luck (each run",
             "against its own draw's mean)."]
    if int(first["replicates"]) < 2:
        lines.append("One replicate per draw: luck cannot be told apart, the parameter range includes it.")
    cells = ensemble_table(summary, currency)
    for column, rows in summary.groupby("outcome", sort=False):
        if not rows[["median", "lo", "hi"]].abs().to_numpy().any():
            lines += ["", f"{cells.loc[rows.index[0], 'outcome']}: 0 in every run"]
            continue
        lines += ["", cells.loc[rows.index[0], "outcome"],
                  f"  {'month':>5}  {'median':>10}  {pct + ' range':>23}  {'from parameters':>23}  {'luck':>19}"]
        for month, median, whole, param, luck in cells.loc[rows.index, cells.columns[1:]].itertuples(index=False):
            lines.append(f"  {month:>5}  {median:>10}  {whole:>23}  {param:>23}  {luck:>19}")
    return "\n".join(lines)


def ensemble_table(summary: pd.DataFrame, currency: str = "") -> pd.DataFrame:
    """The summary as a table for a page: one row per outcome and milestone, numbers as the text writes them."""
    pct = f"{100 * float(summary['level'].iloc[0]):g} % range" if len(summary) else "range"
    rows = []
    for r in summary.itertuples(index=False):
        u = str(r.unit)
        rows.append({"outcome": f"{r.label} ({u.replace('currency', currency or 'currency')})", "month": r.month,
                     "median": _value(r.median, u), pct: f"{_value(r.lo, u)} to {_value(r.hi, u)}",
                     "from parameters": f"{_value(r.param_lo, u)} to {_value(r.param_hi, u)}",
                     "luck": f"{_value(r.noise_lo, u, True)} to {_value(r.noise_hi, u, True)}"})
    return pd.DataFrame(rows, index=summary.index)


@dataclass
class EnsembleResult:
    """A scenario run over posterior draws x replicates.

    ``frame``: every run, month by month (``draw``, ``replicate``, the drawn parameter values by dotted key,
    then the outcomes); ``summary``: :func:`summarise_ensemble`; ``manifest``: the sweep's record (seeds,
    draws, the posterior file's SHA-256).
    """

    frame: pd.DataFrame
    summary: pd.DataFrame
    manifest: dict
    scenario: Scenario
    posterior: Path

    @property
    def draws(self) -> int:
        return int(self.summary["draws"].max())

    @property
    def replicates(self) -> int:
        return int(self.summary["replicates"].max())

    def title(self) -> str:
        n = self.draws * self.replicates
        return (f"{self.scenario.name} ({self.scenario.cluster}): {self.draws} posterior draws x "
                f"{self.replicates} replicates = {n} runs, posterior {self.posterior.name}")

    def __str__(self) -> str:
        return format_ensemble(self.summary, self.title(), cluster_currency(self.scenario.cluster))

    def fan(self, column: str = "share_adopted"):
        """The fan chart of ``column``: median run and the bands of 50 % and 90 % of all runs."""
        from .viz import fan_chart

        return fan_chart(self.frame, self.manifest, column)


def write_ensemble(result: EnsembleResult, out_dir: str | Path, *, figure: bool = True) -> list[Path]:
    """Write ``series.parquet``/``.csv`` (every run), ``ensemble.csv`` and ``summary.json``, and ``fans.png``."""
    from . import __version__
    from .outcomes import atomic_path, write_frame, write_json

    out_dir = Path(out_dir)
    meta = {"adoptsim_version": __version__, "scenario": result.scenario.model_dump_json(),
            "posterior": json.dumps(result.manifest["sweep"].get("posterior", {}))}
    paths = write_frame(with_lost(result.frame), out_dir, "series", meta)
    with atomic_path(out_dir / "ensemble.csv") as tmp:
        result.summary.to_csv(tmp, index=False)
    paths.append(out_dir / "ensemble.csv")
    paths.append(write_json({"scenario": result.scenario.name, "cluster": result.scenario.cluster,
                             "currency": cluster_currency(result.scenario.cluster),
                             "posterior": result.manifest["sweep"].get("posterior"),
                             "draws": result.draws, "replicates": result.replicates,
                             "seeds": result.manifest.get("seeds"),
                             "outcomes": result.summary.to_dict(orient="records")}, out_dir / "summary.json"))
    if figure:
        from .viz import save_figure

        paths.append(save_figure(result.fan(), out_dir / "fans.png"))
    return paths


def run_ensemble(scenario: Scenario | str | Path | None = None, *, posterior: str | Path = SHIPPED,
                 draws: int = DRAWS, replicates: int = REPLICATES, level: float = 0.9,
                 out_dir: str | Path | None = None, workers: int = 1, overwrite: bool = False,
                 progress: bool = False, **overrides) -> EnsembleResult:
    """Run a scenario over ``draws`` weighted posterior draws x ``replicates``, and summarise it.

    Parameters
    ----------
    scenario
        A Scenario, a TOML file or shipped scenario name, or None for the default scenario.
    posterior
        A posterior CSV (flat parameter keys + ``weight``), or ``"shipped"``: the sample shipped with the
        package (a clear error when this installation has none).
    draws, replicates
        Weighted draws (with replacement, seeded by the scenario's seed) and replicates per draw;
        replicate *r* has the same seed in every draw (common random numbers).
    level
        Coverage of the ranges (0.9 = the 5th to 95th percentile).
    out_dir
        A results folder for the runs (a sweep results directory: re-running resumes, a folder holding
        another ensemble is refused unless ``overwrite``); None runs in a temporary folder.
    workers
        Local worker processes.
    **overrides
        Flat scenario keys, as for :func:`adoptsim.run`.

    Raises
    ------
    SweepError, CalibrationError, ScenarioError
        A posterior file that cannot be used, no shipped posterior, a bad scenario or count.
    """
    base = scenario if isinstance(scenario, Scenario) else (
        load_scenario(scenario) if scenario is not None else default_scenario())
    if overrides:
        base = with_overrides(base, **overrides)
    file = posterior_file(posterior)
    return run_ensemble_sweep(ensemble_sweep(base, file, draws, replicates), base, file, level=level,
                              out_dir=out_dir, workers=workers, overwrite=overwrite, progress=progress)


def run_ensemble_sweep(sweep, base: Scenario, file: Path, *, level: float = 0.9, out_dir: str | Path | None = None,
                       workers: int = 1, overwrite: bool = False, progress: bool = False) -> EnsembleResult:
    """Run an :func:`ensemble_sweep` already resolved (``run --posterior`` reports its replaced keys first, and
    resolves it once) and summarise it; arguments as for :func:`run_ensemble`."""
    from .sweep import load_results, run_sweep

    with tempfile.TemporaryDirectory(prefix="adoptsim-ensemble-") as tmp:
        folder = Path(out_dir) if out_dir is not None else Path(tmp) / "runs"
        run_sweep(sweep, folder, workers=workers, overwrite=overwrite, progress=progress)
        frame, manifest = load_results(folder)
    return EnsembleResult(frame, summarise_ensemble(frame, level), manifest, base, file)


__all__ = ["EnsembleResult", "MILESTONES", "OUTCOMES", "REPLICATES", "SHIPPED", "format_ensemble", "milestones",
           "run_ensemble", "run_ensemble_sweep", "summarise_ensemble", "write_ensemble"]
