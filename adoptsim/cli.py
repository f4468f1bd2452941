"""Command line: a thin layer over the library (``adoptsim --help``).

Only the standard library, pydantic and tomllib are imported to parse arguments, so ``adoptsim --help``,
``--version``, ``list`` and ``profiles`` answer at once; each command imports what it needs.
"""

from __future__ import annotations

import argparse
import errno
import os
import shutil
import sys
import tempfile
from pathlib import Path

from . import __version__
from .paths import default_out

DESCRIPTION = ("Agent-based simulation of cleaner-production adoption by MSME firms in industrial clusters, "
               "and of the public interventions that change it.")
EPILOG = """start here:
  adoptsim list                        the shipped scenarios, sweeps and studies
  adoptsim run lahore-green-finance    run one by name (or give a TOML file)
  adoptsim examples my-experiments     copy them into a folder to edit
  adoptsim COMMAND --help              a command's options"""
COMPILE_NOTICE = "compiling the model for this machine (about a minute, once; later runs start in seconds)"
#: optional module -> (what needs it, the extra that installs it)
OPTIONAL = {"pyabc": ("calibration", "calibrate"), "distributed": ("Dask support", "dask"),
            "dask": ("Dask support", "dask"), "solara": ("the dashboard", "dashboard"),
            "solara_assets": ("the dashboard", "dashboard"), "ipyvue": ("the dashboard", "dashboard"),
            "ipyvuetify": ("the dashboard", "dashboard"), "altair": ("the dashboard", "dashboard"),
            "mesa.visualization": ("the dashboard", "dashboard"),
            "ema_workbench": ("scenario discovery", "discover"), "pymoo": ("optimisation", "optimise")}

AGENTS_WARN_FIRMS = 200_000  # the per-agent engine is ~100x slower: warn above this many firms


def _writable_folder(out: Path) -> None:
    """Refuse an output path that is a file before any work is done."""
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "is a file, not a folder", str(out))


def _compile_notice() -> None:
    """One line on stderr when this version's compiled model is not cached yet (the first run compiles it)."""
    from ._numba_cache import is_cold

    if is_cold():
        print(f"adoptsim: {COMPILE_NOTICE}", file=sys.stderr, flush=True)


def _cmd_run_ensemble(args: argparse.Namespace, scenario) -> int:
    """``run --posterior``: the scenario over posterior draws x replicates, into a resumable results folder."""
    from .ensemble import REPLICATES, ensemble_sweep, posterior_file, run_ensemble_sweep, write_ensemble
    from .scenario import default_scenario
    from .sweep.spec import DRAWS, SweepError, replaced_note

    if args.engine != "numba":
        raise SweepError("run --posterior: an ensemble runs on the compiled kernel (--engine numba, identical "
                         "results); --engine agents is for a single run")
    scenario = scenario if scenario is not None else default_scenario()
    file = posterior_file(args.posterior)
    draws, replicates = args.draws or DRAWS, args.replicates or REPLICATES
    out = Path(args.out) if args.out else default_out(f"{scenario.name}-posterior")
    _writable_folder(out)
    print(f"{scenario.name}: {draws} posterior draws ({file.name}) x {replicates} replicates = "
          f"{draws * replicates:,} runs, on {args.workers} worker(s) -> {out}/")
    sweep = ensemble_sweep(scenario, file, draws, replicates)
    if sweep.replaced:
        print(f"adoptsim: {replaced_note(sweep.replaced)}")
    _compile_notice()
    result = run_ensemble_sweep(sweep, scenario, file, out_dir=out, workers=args.workers, overwrite=args.overwrite,
                                progress=not args.quiet)
    paths = write_ensemble(result, out, figure=not args.no_figure)
    print(result)
    print(f"\nwrote {', '.join(p.name for p in paths)} to {out}/ (the runs: {out}/runs/, resumable)")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .examples import resolve
    from .outcomes import format_summary
    from .run import run, write_run
    from .scenario import load_scenario

    scenario = load_scenario(resolve(args.scenario, "scenario")) if args.scenario else None
    if args.posterior is not None:
        return _cmd_run_ensemble(args, scenario)
    if args.draws is not None or args.replicates is not None or args.overwrite or args.workers != 1:
        from .sweep.spec import SweepError

        used = [o for o, v in (("--draws", args.draws), ("--replicates", args.replicates),
                               ("--overwrite", args.overwrite or None), ("--workers", None if args.workers == 1
                                                                          else args.workers)) if v is not None]
        raise SweepError(f"run: {', '.join(used)} only apply to a posterior ensemble: add --posterior CSV "
                         "(or --posterior shipped)")
    if args.out:
        _writable_folder(Path(args.out))
    if args.engine == "agents":
        from .profiles import load_profile

        s = scenario
        if s is None:
            from .scenario import Scenario
            s = Scenario()
        n = s.n_firms or load_profile(s.cluster).profile.n_firms
        if n > AGENTS_WARN_FIRMS:
            print(f"adoptsim: warning: --engine agents with {n:,} firms steps each firm in Python and may take "
                  "hours; the default numba engine gives identical results", file=sys.stderr)
    if args.engine == "numba":
        _compile_notice()
    result = run(scenario, engine=args.engine)
    out = Path(args.out) if args.out else default_out(result.scenario.name)
    _writable_folder(out)
    # write into a temporary sibling folder, then move in: a full or read-only disk leaves no partial output
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        paths = write_run(result, tmp, figure=not args.no_figure)
        if out.exists():
            for p in paths:
                os.replace(p, out / p.name)
        else:
            os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(format_summary(result.summary, result.scenario))
    print(f"\nwrote {len(paths)} files to {out}/: " + ", ".join(p.name for p in paths))
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .examples import resolve
    from .sweep import load_sweep, run_sweep

    extra = {k: v for k, v in (("posterior", args.posterior), ("draws", args.draws)) if v is not None}
    sweep = load_sweep(resolve(args.sweep, "sweep"), **extra)
    out = Path(args.out) if args.out else default_out(sweep.name)
    _writable_folder(out)
    where = f"Dask ({args.dask})" if args.dask else f"{args.workers} worker(s)"
    samples = len({w.sample for w in sweep.worlds if w.sample >= 0})
    draws = len({w.draw for w in sweep.worlds if w.draw >= 0})
    worlds = (f" x {samples} uncertainty samples" if samples else "") + (f" x {draws} posterior draws" if draws else "")
    print(f"{sweep.name}: {len(sweep.variants)} scenarios{worlds} x {sweep.replicates} replicates = "
          f"{sweep.runs:,} runs, on {where} -> {out}/")
    if sweep.replaced:
        from .sweep.spec import replaced_note

        print(f"adoptsim: {replaced_note(sweep.replaced)}")
    _compile_notice()
    report = run_sweep(sweep, out, workers=args.workers, dask=args.dask, overwrite=args.overwrite,
                       progress=not args.quiet)
    if report.redone:
        print(f"re-ran {len(report.redone)} unit(s) whose file failed verification: "
              + "; ".join(f"{k} ({why})" for k, why in sorted(report.redone.items())[:5]))
    if report.skipped_units:
        print(f"resumed: {report.skipped_units} of {report.total_units} units were already finished")
    print(f"done: {report.runs} runs in {report.seconds:.1f} s; results in {out}/ "
          f"(next: adoptsim compare {out})")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare_directory, format_table

    table, paths = compare_directory(args.dir, horizons=tuple(args.horizons), level=args.level,
                                     figures=not args.no_figures, by=args.by)
    print(format_table(table))
    print(f"\nwrote {', '.join(p.name for p in paths)} to {Path(args.dir) / 'compare'}/")
    return 0


#: ``compare --by`` choices (adoptsim.compare.MEASURES; listed here so that the parser imports nothing heavy)
RANK_BY = ("adoption", "compliance", "water", "pollution", "public-cost", "cost-per-adopter", "cost-per-m3")


def _level(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {text}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a port number, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port from 1 to 65535, got {text}")
    return value


def _dask(text: str) -> str:
    from .sweep.executors import ExecutorError, check_address

    try:
        return check_address(text)
    except ExecutorError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _months(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a month >= 0, got {text}")
    return value


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from .examples import resolve
    from .sensitivity import load_config, run_sensitivity

    config = load_config(resolve(args.config, "study"))
    out = Path(args.out) if args.out else default_out(config.name)
    _writable_folder(out)
    where = f"Dask ({args.dask})" if args.dask else f"{args.workers} worker(s)"
    print(f"{config.name}: {config.method}, {len(config.parameters)} parameters, {config.runs} runs, "
          f"on {where} -> {out}/")
    _compile_notice()
    table = run_sensitivity(config, out, workers=args.workers, dask=args.dask, progress=not args.quiet,
                            overwrite=args.overwrite)
    print(table.round(3).to_string())
    print(f"\nwrote {out}/indices.csv and {out}/indices.png")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from .validate import validate

    out = Path(args.out) if args.out else Path("adoptsim-out") / "validate"
    report = validate(args.posterior, args.targets, out, workers=args.workers, draws=args.draws,
                      seed_sets=args.seed_sets)
    from .validate.report import coverage

    for _, row in report.summary().iterrows():
        interval = (f" ({row.effect_low:.3g} to {row.effect_high:.3g})" if row.effect_low == row.effect_low else "")
        contrast = f"; contrast {row.contrast_verdict}" if row.contrast else ""
        print(f"{row.pattern}. {row.title}\n   passes {row.reproduced_runs}/{row.runs} "
              f"({100 * row.pass_rate:.0f} %, 95 % CI {100 * row.pass_low:.0f}-{100 * row.pass_high:.0f} %); "
              f"{row.effect} = {row.effect_mean:.3g}{interval}{contrast}")
    inside, compared = coverage(report.heldout)
    if compared:
        print(f"held-out coverage: {inside} of {compared} observed figures inside the model's 5-95 % range")
    print(f"\nwrote {', '.join(p.name for p in report.files)} to {out}/ ({report.seconds:.0f} s)")
    return 0


def _cmd_dashboard(args: argparse.Namespace) -> int:
    from .dashboard import serve

    return serve(args.host, args.port)  # blocks; Ctrl-C stops it; DashboardError is reported by main


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    path = write_report(args.dir, args.out, horizons=tuple(args.horizons), level=args.level, by=args.by,
                        optimise=args.optimise, discover=args.discover)
    print(f"wrote {path} and slide figures in {path.parent / 'figures'}/")
    return 0


def _shipped_or_as_given(ref: str) -> str:
    """A shipped scenario name as its file; anything else (a file, a cluster name) as given."""
    from .examples import ExampleError, resolve

    try:
        return str(resolve(ref, "scenario"))
    except ExampleError:
        return ref


def _cmd_animate(args: argparse.Namespace) -> int:
    from matplotlib import animation

    from .viz.animate import AnimateError, animate

    out = Path(args.out)
    if out.suffix.lower() not in (".gif", ".mp4"):  # before running any scenario
        raise AnimateError(f"{out}: the animation file must end in .gif or .mp4 (e.g. --out curve.gif)")
    if out.suffix.lower() == ".mp4" and not animation.writers.is_available("ffmpeg"):
        out = out.with_suffix(".gif")
        print(f"adoptsim: note: no ffmpeg on the PATH to write .mp4, writing {out} instead "
              "(install ffmpeg, e.g. apt-get install ffmpeg, for .mp4)", file=sys.stderr)
    scenarios = [_shipped_or_as_given(s) for s in args.scenarios]
    print(f"wrote {animate(scenarios, out, fps=args.fps, months_per_frame=args.months_per_frame)}")
    return 0


def _cmd_profiles(args: argparse.Namespace) -> int:
    from .profiles import load_profile, shipped_profiles

    for name in shipped_profiles():
        p = load_profile(name)
        print(f"{name:12s} {p.profile.n_firms:6d} firms  {p.profile.title}")
    return 0


_TITLES = {"scenario": "scenarios (adoptsim run NAME)", "sweep": "sweeps (adoptsim sweep NAME)",
           "study": "sensitivity studies (adoptsim sensitivity NAME)",
           "problem": "optimisation problems (adoptsim optimise NAME)"}


def _cmd_list(args: argparse.Namespace) -> int:
    from .examples import shipped_examples

    examples = shipped_examples()
    width = max(len(e.name) for e in examples)
    kind = None
    for e in examples:
        if e.kind != kind:
            print(("\n" if kind else "") + _TITLES[e.kind] + ":")
            kind = e.kind
        print(f"  {e.name:<{width}}  {e.description}")
    print("\ncopy them to edit: adoptsim examples DIR; the clusters: adoptsim profiles")
    return 0


def _cmd_examples(args: argparse.Namespace) -> int:
    from .examples import copy_examples

    copied = copy_examples(args.dir, force=args.force)
    folder = Path(args.dir)
    print(f"copied {len(copied)} experiment files to {folder}/; edit one and run it, e.g. "
          f"adoptsim run {folder / 'lahore-green-finance.toml'}")
    return 0


def _cmd_discover(args: argparse.Namespace) -> int:
    """PRIM boxes of a finished sweep (a DiscoverError is one message, through :func:`error_message`)."""
    from .discover import default_folder, discover, format_discovery, sweep_frame, write_discovery

    frame = sweep_frame(args.dir, month=args.month)
    found = discover(frame, args.outcome, below=args.below, above=args.above, inputs=args.inputs,
                     min_density=args.min_density, max_boxes=args.max_boxes)
    direction = "below" if args.below is not None else "above"
    out = Path(args.out) if args.out else default_folder(args.dir, (args.outcome, direction, found.threshold))
    paths = write_discovery(found, frame, out, figures=not args.no_figures)
    print(format_discovery(found))
    print(f"\nwrote {', '.join(p.name for p in paths)} to {out}/")
    return 0


def _cmd_optimise(args: argparse.Namespace) -> int:
    """NSGA-II over lever mixes under a budget (a ProblemError is one message, through :func:`error_message`)."""
    from .optimise import load_problem, optimise
    from .optimise.output import format_front

    problem = load_problem(args.problem)
    out = Path(args.out) if args.out else default_out(problem.name)
    _writable_folder(out)
    runs = problem.population * problem.generations * problem.replicates
    print(f"{problem.name}: {len(problem.levers)} levers, {len(problem.objectives)} objectives, budget "
          f"{problem.budget:,.0f}; NSGA-II {problem.population} x {problem.generations} generations x "
          f"{problem.replicates} replicates (at most {runs:,} runs"
          + (f", then {len(problem.draws)} uncertainty draws per front mix" if args.robust else "")
          + f"), on {args.workers} worker(s) -> {out}/")
    _compile_notice()
    result = optimise(problem, out, workers=args.workers, robust=args.robust, overwrite=args.overwrite,
                      progress=not args.quiet)
    reused = len(result.evaluations) - result.new_evaluations
    print(f"\n{len(result.front)} mixes on the Pareto front of {len(result.evaluations)} evaluated "
          f"({result.new_evaluations} new, {reused} from earlier runs"
          + (f"; {result.new_robust} new mix x draw evaluations for --robust" if args.robust else "")
          + f"; {result.runs} model runs, {result.seconds:.0f} s):")
    print(format_front(problem, result.front))
    if result.robust is not None:
        best = result.robust.iloc[0]
        print(f"\nmost robust mix (smallest worst-case regret over {int(best['draws'])} draws, score "
              f"{best['regret_score']:.2f}, within budget in {int(best['draws_within_budget'])}): "
              + ", ".join(f"{lv.key}={best[lv.key]:.4g}" for lv in problem.levers))
    print(f"\nwrote {', '.join(p.name for p in result.files)} to {out}/")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="adoptsim", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"adoptsim {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("run", help="run one scenario and write its monthly outcomes")
    p.add_argument("scenario", nargs="?", default=None,
                   help="a shipped scenario name (adoptsim list) or a scenario TOML file "
                        "(default: the built-in default scenario, Moradabad baseline)")
    p.add_argument("--out", help="output folder (default: adoptsim-out/<scenario name>)")
    p.add_argument("--engine", choices=["numba", "agents"], default="numba",
                   help="compiled kernel (default) or the readable per-agent Mesa path")
    p.add_argument("--no-figure", action="store_true", help="skip the adoption-curve PNG (with --posterior: fans.png)")
    g = p.add_argument_group(
        "uncertainty about behaviour (a posterior ensemble)",
        "With --posterior the scenario runs once per replicate in each of N weighted draws of a calibrated "
        "posterior; replicate r has the same seed in every draw. It prints, at milestones and at the end, "
        "the median run and the 90 % range of all runs of share adopted, water saved, public money and "
        "firms lost, with the range the parameter draws alone make (what the pilots leave unknown) and "
        "run-to-run luck beside it; writes series.parquet/.csv (every run, with its draw), ensemble.csv, "
        "summary.json and fans.png (median, 50 % and 90 % bands of all runs). The ranges hold what the posterior leaves "
        "unknown about behaviour and run-to-run luck, not errors of the model's structure or of the "
        "cluster data. The runs are kept in OUT/runs/: the same command again resumes.")
    g.add_argument("--posterior", nargs="?", const="shipped", metavar="CSV",
                   help="a posterior CSV (flat parameter keys + weight, e.g. from adoptsim calibrate), or "
                        "'shipped' (the default when the flag is given alone; put the scenario first): the "
                        "posterior sample shipped with adoptsim")
    g.add_argument("--draws", type=_positive, help="weighted posterior draws (default 20)")
    g.add_argument("--replicates", type=_positive, help="replicates per draw (default 2; 1 cannot tell luck "
                                                        "from the parameters)")
    g.add_argument("--workers", type=_positive, default=1, help="processes running the model, this one included (default 1; 2 = this one + 1 spawned)")
    g.add_argument("--overwrite", action="store_true",
                   help="replace the runs of a different ensemble in --out instead of refusing")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("sweep", help="run a sweep of scenarios x replicates (resumable)")
    p.add_argument("sweep", help="a shipped sweep name (adoptsim list, e.g. smoke-sweep) or a sweep TOML file")
    p.add_argument("--out", help="results directory (default: adoptsim-out/<sweep name>)")
    p.add_argument("--workers", type=_positive, default=1, help="processes running the model, this one included (default 1; 2 = this one + 1 spawned)")
    p.add_argument("--dask", metavar="ADDRESS", type=_dask, help="run on a Dask scheduler: tcp://host:port, or 'local'")
    p.add_argument("--overwrite", action="store_true",
                   help="replace results of a different sweep in --out instead of refusing")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--posterior", metavar="CSV",
                   help="run every scenario over weighted draws of this posterior (flat keys + weight columns)")
    p.add_argument("--draws", type=_positive, help="posterior draws per scenario (default: the [posterior] "
                                                   "table's, else 20)")
    p.set_defaults(func=_cmd_sweep)
    p = sub.add_parser("compare", help="rank a sweep's scenarios against its baseline: gains, CIs, cost")
    p.add_argument("dir", help="a sweep results directory")
    p.add_argument("--horizons", nargs="+", type=_months, default=[60, 120], metavar="MONTH",
                   help="months at which to compare (default 60 120; clipped to the sweep's last month)")
    p.add_argument("--level", type=_level, default=0.9, help="confidence level of the intervals (default 0.9)")
    p.add_argument("--no-figures", action="store_true", help="table only")
    p.add_argument("--by", choices=list(RANK_BY), default="adoption",
                   help="outcome to rank by (default adoption; compare.csv holds every one with its intervals)")
    p.set_defaults(func=_cmd_compare)
    p = sub.add_parser("sensitivity", help="global sensitivity analysis (Sobol or Morris, via SALib) over a sweep")
    p.add_argument("config", help="a shipped study name (adoptsim list, e.g. sensitivity-moradabad) or a "
                                  "sensitivity TOML file")
    p.add_argument("--out", help="output folder (default: adoptsim-out/<name>)")
    p.add_argument("--workers", type=_positive, default=1, help="processes running the model, this one included (default 1; 2 = this one + 1 spawned)")
    p.add_argument("--dask", metavar="ADDRESS", type=_dask, help="run on a Dask scheduler: tcp://host:port, or 'local'")
    p.add_argument("--overwrite", action="store_true", help="replace results of a different design in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_sensitivity)
    from .calibrate.command import add_parser as add_calibrate_parser

    add_calibrate_parser(sub)
    p = sub.add_parser("validate", help="check the patterns of docs/PATTERNS.md (pass rates over seeds) and the held-out Kanpur / Taihu figures")
    p.add_argument("--posterior", help="posterior.csv from adoptsim calibrate (default: the scenario defaults, i.e. the calibrated point)")
    p.add_argument("--targets", help="targets CSV with validation rows (e.g. calibration/data/targets.csv)")
    p.add_argument("--out", help="output folder (default: adoptsim-out/validate)")
    p.add_argument("--workers", type=_positive, default=1, help="local worker processes (default 1)")
    p.add_argument("--draws", type=_positive, default=5, help="posterior draws to check (default 5)")
    p.add_argument("--seed-sets", type=_positive, default=4,
                   help="independent seed sets each pattern runs on, per draw: its pass rate (default 4)")
    p.set_defaults(func=_cmd_validate)
    p = sub.add_parser("dashboard", help="workshop mode: a local web page to play with a cluster's levers")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=8765, help="port (default 8765)")
    p.set_defaults(func=_cmd_dashboard)
    p = sub.add_parser("report", help="one self-contained HTML report plus 16:9 slide figures of a results folder")
    p.add_argument("dir", help="a sweep, sensitivity or calibration results directory")
    p.add_argument("--out", help="output folder (default: DIR/report)")
    p.add_argument("--horizons", nargs="+", type=_months, default=[60, 120], metavar="MONTH",
                   help="months at which to compare a sweep's scenarios (default 60 120)")
    p.add_argument("--level", type=_level, default=0.9, help="confidence level of the intervals (default 0.9)")
    p.add_argument("--by", choices=list(RANK_BY), default="adoption",
                   help="outcome a sweep's headline, ranking and cost-effectiveness answer, as compare --by "
                        "(default adoption)")
    p.add_argument("--optimise", action="append", default=[], metavar="OPTDIR",
                   help="an adoptsim optimise folder (pareto.csv, summary.json) to report after the sweep's answer "
                        "(repeatable); one in DIR or up to two levels below DIR or a sweep in it is found anyway")
    p.add_argument("--discover", action="append", default=[], metavar="DISCDIR",
                   help="an adoptsim discover folder (boxes.csv, discover.json) to report likewise (repeatable; "
                        "found the same way, e.g. SWEEP/discover/<rule>/)")
    p.set_defaults(func=_cmd_report)
    p = sub.add_parser("animate", help="animated adoption curves (GIF or MP4) of one or several scenarios")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="shipped scenario names (adoptsim list), scenario TOML files or shipped cluster names")
    p.add_argument("--out", required=True, help="FILE.gif or FILE.mp4 (.mp4 needs ffmpeg, else a .gif is written)")
    p.add_argument("--fps", type=_positive, default=12, help="frames per second (default 12)")
    p.add_argument("--months-per-frame", type=_positive, default=2, help="simulated months per frame (default 2)")
    p.set_defaults(func=_cmd_animate)
    p = sub.add_parser("discover", help="scenario discovery (PRIM): the input ranges where a sweep's outcome fails")
    p.add_argument("dir", help="a finished sweep results directory")
    p.add_argument("--outcome", required=True, help="outcome column at the month, e.g. share_adopted")
    side = p.add_mutually_exclusive_group(required=True)
    side.add_argument("--below", type=float, metavar="X", help="a run fails when the outcome is below X")
    side.add_argument("--above", type=float, metavar="X", help="a run fails when the outcome is above X")
    p.add_argument("--inputs", nargs="+", metavar="KEY",
                   help="input columns to box (default: every lever or parameter the sweep varies)")
    p.add_argument("--month", type=_months, help="month to read the outcome at (default: the last)")
    p.add_argument("--min-density", type=_level, default=0.8,
                   help="density a box must reach to be chosen and to search another (default 0.8)")
    p.add_argument("--max-boxes", type=_positive, default=3, help="boxes to find one after another (default 3)")
    p.add_argument("--out", help="output folder (default: DIR/discover/<outcome>-<below|above>-<X>)")
    p.add_argument("--no-figures", action="store_true", help="tables only")
    p.set_defaults(func=_cmd_discover)
    p = sub.add_parser("optimise", help="search lever mixes for several objectives under a public budget (NSGA-II)")
    p.add_argument("problem", help="a problem TOML file, or a shipped problem name (e.g. optimise-moradabad)")
    p.add_argument("--out", help="results folder (default: adoptsim-out/<problem name>); resumable")
    p.add_argument("--workers", type=_positive, default=1, help="local worker processes (default 1)")
    p.add_argument("--robust", action="store_true",
                   help="also rank the front's mixes by regret across the problem's [uncertain] draws")
    p.add_argument("--overwrite", action="store_true", help="replace evaluations of a different problem in --out")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_cmd_optimise)
    p = sub.add_parser("profiles", help="list the shipped cluster profiles")
    p.set_defaults(func=_cmd_profiles)
    p = sub.add_parser("list", help="list the shipped scenarios, sweeps and studies, each with what it is about")
    p.set_defaults(func=_cmd_list)
    p = sub.add_parser("examples", help="copy the shipped experiment files into a folder to edit")
    p.add_argument("dir", help="folder to copy into (made if missing)")
    p.add_argument("--force", action="store_true", help="overwrite files of the same name in DIR")
    p.set_defaults(func=_cmd_examples)
    return parser


#: errno -> what to do about it, for messages about files and folders
_OS_FIXES = {
    errno.ENOSPC: "free some disk space or write to another disk; finished work is kept",
    errno.EDQUOT: "free some disk space or write to another disk; finished work is kept",
    errno.EACCES: "choose a folder you can write to, or fix its permissions",
    errno.EPERM: "choose a folder you can write to, or fix its permissions",
    errno.EROFS: "the disk is read-only: choose another --out folder",
    errno.ENOTDIR: "give a folder path, not a file",
    errno.EISDIR: "give a file path, not a folder",
    errno.EEXIST: "remove it or choose another name",
    errno.ENOENT: "check the path",
    errno.ENAMETOOLONG: "use a shorter path",
}


def _missing_optional(err: BaseException) -> str | None:
    """The message for an optional package that is not installed (the error or its cause), naming the extra."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, ModuleNotFoundError) and err.name:
            parts = err.name.split(".")
            for n in range(len(parts), 0, -1):
                if ".".join(parts[:n]) in OPTIONAL:
                    what, extra = OPTIONAL[".".join(parts[:n])]
                    return (f"{what} needs the optional package {err.name!r}, which is not installed "
                            f"(pip install 'adoptsim[{extra}]')")
        err = err.__cause__ or err.__context__
    return None


def error_message(err: BaseException) -> str | None:
    """The one-paragraph message for a known input or environment fault, or None for a bug.

    Known faults: the package's error types (bad scenario, sweep, calibration, report, ... files), a folder
    another run is writing, dead workers, non-finite outcomes, and operating-system errors (missing,
    unreadable or unwritable files, a full disk). Their messages already name the file; this adds the fix
    where the operating system gives only a code.
    """
    from .calibrate.errors import CalibrationError
    from .dashboard import DashboardError
    from .discover import DiscoverError
    from .finite import NonFiniteError
    from .lock import LockedError
    from .optimise import ProblemError
    from .report import ReportError
    from .scenario import ScenarioError
    from .sweep import SweepError
    from .sweep.executors import ExecutorError
    from .validate import ValidateError
    from .viz.animate import AnimateError

    missing = _missing_optional(err)
    if missing is not None:
        return missing
    known = (ScenarioError, SweepError, ValidateError, ReportError, CalibrationError,
             DashboardError, LockedError, ExecutorError, NonFiniteError, AnimateError, DiscoverError, ProblemError)
    if isinstance(err, known):
        return str(err)
    if isinstance(err, UnicodeDecodeError):
        return f"a file is not UTF-8 text ({err.reason} at byte {err.start}); save it as UTF-8"
    if isinstance(err, OSError):
        where = err.filename if err.filename is not None else ""
        what = err.strerror or str(err)
        fix = _OS_FIXES.get(err.errno)
        text = f"{where}: {what}" if where else what
        return text + (f" ({fix})" if fix else "")
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the command line; a known input or environment fault is one message on stderr and exit code 2.

    Anything else is a bug and keeps its traceback, so that it is seen and reported.
    """
    import warnings

    args = build_parser().parse_args(argv)
    show = warnings.showwarning
    warnings.showwarning = lambda message, *_, **__: print(f"adoptsim: warning: {message}", file=sys.stderr)
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        # the reader went away (adoptsim profiles | head -1): stop quietly, as the Python docs recommend
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("\nadoptsim: interrupted; finished work is saved; run the same command again to resume",
              file=sys.stderr)
        return 130
    except Exception as err:
        message = error_message(err)
        if message is None:
            raise
        print(f"adoptsim: {message}", file=sys.stderr)
        return 2
    finally:
        warnings.showwarning = show


if __name__ == "__main__":
    sys.exit(main())
