"""``run_calibration``: config in, posterior and reports out, resumable from its database.

Output folder (``OUT``)::

    calibration.db        pyabc history (SQLite): every generation, inspect with pyabc or resume
    run.json              config path and hash, fingerprint, run id, invocations (timings)
    posterior.csv         last generation: one column per parameter (flat names) + weight (sums to 1)
    posterior_summary.csv median, 5 % / 95 % quantiles, mean, sd, prior quantiles
    identifiability.csv   posterior 90 % width / prior 90 % width, strongest posterior correlation
    pairs.png             pairwise posterior against the prior
    predictive.csv/.png   fitted and checked targets: prior and posterior predictive vs observed
    structural.csv        structural targets of the chosen set against the profile
    generations.csv       epsilon, samples, acceptance per generation
    targets_used.csv      the targets, with the scenario and whether fitted
    pattern_filter.csv    (with [patterns] draws > 0) screened particles: which of the patterns of docs/PATTERNS.md §1 each fails
    posterior_patterns.csv the pattern-consistent particles (weights renormalised): adoptsim validate --posterior
    predictive_point.csv  the published point simulated 20 times against every checked target
    calibrated.toml       [behaviour] = posterior medians (pattern filter: the consistent point), with provenance
    report.md             all of the above in one page

Resuming: if ``OUT/run.json`` describes the same inference problem (same
scenarios, targets, priors and ABC settings; the budget may differ), the run
continues from its last complete generation in ``OUT/calibration.db``, with the
same run id, until ``max_generations`` in total or ``minimum_epsilon``. A run
killed mid-generation loses only that generation. To extend a finished run,
raise ``max_generations`` (or lower ``minimum_epsilon``) and run again. The generations
kept are exact; those run after a resume are a different (equally valid) sample than an
uninterrupted run would draw, since pyabc does not store its random state. A
different problem in the same folder is refused unless ``resume=False``,
which starts a new run (new id) in the same database.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..lock import folder_lock
from ..outcomes import write_json
from ..paths import default_out
from .calibrated import format_calibrated, toml_float
from .config import LoadedConfig, load_config
from .errors import CalibrationError
from .patterns import PatternFilter
from .problem import Problem, build_problem
from .targets import TARGET_COLUMNS, structural_checks


POINT_DRAWS = 20  # replicate simulations of the published point in its predictive check


@dataclass
class Result:
    """What :func:`run_calibration` produced."""

    out_dir: Path
    db_path: Path
    run_id: int
    generations: int
    final_epsilon: float
    stopped: str
    resumed: bool
    posterior: pd.DataFrame           # parameters + weight
    summary: pd.DataFrame             # posterior_summary.csv
    identifiability: pd.DataFrame     # identifiability.csv
    predictive: pd.DataFrame          # predictive.csv
    simulations: int                  # evaluations in this invocation
    seconds: float                    # wall time of the ABC part of this invocation
    files: dict[str, Path] = field(default_factory=dict)
    calibrated: dict[str, float] = field(default_factory=dict)
    published: Path | None = None
    warnings: list[str] = field(default_factory=list)
    patterns: PatternFilter | None = None

    @property
    def evaluations_per_second(self) -> float:
        return self.simulations / self.seconds if self.seconds > 0 else float("nan")

    def __str__(self) -> str:
        lines = [f"run {self.run_id}: {self.generations} generations, final epsilon {self.final_epsilon:.3g} "
                 f"({self.stopped}); {self.simulations} evaluations in {self.seconds:.1f} s "
                 f"({self.evaluations_per_second:.1f}/s)"]
        for (_, s), (_, i) in zip(self.summary.iterrows(), self.identifiability.iterrows()):
            lines.append(f"  {s['parameter']:<16s} median {s['median']:<10.4g} 90 % CI {s['q05']:.4g} - "
                         f"{s['q95']:.4g}   width ratio {i['width_ratio']:.2f}  {i['verdict']}")
        if self.patterns is not None:
            lines.append(f"pattern filter: {self.patterns.describe()}")
            lines.append("  published: " + ", ".join(f"{k} {v:.4g}" for k, v in self.calibrated.items()))
        lines += [f"WARNING: {w}" for w in self.warnings]
        return "\n".join(lines)


def _display(path: Path) -> str:
    """A path relative to the repository (or working directory) when inside it."""
    path = Path(path).resolve()
    for base in (Path(__file__).resolve().parents[2], Path.cwd()):
        try:
            return str(path.relative_to(base))
        except ValueError:
            continue
    return str(path)


def run_calibration(config_path: str | Path, out_dir: str | Path | None = None, data: str | Path | None = None,
                    workers: int = 1, dask: str | None = None, resume: bool = True, publish: bool = True,
                    progress: bool = True, allow_decreasing: bool = False, seed: int | None = None) -> Result:
    """Calibrate the config's behavioural parameters by ABC-SMC; write posterior and reports to ``out_dir``.

    ``data``: a user CSV of observed adoption over time (adoptsim.calibrate.targets), added to the
    config's targets (``allow_decreasing``: accept a series that falls). ``workers``: local processes (1 = this process); ``dask``: a scheduler address or
    ``"local"``. ``resume``: continue the run recorded in ``out_dir`` (see the module docstring).
    ``publish``: also write the config's ``publish`` file (e.g. ``calibration/calibrated.toml``).
    ``seed``: replaces the config's seed (a different seed is a different run: it is not resumed from one
    recorded under another).
    """
    if workers < 1:
        raise CalibrationError(f"workers: must be >= 1 (got {workers})")
    cfg = load_config(config_path)
    if seed is not None:  # validated by the config's own field (its allowed range lives there)
        from pydantic import ValidationError

        c = cfg.config
        try:
            head = type(c.calibration).model_validate({**c.calibration.model_dump(), "seed": seed})
        except ValidationError as err:
            raise CalibrationError(f"--seed: {err.errors()[0]['msg'].lower()} (got {seed})") from None
        cfg = LoadedConfig(c.model_copy(update={"calibration": head}), cfg.path, cfg.text)
    problem = _problem(cfg, data, allow_decreasing)
    out = Path(out_dir) if out_dir is not None else default_out(cfg.name)
    with folder_lock(out, "calibration folder"):
        try:
            return _calibrate(cfg, problem, out, workers, dask, resume, publish, progress)
        except (sqlite3.DatabaseError, _sqlalchemy_errors()) as err:
            raise CalibrationError(f"{out / 'calibration.db'}: the calibration database is damaged "
                                   f"({str(err).splitlines()[0][:200]}); move it away (or use another --out) "
                                   "and run again") from None


def _sqlalchemy_errors() -> type[Exception]:
    try:
        from sqlalchemy.exc import DatabaseError
    except ImportError:  # pragma: no cover - pyabc brings SQLAlchemy
        return sqlite3.DatabaseError
    return DatabaseError


def _problem(cfg, data: str | Path | None, allow_decreasing: bool = False) -> Problem:
    """The inference problem; a user data file that cannot be read is a CalibrationError naming it."""
    try:
        return build_problem(cfg, data, allow_decreasing)
    except UnicodeDecodeError as err:
        raise CalibrationError(f"{data}: not UTF-8 text (byte {err.start}); save the data file as UTF-8 CSV") \
            from None
    except (csv.Error, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise CalibrationError(f"{data}: not a readable CSV file ({str(err).splitlines()[0][:200]}); see "
                               "calibration/README.md for the columns") from None
    except OSError as err:
        if err.filename is None:
            raise
        raise CalibrationError(f"{err.filename}: cannot read ({err.strerror})") from None


def _check_database(db: Path) -> None:
    """Refuse a calibration database that is empty, not SQLite, truncated or not pyabc's, before pyabc opens it."""
    if not db.exists():
        return
    fix = "move it away (or use another --out) and run again"
    if not db.is_file():
        raise CalibrationError(f"{db}: not a file; {fix}")
    with db.open("rb") as fh:
        head = fh.read(16)
    if head != b"SQLite format 3\x00":
        what = "is empty" if not head else "is not an SQLite database"
        raise CalibrationError(f"{db}: {what}, so not a calibration database; {fix}")
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            ok = con.execute("PRAGMA quick_check").fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError as err:
        raise CalibrationError(f"{db}: damaged calibration database ({err}); {fix}") from None
    if ok != "ok":
        raise CalibrationError(f"{db}: damaged calibration database (integrity check: {ok[:200]}); {fix}")
    if tables and "abc_smc" not in tables:
        raise CalibrationError(f"{db}: an SQLite database but not a pyabc history (no abc_smc table); {fix}")


def _read_state(path: Path, resume: bool) -> dict | None:
    """``run.json``, or None if there is none (or, with resume=False, if it is unreadable)."""
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(state, dict) or (resume and "run_id" in state and not isinstance(state["run_id"], int)):
            raise ValueError("not a run record")
        return state
    except (OSError, ValueError) as err:
        if not resume:
            return None
        raise CalibrationError(f"{path}: unreadable run record ({str(err)[:200]}); start a new run in this folder "
                               "with --restart, or use another --out") from None


def _calibrate(cfg, problem: Problem, out: Path, workers: int, dask: str | None, resume: bool, publish: bool,
               progress: bool) -> Result:
    from . import abcsmc, report

    db = out / "calibration.db"
    state_path = out / "run.json"
    _check_database(db)
    fp = problem.fingerprint()
    state = _read_state(state_path, resume)
    run_id = None
    if state is not None and db.exists():
        if state.get("fingerprint") == fp and resume:
            run_id = int(state["run_id"])
        elif resume:
            raise CalibrationError(
                f"{out}: holds a calibration of a different problem (config {state.get('config')}, fingerprint "
                f"{state.get('fingerprint')}; this one {fp}: scenarios, targets, priors or ABC settings changed). "
                "Use another output folder, or start a new run in the same database (resume=False / --restart)")
    where = f"Dask ({dask})" if dask else f"{workers} process(es)"

    def record(info: abcsmc.RunInfo | None, rid: int) -> dict:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        st = state if (state is not None and state.get("run_id") == rid and state.get("fingerprint") == fp) else {
            "config": _display(cfg.path), "fingerprint": fp, "run_id": rid, "created": now, "invocations": []}
        st.update({"config": _display(cfg.path), "config_sha256": cfg.sha256,
                   "data": _display(problem.data_path) if problem.data_path else "", "db": _display(db), "updated": now})
        if info is not None:
            st["invocations"].append({
                "date": now, "where": where, "resumed": info.resumed, "generations_before": info.generations_before,
                "generations_after": info.generations, "evaluations": info.simulations,
                "scenario_runs": info.scenario_runs, "seconds": round(info.seconds, 3),
                "evaluations_per_second": round(info.evaluations_per_second, 3), "stopped": info.stopped,
                "host": platform.node(), "cpus": os.cpu_count()})
        write_json(st, state_path)
        return st

    meta = {"adoptsim_config": str(cfg.path), "fingerprint": fp}
    info = abcsmc.run_abc(problem, db, run_id, workers=workers, dask=dask, meta=meta,
                          on_start=lambda rid: record(None, rid), progress=progress)
    state = json.loads(state_path.read_text())
    state = record(info, info.run_id)

    history = abcsmc.load_history(db, info.run_id)
    if history.n_populations == 0:
        raise CalibrationError(f"{db}: run {info.run_id} has no complete generation yet; run again to continue")
    post = abcsmc.posterior(history, problem.names)
    gens = abcsmc.generations(history)
    summary = report.posterior_summary(post, problem)
    ident = report.identifiability(post, problem)
    pred = report.predictive_check(problem, post, cfg.config.abc.predictive_draws, cfg.config.calibration.seed + 1)
    structural = structural_checks(problem.other)
    warnings = fit_warnings(pred, info.final_epsilon, cfg.config.abc.minimum_epsilon)
    ess = float(gens["ess"].iloc[-1])
    if ess < 0.2 * len(post):
        warnings.append(f"the last generation's effective sample size is {ess:.0f} of {len(post)} particles: "
                        "a few particles carry most of the weight, so quantiles are rough; continue the run "
                        "(raise max_generations or max_walltime_minutes), widen the proposals "
                        "(abc.transition_scaling) or mix them with the prior (abc.prior_mixture)")

    files: dict[str, Path] = {"db": db, "run": state_path}

    def csv(name: str, frame: pd.DataFrame) -> None:
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False)
        files[name] = path

    csv("posterior", post)
    csv("posterior_summary", summary)
    csv("identifiability", ident)
    csv("predictive", pred)
    csv("generations", gens)
    csv("structural", pd.DataFrame(structural, columns=["id", "cluster", "quantity", "unit", "value", "low", "high",
                                                         "model", "inside"]))
    fitted = {t.id for t in problem.fit}
    used = pd.DataFrame([{**t.as_row(), "use": "fitted" if t.id in fitted else "checked"} for t in problem.check]
                        + [{**t.as_row(), "use": "not simulated"} for t in problem.other],
                        columns=list(TARGET_COLUMNS) + ["use"])
    csv("targets_used", used)
    files["pairs"] = report.pairs_plot(post, problem, out / "pairs.png")
    files["predictive_png"] = report.predictive_plot(
        pred, out / "predictive.png", f"{cfg.name}: predictive check ({cfg.config.abc.predictive_draws} draws each)")
    ran = [i for i in state["invocations"] if i["evaluations"]]
    stopped = info.stopped if info.simulations or not ran else ran[-1]["stopped"]
    details = {"config": _display(cfg.path), "db": _display(db), "run_id": info.run_id, "generations": history.n_populations,
               "final_epsilon": info.final_epsilon, "stopped": stopped,
               "total_evaluations": sum(i["evaluations"] for i in ran),
               "total_seconds": sum(i["seconds"] for i in ran), "simulations": info.simulations,
               "scenario_runs": info.scenario_runs, "seconds": info.seconds,
               "evaluations_per_second": info.evaluations_per_second, "where": where, "warnings": warnings}
    pf = None
    if cfg.config.patterns.draws > 0:
        from .patterns import pattern_filter

        if progress:
            print(f"pattern filter: {cfg.config.patterns.draws} posterior particles x "
                  f"{len(cfg.config.patterns.patterns)} patterns ...", flush=True)
        pf = pattern_filter(problem, post, cfg.config.patterns.draws, cfg.config.calibration.seed + 2,
                            workers=workers, patterns=cfg.config.patterns.patterns)
        csv("pattern_filter", pf.screened)
        csv("posterior_patterns", pf.consistent)
        pf.predictive = report.predictive_check(problem, pd.DataFrame([{**pf.point, "weight": 1.0}]),
                                                POINT_DRAWS, cfg.config.calibration.seed + 3)
        csv("predictive_point", pf.predictive)
        missed = pf.predictive[(pf.predictive["role"] == "fitted")
                               & ~pf.predictive["verdict"].str.startswith("median inside")]
        if len(missed):
            warnings.append("the published (pattern-consistent) point misses fitted target(s): " + "; ".join(
                f"{r['id']} (observed {r['low']:.3g}-{r['high']:.3g}, simulated 90 % {r['posterior_q05']:.3g}-"
                f"{r['posterior_q95']:.3g}, median {r['posterior_median']:.3g})" for _, r in missed.iterrows())
                + ": the patterns and this target pull against each other (report.md, Pattern filter)")
    point_md = ""
    if pf is None and cfg.config.patterns.check_point:
        point = {r["parameter"]: float(r["median"]) for _, r in summary.iterrows()}
        if progress:
            print(f"published point (weighted posterior medians): {len(cfg.config.patterns.patterns)} patterns, "
                  f"{cfg.config.patterns.check_draws} posterior draws ...", flush=True)
        # in this process: the kernel is compiled here already (spawned workers would compile it again)
        checked = point_patterns(point, post, cfg.config.patterns.patterns, cfg.config.patterns.check_draws,
                                 cfg.config.calibration.seed + 2, seed_sets=cfg.config.patterns.point_seed_sets)
        csv("point_patterns", checked)
        point_pred = report.predictive_check(problem, pd.DataFrame([{**point, "weight": 1.0}]), POINT_DRAWS,
                                             cfg.config.calibration.seed + 3)
        csv("predictive_point", point_pred)
        rates, sets = point_pass_rates(checked)
        failed = [int(n) for n, rate in rates.items() if rate < 0.5]
        partial = [f"{n} in {rate:.0%}" for n, rate in rates.items() if 0.5 <= rate < 1.0]
        details["point_patterns"] = (f"the published point reproduces {len(rates) - len(failed)} of {len(rates)} "
                                     f"patterns in at least half of {sets} seed sets"
                                     + (f" (fails {', '.join(map(str, failed))})" if failed else "")
                                     + (f"; pattern {', '.join(partial)} of them" if partial else ""))
        if failed:
            warnings.append(f"the published point (posterior medians) reproduces pattern(s) {', '.join(map(str, failed))} "
                            f"of adoptsim validate in fewer than half of {sets} seed sets (point_patterns.csv)")
        point_md = point_markdown(checked, point_pred)
    md = report.markdown_report(problem, summary, ident, pred, gens, structural, details)
    if pf is not None:
        md += pattern_markdown(pf, summary)
    md += point_md
    (out / "report.md").write_text(md)
    files["report"] = out / "report.md"

    values, text = calibrated_text(problem, summary, ident, details, pf)
    (out / "calibrated.toml").write_text(text)
    files["calibrated"] = out / "calibrated.toml"
    published = None
    if publish and cfg.config.calibration.publish:
        published = cfg.resolve(cfg.config.calibration.publish)
        _write_atomic(published, text)
    if publish and cfg.config.calibration.publish_posterior:
        _write_atomic(cfg.resolve(cfg.config.calibration.publish_posterior), post.to_csv(index=False))
    return Result(out, db, info.run_id, history.n_populations, info.final_epsilon, stopped, info.resumed, post,
                  summary, ident, pred, info.simulations, info.seconds, files, values, published, warnings, pf)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def point_patterns(point: dict[str, float], post: pd.DataFrame, patterns: list[int], draws: int, seed: int,
                   workers: int = 1, seed_sets: int = 1) -> pd.DataFrame:
    """adoptsim validate's pattern verdicts for the published point on ``seed_sets`` independent seed sets, and
    for ``draws`` weighted posterior draws (one seed set each: their pass rate is over draws).

    One row per (draw, pattern, seed set): ``draw`` is ``point`` or the draw's number, ``seed_set`` the seed
    set (:func:`adoptsim.validate.experiments.seed_set`), ``reproduced`` the verdict. A report of the
    published defaults, not a filter: the patterns the calibration scenarios can show are inside the
    distance already (pattern statistics).
    """
    import numpy as np

    from .. import validate

    names = list(point)
    rows = [{"draw": "point", "seed_set": i % seed_sets, "pattern": r.number, "reproduced": bool(r.reproduced),
             "explanation": r.explanation, **point}
            for i, r in enumerate(validate.run_patterns([point], patterns, workers=workers, seed_sets=seed_sets))]
    if draws:
        w = post["weight"].to_numpy(float)
        picked = np.random.default_rng(seed).choice(len(post), size=draws, replace=True, p=w / w.sum())
        sets = [{k: float(post.iloc[int(r)][k]) for k in names} for r in picked]
        rows += [{"draw": str(r.draw + 1), "seed_set": 0, "pattern": r.number, "reproduced": bool(r.reproduced),
                  "explanation": r.explanation, **sets[r.draw]}
                 for r in validate.run_patterns(sets, patterns, workers=workers)]
    return pd.DataFrame(rows)


def point_pass_rates(checked: pd.DataFrame) -> tuple[pd.Series, int]:
    """The published point's pass rate per pattern over its seed sets, and the number of seed sets."""
    mine = checked[checked["draw"] == "point"]
    return mine.groupby("pattern")["reproduced"].mean(), int(mine["seed_set"].nunique())


def point_markdown(checked: pd.DataFrame, predictive: pd.DataFrame) -> str:
    """The report section on the published point: its patterns, posterior pass rates, its predictive check."""
    rates, sets = point_pass_rates(checked)
    lines = ["", "## Published point (weighted posterior medians)", "",
             f"| pattern | published point: reproduced in (of {sets} seed sets) | pass rate over posterior draws |",
             "|---|---|---|"]
    draws = checked[checked["draw"] != "point"]
    for n, rate_point in rates.items():
        rate = draws[draws["pattern"] == n]["reproduced"]
        lines.append(f"| {n} | {round(rate_point * sets)} of {sets} | "
                     + (f"{rate.mean():.0%} of {len(rate)}" if len(rate) else "-") + " |")
    lines += ["", f"Predictive check of the published point ({POINT_DRAWS} replicate simulations):", "",
              "| target | role | observed interval | simulated 5-95 % (median) | share inside |", "|---|---|---|---|---|"]
    for _, r in predictive.iterrows():
        lines.append(f"| {r['id']} | {r['role']} | {r['low']:.4g} - {r['high']:.4g} | {r['posterior_q05']:.4g} - "
                     f"{r['posterior_q95']:.4g} ({r['posterior_median']:.4g}) | {r['posterior_share_inside']:.2f} |")
    return "\n".join(lines) + "\n"


def pattern_markdown(pf: PatternFilter, summary: pd.DataFrame) -> str:
    """The report section of the pattern filter."""
    names = list(pf.point)
    lines = ["", "## Pattern filter", "",
             f"{pf.describe()}.", "",
             "The published defaults must also reproduce the qualitative patterns of docs/PATTERNS.md §1 (`adoptsim validate`); "
             "the two fitted targets alone leave a ridge of parameter sets on which they do not.", "",
             "| parameter | posterior median | consistent 5-95 % | published |", "|---|---|---|---|"]
    from .report import weighted_quantile

    med = {r["parameter"]: r["median"] for _, r in summary.iterrows()}
    for k in names:
        lo, hi = (weighted_quantile(pf.consistent[k], pf.consistent["weight"], q) for q in (0.05, 0.95))
        lines.append(f"| {k} | {med[k]:.4g} | {lo:.4g} - {hi:.4g} | {pf.point[k]:.4g} |")
    if pf.predictive is not None:
        lines += ["", f"Predictive check of the published point ({POINT_DRAWS} replicate simulations):", "",
                  "| target | role | observed interval | simulated 5-95 % (median) | share inside |", "|---|---|---|---|---|"]
        for _, r in pf.predictive.iterrows():
            lines.append(f"| {r['id']} | {r['role']} | {r['low']:.4g} - {r['high']:.4g} | {r['posterior_q05']:.4g} - "
                         f"{r['posterior_q95']:.4g} ({r['posterior_median']:.4g}) | {r['posterior_share_inside']:.2f} |")
    counts = pf.screened["failed"].str.split().explode().dropna().value_counts()
    if len(counts):
        lines += ["", "Patterns failed by the other particles: "
                  + ", ".join(f"pattern {p} ({c} of {len(pf.screened)})" for p, c in sorted(counts.items(),
                                                                                         key=lambda x: int(x[0])))
                  + "."]
    return "\n".join(lines) + "\n"


def fit_warnings(pred: pd.DataFrame, final_epsilon: float, minimum_epsilon: float) -> list[str]:
    """Plain-language warnings when the posterior does not reproduce the fitted targets."""
    out = []
    fitted = pred[pred["role"] == "fitted"]
    bad = fitted[fitted["posterior_share_inside"] < 0.5]
    if len(bad):
        parts = [f"{r['id']} (observed {r['low']:.3g}-{r['high']:.3g}, posterior predictive 90 % "
                 f"{r['posterior_q05']:.3g}-{r['posterior_q95']:.3g}, {r['posterior_share_inside']:.0%} inside)"
                 for _, r in bad.iterrows()]
        out.append("the posterior does not reproduce every fitted target: " + "; ".join(parts) + ". The targets "
                   "pull against each other (or the model cannot reach them): the posterior is a compromise, and "
                   "'informed' widths reflect that compromise, not a measurement")
    if final_epsilon > minimum_epsilon * (1 + 1e-9):
        out.append(f"the threshold stopped at {final_epsilon:.3g} half-widths, above minimum_epsilon "
                   f"{minimum_epsilon:g}: raise the budget to continue, or read the misses above")
    return out


def _wrap(text: str, width: int = 100) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width)


def calibrated_text(problem: Problem, summary: pd.DataFrame, ident: pd.DataFrame, details: dict,
                    patterns: PatternFilter | None = None) -> tuple[dict[str, float], str]:
    """The calibrated parameter file: posterior medians (or the pattern-consistent point) with provenance."""
    import pyabc

    from .. import __version__

    cfg = problem.config
    values = {r["parameter"]: float(r["median"]) for _, r in summary.iterrows()}
    if patterns is not None:
        values = {k: patterns.point[k] for k in values}
    ratio = {r["parameter"]: r for _, r in ident.iterrows()}
    comments = {}
    for _, r in summary.iterrows():
        i = ratio[r["parameter"]]
        comments[r["parameter"]] = (("" if patterns is None else f"posterior median {toml_float(r['median'], 4)}, ")
                                    + f"90 % CI {toml_float(r['q05'], 3)} - {toml_float(r['q95'], 3)}; "
                                    f"width ratio {i['width_ratio']:.2f} ({i['verdict']}); prior {r['prior']}")
    targets = ", ".join(t.id for t in problem.fit)
    header = [
        "Calibrated behavioural parameters: "
        + ("pattern-consistent point" if patterns is not None else "posterior medians")
        + " of an ABC-SMC calibration (pyabc).",
        "Written by `adoptsim calibrate`; do not edit by hand. Regenerate with:",
        f"  adoptsim calibrate {_display(cfg.path)} --out {_display(Path(details['db']).parent)}",
        "",
        f"config:   {_display(cfg.path)} (sha256 {cfg.sha256[:16]})",
        f"date:     {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
        f"database: {details['db']} (run id {details['run_id']}, {details['generations']} generations, "
        f"final epsilon {details['final_epsilon']:.3g} half-widths, stopped: {details['stopped']})",
        f"versions: adoptsim {__version__}, pyabc {pyabc.__version__}",
        f"targets:  {targets}",
        *([f"data:     {_display(problem.data_path)}"] if problem.data_path else []),
        *([f"{'patterns: ' if k == 0 else '          '}{line}" for k, line in enumerate(_wrap(patterns.describe(), 90))]
          if patterns is not None else []),
        *([f"patterns: {details['point_patterns']} (adoptsim validate; point_patterns.csv)"]
          if details.get("point_patterns") else []),
        *(["The comment after each value gives the full posterior's median and 90 % interval."]
          if patterns is not None else []),
        "Only the parameters below were calibrated; every other behaviour parameter keeps its schema default.",
        "A width ratio near 1 means the targets hardly constrain that parameter: its median is then mostly the",
        "prior's, not a measurement. See the run's report.md and identifiability.csv.",
        *[f"{'WARNING: ' if k == 0 else '         '}{line}" for w in details.get("warnings", [])
          for k, line in enumerate(_wrap(w))],
    ]
    return values, format_calibrated(values, comments, header)
