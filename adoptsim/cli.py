"""Command line: a thin layer over the library (``adoptsim --help``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _cmd_run(args: argparse.Namespace) -> int:
    from .run import run, write_run

    result = run(args.scenario, engine=args.engine)
    out = Path(args.out) if args.out else Path("adoptsim-out") / result.scenario.name
    paths = write_run(result, out, figure=not args.no_figure)
    print(result)
    print(f"\nwrote {len(paths)} files to {out}/: " + ", ".join(p.name for p in paths))
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .sweep import load_sweep, run_sweep

    sweep = load_sweep(args.sweep)
    out = Path(args.out) if args.out else Path("adoptsim-out") / sweep.name
    n_runs = len(sweep.variants) * sweep.replicates
    where = f"Dask ({args.dask})" if args.dask else f"{args.workers} worker(s)"
    print(f"{sweep.name}: {len(sweep.variants)} scenarios x {sweep.replicates} replicates = {n_runs} runs, "
          f"on {where} -> {out}/")
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
                                     figures=not args.no_figures)
    print(format_table(table))
    print(f"\nwrote {', '.join(p.name for p in paths)} to {Path(args.dir) / 'compare'}/")
    return 0


def _level(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {text}")
    return value


def _months(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a month >= 0, got {text}")
    return value


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from .sensitivity import load_config, run_sensitivity

    config = load_config(args.config)
    out = Path(args.out) if args.out else Path("adoptsim-out") / config.name
    where = f"Dask ({args.dask})" if args.dask else f"{args.workers} worker(s)"
    print(f"{config.name}: {config.method}, {len(config.parameters)} parameters, {config.runs} runs, "
          f"on {where} -> {out}/")
    table = run_sensitivity(config, out, workers=args.workers, dask=args.dask, progress=not args.quiet,
                            overwrite=args.overwrite)
    print(table.round(3).to_string())
    print(f"\nwrote {out}/indices.csv and {out}/indices.png")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from .validate import validate

    out = Path(args.out) if args.out else Path("adoptsim-out") / "validate"
    report = validate(args.posterior, args.targets, out, workers=args.workers, draws=args.draws)
    for _, row in report.summary().iterrows():
        print(f"{row.pattern}. {row.title}  reproduced in {row.reproduced_draws}/{row.draws}")
    print(f"\nwrote {', '.join(p.name for p in report.files)} to {out}/ ({report.seconds:.0f} s)")
    return 0


def _cmd_dashboard(args: argparse.Namespace) -> int:
    from .dashboard import DashboardError, serve

    try:
        return serve(args.host, args.port)  # blocks; Ctrl-C stops it
    except DashboardError as err:
        print(f"adoptsim: error: {err}", file=sys.stderr)
        return 2


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    path = write_report(args.dir, args.out, horizons=tuple(args.horizons), level=args.level)
    print(f"wrote {path} and slide figures in {path.parent / 'figures'}/")
    return 0


def _cmd_animate(args: argparse.Namespace) -> int:
    from .viz.animate import animate

    print(f"wrote {animate(args.scenarios, args.out, fps=args.fps, months_per_frame=args.months_per_frame)}")
    return 0


def _cmd_profiles(args: argparse.Namespace) -> int:
    from .profiles import load_profile, shipped_profiles

    for name in shipped_profiles():
        p = load_profile(name)
        print(f"{name:12s} {p.profile.n_firms:6d} firms  {p.profile.title}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="adoptsim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run one scenario and write its monthly outcomes")
    p.add_argument("scenario", nargs="?", default=None,
                   help="scenario TOML file (default: the built-in default scenario, Moradabad baseline)")
    p.add_argument("--out", help="output folder (default: adoptsim-out/<scenario name>)")
    p.add_argument("--engine", choices=["numba", "agents"], default="numba",
                   help="compiled kernel (default) or the readable per-agent Mesa path")
    p.add_argument("--no-figure", action="store_true", help="skip the adoption-curve PNG")
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("sweep", help="run a sweep of scenarios x replicates (resumable)")
    p.add_argument("sweep", help="sweep TOML file (see experiments/smoke-sweep.toml)")
    p.add_argument("--out", help="results directory (default: adoptsim-out/<sweep name>)")
    p.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    p.add_argument("--dask", metavar="ADDRESS", help="run on a Dask scheduler: tcp://host:port, or 'local'")
    p.add_argument("--overwrite", action="store_true",
                   help="replace results of a different sweep in --out instead of refusing")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_sweep)
    p = sub.add_parser("compare", help="rank a sweep's scenarios against its baseline: gains, CIs, cost")
    p.add_argument("dir", help="a sweep results directory")
    p.add_argument("--horizons", nargs="+", type=_months, default=[60, 120], metavar="MONTH",
                   help="months at which to compare (default 60 120; clipped to the sweep's last month)")
    p.add_argument("--level", type=_level, default=0.9, help="confidence level of the intervals (default 0.9)")
    p.add_argument("--no-figures", action="store_true", help="table only")
    p.set_defaults(func=_cmd_compare)
    p = sub.add_parser("sensitivity", help="global sensitivity analysis (Sobol or Morris, via SALib) over a sweep")
    p.add_argument("config", help="sensitivity TOML file (see experiments/sensitivity-moradabad.toml)")
    p.add_argument("--out", help="output folder (default: adoptsim-out/<name>)")
    p.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    p.add_argument("--dask", metavar="ADDRESS", help="run on a Dask scheduler: tcp://host:port, or 'local'")
    p.add_argument("--overwrite", action="store_true", help="replace results of a different design in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_sensitivity)
    from .calibrate.command import add_parser as add_calibrate_parser

    add_calibrate_parser(sub)
    p = sub.add_parser("validate", help="check MODEL.md's patterns and the held-out Kanpur / Taihu figures")
    p.add_argument("--posterior", help="posterior.csv from adoptsim calibrate (default: the scenario defaults, i.e. the calibrated point)")
    p.add_argument("--targets", help="targets CSV with validation rows (e.g. calibration/data/targets.csv)")
    p.add_argument("--out", help="output folder (default: adoptsim-out/validate)")
    p.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    p.add_argument("--draws", type=int, default=5, help="posterior draws to check (default 5)")
    p.set_defaults(func=_cmd_validate)
    p = sub.add_parser("dashboard", help="workshop mode: a local web page to play with a cluster's levers")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.set_defaults(func=_cmd_dashboard)
    p = sub.add_parser("report", help="one self-contained HTML report plus 16:9 slide figures of a results folder")
    p.add_argument("dir", help="a sweep, sensitivity or calibration results directory")
    p.add_argument("--out", help="output folder (default: DIR/report)")
    p.add_argument("--horizons", nargs="+", type=_months, default=[60, 120], metavar="MONTH")
    p.add_argument("--level", type=_level, default=0.9)
    p.set_defaults(func=_cmd_report)
    p = sub.add_parser("animate", help="animated adoption curves (GIF or MP4) of one or several scenarios")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario TOML files or shipped cluster names")
    p.add_argument("--out", required=True, help="FILE.gif or FILE.mp4")
    p.add_argument("--fps", type=int, default=12)
    p.add_argument("--months-per-frame", type=int, default=2)
    p.set_defaults(func=_cmd_animate)
    p = sub.add_parser("profiles", help="list the shipped cluster profiles")
    p.set_defaults(func=_cmd_profiles)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .scenario import ScenarioError
    from .sweep import SweepError
    from .report import ReportError
    from .validate import ValidateError
    from .calibrate.errors import CalibrationError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("\nadoptsim: interrupted; finished work is saved; run the same command again to resume",
              file=sys.stderr)
        return 130
    except (ScenarioError, SweepError, ValidateError, ReportError, CalibrationError, FileNotFoundError) as err:
        print(f"adoptsim: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
