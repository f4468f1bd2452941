"""Run the checks: every pattern under every parameter set (optionally in processes), then the whole validation."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import patterns as _patterns  # noqa: F401  (fills PATTERNS in spawned workers too)
from .experiments import SEED
from .heldout import heldout_check
from .posterior import DRAWS, draw_parameter_sets, read_posterior
from .report import ValidationReport, write_report
from .results import PATTERNS, PatternResult, ValidateError, check_pattern


SEED_SETS = 4  # independent sets of seeds per pattern and parameter set: a pass rate, not one verdict


def _task(args: tuple[int, dict, int | None, int]) -> PatternResult:
    number, params, replicates, seeds = args
    return check_pattern(number, params, replicates, seed_set=seeds)


def run_patterns(parameter_sets: list[dict[str, Any]], patterns: Iterable[int] | None = None,
                 replicates: int | None = None, workers: int = 1, seed_sets: int = 1) -> list[PatternResult]:
    """Every selected pattern under every parameter set and seed set (identical parameter sets run once).

    Results come in pattern, parameter set, seed set order; they do not depend on ``workers``.
    """
    numbers = sorted(PATTERNS) if patterns is None else sorted(set(patterns))
    unknown = [n for n in numbers if n not in PATTERNS]
    if unknown:
        raise ValidateError(f"unknown pattern(s) {unknown}; known: {sorted(PATTERNS)}")
    unique: dict[str, dict] = {}
    for params in parameter_sets:
        unique.setdefault(json.dumps(params, sort_keys=True, default=str), params)
    tasks = [(n, params, replicates, k) for n in numbers for params in unique.values() for k in range(seed_sets)]
    if workers > 1 and len(tasks) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # fresh (spawned) processes, as the sweep executors use: forking a process that runs threads is unsafe
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            done = list(pool.map(_task, tasks))
    else:
        done = [_task(t) for t in tasks]
    by_key = {(t[0], json.dumps(t[1], sort_keys=True, default=str), t[3]): r for t, r in zip(tasks, done)}
    return [replace(by_key[(n, json.dumps(params, sort_keys=True, default=str), k)], draw=i)
            for n in numbers for i, params in enumerate(parameter_sets) for k in range(seed_sets)]


def validate(posterior: str | Path | None = None, targets: str | Path | None = None,
             out_dir: str | Path = "adoptsim-out/validate", *, replicates: int | None = None, workers: int = 1,
             draws: int = DRAWS, seed: int = SEED, patterns: Iterable[int] | None = None,
             figure: bool = True, seed_sets: int = SEED_SETS) -> ValidationReport:
    """Check the patterns (and held-out figures) under the scenario defaults or a posterior; write the report.

    Parameters
    ----------
    posterior
        CSV of a calibration (parameter columns + ``weight``); None checks the scenario defaults once.
    targets
        CSV of targets with a ``set`` column; its validation rows are compared where they are model outcomes.
    out_dir
        Where ``patterns.csv``, ``heldout.csv`` (with targets), ``patterns.png`` and ``report.md`` go.
    replicates
        Runs per arm for every pattern (default: each pattern's own, 6-20).
    workers
        Local processes (patterns x parameter sets run in parallel; results do not depend on it).
    draws, seed
        Number of weighted posterior draws and the seed that picks them.
    patterns
        Pattern numbers to check (default: all).
    seed_sets
        Independent sets of seeds each pattern runs on, per parameter set: the pass rate is over
        seed sets x parameter sets.
    figure
        Write ``patterns.png``.
    """
    start = time.perf_counter()
    notes: list[str] = []
    if posterior is None:
        parameter_sets, source = [{}], (f"the scenario defaults (no posterior given; a single parameter set), "
                                        f"on {seed_sets} independent seed sets")
        notes.append("no posterior given: every pattern was checked once, under the scenario defaults")
    else:
        frame, weights, more = read_posterior(posterior)
        notes += more
        parameter_sets = draw_parameter_sets(frame, weights, draws, seed)
        source = (f"{draws} draws (with replacement, in proportion to weight, seed {seed}) from {Path(posterior)} "
                  f"({len(frame)} rows; parameters {', '.join(frame.columns)}), each on {seed_sets} independent "
                  f"seed sets")
    results = run_patterns(parameter_sets, patterns, replicates, workers, seed_sets)
    notes += sorted({f"pattern {r.number}: {r.not_modelled}" for r in results if r.not_modelled})
    heldout = None
    if targets is None:
        notes.append("no targets file given: the held-out Kanpur and Taihu check was not run")
    else:
        heldout, more = heldout_check(targets, parameter_sets)
        notes += more
    report = ValidationReport(results, parameter_sets, source, heldout, notes)
    report.seconds = time.perf_counter() - start
    report.files = write_report(report, out_dir, figure=figure)
    return report
