"""Run a sweep: plan units, skip finished ones, execute the rest, write each on arrival."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..lock import folder_lock
from ..profiles import load_profile
from ..scenario import ScenarioError
from .chunks import CHUNK_FIRM_MONTHS, SPAWN_FIRM_MONTHS, chunk_units, run_chunk
from .executors import dask_cluster, dask_connect, dask_threads, in_process, local_processes
from .spec import Sweep, SweepError, world_label
from .store import Unit, plan_units, prepare, write_unit
from .work import run_unit, warm_up


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


def unit_costs(tasks: list[dict]) -> list[int]:
    """Each task's work in firm-months (firms x months x replicates), what chunks are sized by."""
    firms: dict[str, int] = {}  # profile default per cluster, each profile read once
    costs = []
    for task in tasks:
        scenario = task["scenario"]
        n = scenario["n_firms"] or firms.get(scenario["cluster"])
        if n is None:
            n = firms[scenario["cluster"]] = load_profile(scenario["cluster"]).profile.n_firms
        costs.append(n * scenario["months"] * len(task["replicates"]))
    return costs


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
              overwrite: bool = False, progress: bool = True, work: Callable = run_unit,
              chunk: int = CHUNK_FIRM_MONTHS) -> SweepReport:
    """Run every unfinished unit of ``sweep`` into ``out_dir`` (resumable, atomic per unit).

    ``work`` is the function run per unit (default :func:`~adoptsim.sweep.work.run_unit`,
    the adoption model); it must be importable by worker processes. With workers (local or Dask),
    units travel in chunks of about ``chunk`` firm-months (0: one unit each); see :mod:`.chunks`.
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
            return _execute(sweep, out_dir, units, done, bad, workers, dask, connection, progress, work, chunk, t0)
    finally:
        if connection is not None:
            connection[0].close()
            if connection[1] is not None:
                connection[1].close()


def _execute(sweep: Sweep, out_dir: Path, units: list[Unit], done: set[str], bad: dict[str, str], workers: int,
             dask: str | None, connection, progress: bool, work: Callable, chunk: int,
             t0: float) -> SweepReport:
    todo = [u for u in units if u.key not in done]
    tasks = tasks_for(sweep, todo)
    warm = warm_up if work is run_unit else None
    costs = unit_costs(tasks)
    parallel = bool(dask) or (workers > 1 and len(tasks) > 1 and sum(costs) >= SPAWN_FIRM_MONTHS)
    slots = dask_threads(connection) if dask else max(workers, 1)  # so every Dask thread gets chunks too
    chunks = chunk_units(costs, slots, chunk if parallel else 0)
    fn, chunk_tasks = partial(run_chunk, work), [[tasks[i] for i in c] for c in chunks]
    if dask:
        results = dask_cluster(fn, chunk_tasks, dask, max(workers, 1), connection=connection, warm=warm)
    elif parallel:
        results = local_processes(fn, chunk_tasks, workers, warm=warm)
    else:
        results = in_process(fn, chunk_tasks)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        n_runs = sum(len(u.replicates) for u in todo)
        bar = tqdm(total=n_runs, unit="run", desc=sweep.name, dynamic_ncols=True,
                   initial=0, postfix={"done before": sum(len(u.replicates) for u in units) - n_runs})
    runs = 0
    try:
        for c, frames in results:
            for i, frame in zip(chunks[c], frames):
                unit = todo[i]
                write_unit(out_dir, unit, with_world(frame, unit),
                           origin=f"sweep {sweep.name}: {unit.variant} ({unit.key})")
                runs += len(unit.replicates)
                if bar is not None:
                    bar.update(len(unit.replicates))
    finally:
        if bar is not None:
            bar.close()
    return SweepReport(out_dir, len(units), len(units) - len(todo), len(todo), runs,
                       time.perf_counter() - t0, bad)
