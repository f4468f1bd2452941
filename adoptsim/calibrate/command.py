"""The ``calibrate`` command: ``adoptsim calibrate CONFIG [--out DIR] [--data FILE] [--workers N] [--dask ADDR]``.

``adoptsim.cli`` adds it with :func:`add_parser` and handles its errors.
"""

from __future__ import annotations

import argparse


def _positive(text: str) -> int:
    from ..cli import _positive as positive

    return positive(text)


def _dask(text: str) -> str:
    from ..cli import _dask as dask

    return dask(text)


def add_parser(sub) -> argparse.ArgumentParser:
    """Add the ``calibrate`` sub-command to an ``argparse`` sub-parsers object."""
    p = sub.add_parser("calibrate", help="Bayesian calibration (ABC-SMC) of behavioural parameters to targets",
                       description="Calibrate behavioural parameters by ABC-SMC (pyabc) against the targets of a "
                                   "calibration config (calibration/*.toml) and optional user data; resumable.")
    p.add_argument("config", help="calibration config TOML (e.g. calibration/lahore-moradabad.toml)")
    p.add_argument("--out", help="output folder with the database and reports (default: adoptsim-out/<name>)")
    p.add_argument("--data", metavar="FILE",
                   help="your observed adoption CSV: cluster, month, adopters or share_adopted "
                        "[, n_firms, low, high] (see calibration/README.md)")
    p.add_argument("--allow-decreasing", action="store_true",
                   help="accept a --data series that falls (e.g. adopters that closed); refused by default")
    p.add_argument("--workers", type=_positive, default=1, help="local worker processes (default 1)")
    p.add_argument("--dask", metavar="ADDRESS", type=_dask, help="run on a Dask scheduler: tcp://host:port, or 'local'")
    p.add_argument("--restart", action="store_true",
                   help="start a new run in the output folder's database instead of resuming the recorded one")
    p.add_argument("--no-publish", action="store_true",
                   help="do not write the config's calibrated parameter file (only OUT/calibrated.toml)")
    p.add_argument("--seed", type=int, metavar="N",
                   help="seed of proposals and simulations instead of the config's (a stability check: two seeds "
                        "should publish defaults that predict the same, see python -m adoptsim.calibrate.stability)")
    p.add_argument("--quiet", action="store_true", help="no per-generation log")
    p.set_defaults(func=run_command)
    return p


def run_command(args: argparse.Namespace) -> int:
    from .runner import run_calibration

    result = run_calibration(args.config, args.out, data=args.data, workers=args.workers, dask=args.dask,
                             resume=not args.restart, publish=not args.no_publish, progress=not args.quiet,
                             allow_decreasing=args.allow_decreasing, seed=args.seed)
    print(result)
    print(f"\nwrote {', '.join(sorted(p.name for p in result.files.values()))} to {result.out_dir}/")
    if result.published:
        print(f"published the calibrated parameters to {result.published}")
    return 0
