"""Run a sweep: plan units, skip finished ones, execute the rest, write each on arrival."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..lock import folder_lock
from ..scenario import ScenarioError
from .executors import dask_cluster, dask_connect, in_process, local_processes
from .spec import Sweep, SweepError, world_label
from .store import Unit, plan_units, prepare, write_unit
from .work import run_unit


@dataclass
class SweepReport:
    """What a call to :func:`run_sweep` did."""

    out_dir: Path
    total_units: int
    skipped_units: int
    ran_units: int
    runs: int
    seconds: float
    redone: dict[str, str] = field(default_factory=dict)  # units whose file failed verification: key -> defect


def tasks_for(sweep: Sweep, units: list[Unit]) -> list[dict]:
    """The plain-data task of each unit (built, so validated, before anything runs)."""
    variants = {v.id: v for v in sweep.variants}
    worlds = {(w.sample, w.draw): w for w in sweep.all_worlds}
    tasks = []
    for u in units:
        v, w = variants[u.variant], worlds[(u.sample, u.draw)]
        try:
            scenario = sweep.scenario(v, w)
        except ScenarioError as err:
            raise SweepError(f"sweep {sweep.name}: variant {v.id} ({v.name}) in {world_label(w)}: {err}") from None
        tasks.append({
            "scenario": scenario.model_dump(mode="json"),
            "variant": v.id, "variant_name": v.name,
            "replicates": list(u.replicates), "seeds": [sweep.replicate_seed(r) for r in u.replicates],
        })
    return tasks


def with_world(table: pa.Table | pd.DataFrame, unit: Unit) -> pa.Table | pd.DataFrame:
    """The unit's rows with its ``sample`` and ``draw`` columns (only in sweeps that have worlds)."""
    if unit.sample < 0 and unit.draw < 0:
        return table
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    at = table.column_names.index("replicate") if "replicate" in table.column_names else 0
    for offset, (name, value) in enumerate((("sample", unit.sample), ("draw", unit.draw))):
        if name not in table.column_names:
            table = table.add_column(at + offset, name, pa.array(np.full(table.num_rows, value, np.int64)))
    return table


def run_sweep(sweep: Sweep, out_dir: str | Path, *, workers: int = 1, dask: str | None = None,
              overwrite: bool = False, progress: bool = True, work: Callable = run_unit) -> SweepReport:
    """Run every unfinished unit of ``sweep`` into ``out_dir`` (resumable, atomic per unit).

    ``work`` is the function run per unit (default :func:`~adoptsim.sweep.work.run_unit`,
    the adoption model); it must be importable by worker processes.
    """
    out_dir = Path(out_dir)
    t0 = time.perf_counter()
    units = plan_units(sweep)
    connection = dask_connect(dask, max(workers, 1)) if dask else None  # before any folder exists
    created = not out_dir.exists()
    try:
        with folder_lock(out_dir, "sweep results folder"):
            try:
                done, bad = prepare(out_dir, sweep, units, overwrite=overwrite)
            except BaseException:
                if created:  # refused before anything was written: leave no folder behind
                    shutil.rmtree(out_dir, ignore_errors=True)
                raise
            return _execute(sweep, out_dir, units, done, bad, workers, dask, connection, progress, work, t0)
    finally:
        if connection is not None:
            connection[0].close()
            if connection[1] is not None:
                connection[1].close()


def _execute(sweep: Sweep, out_dir: Path, units: list[Unit], done: set[str], bad: dict[str, str], workers: int,
             dask: str | None, connection, progress: bool, work: Callable, t0: float) -> SweepReport:
    todo = [u for u in units if u.key not in done]
    tasks = tasks_for(sweep, todo)
    if dask:
        results = dask_cluster(work, tasks, dask, max(workers, 1), connection=connection)
    elif workers > 1 and len(tasks) > 1:
        results = local_processes(work, tasks, workers)
    else:
        results = in_process(work, tasks)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        n_runs = sum(len(u.replicates) for u in todo)
        bar = tqdm(total=n_runs, unit="run", desc=sweep.name, dynamic_ncols=True,
                   initial=0, postfix={"done before": sum(len(u.replicates) for u in units) - n_runs})
    runs = 0
    try:
        for i, frame in results:
            write_unit(out_dir, todo[i], with_world(frame, todo[i]), origin=f"sweep {sweep.name}: {todo[i].variant} ({todo[i].key})")
            runs += len(todo[i].replicates)
            if bar is not None:
                bar.update(len(todo[i].replicates))
    finally:
        if bar is not None:
            bar.close()
    return SweepReport(out_dir, len(units), len(units) - len(todo), len(todo), runs,
                       time.perf_counter() - t0, bad)
