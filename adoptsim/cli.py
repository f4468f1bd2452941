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
    p = sub.add_parser("profiles", help="list the shipped cluster profiles")
    p.set_defaults(func=_cmd_profiles)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .scenario import ScenarioError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ScenarioError, FileNotFoundError) as err:
        print(f"adoptsim: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
