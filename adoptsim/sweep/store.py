"""The results directory: a manifest plus one Parquet file per finished unit of work.

A unit is one variant x a block of replicates. Its file is written under a
temporary name and renamed into ``runs/`` only when complete, so a file in
``runs/`` is always a finished unit and a crash never leaves half a result
that could be read. Resuming = running the units whose file is missing.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..outcomes import atomic_path, write_json
from .spec import Sweep, SweepError

MANIFEST = "manifest.json"
RUNS = "runs"


@dataclass(frozen=True)
class Unit:
    """A variant and the replicates it runs together (one output file)."""

    variant: str
    first: int
    last: int  # inclusive

    @property
    def key(self) -> str:
        return f"{self.variant}-r{self.first:05d}-{self.last:05d}"

    @property
    def replicates(self) -> range:
        return range(self.first, self.last + 1)


def plan_units(sweep: Sweep) -> list[Unit]:
    """Split every variant's replicates into blocks (default: one block per variant, at most 20)."""
    block = sweep.block or min(sweep.replicates, 20)
    return [Unit(v.id, r, min(r + block, sweep.replicates) - 1)
            for v in sweep.variants for r in range(0, sweep.replicates, block)]


def manifest_for(sweep: Sweep, units: list[Unit]) -> dict:
    from .. import __version__

    return {
        "adoptsim_version": __version__,
        "definition_hash": sweep.digest(),
        "sweep": sweep.definition(),
        "seeds": [sweep.replicate_seed(r) for r in range(sweep.replicates)],
        "units": [u.key for u in units],
    }


def prepare(out_dir: Path, sweep: Sweep, units: list[Unit], *, overwrite: bool = False) -> set[str]:
    """Create or reopen ``out_dir`` for ``sweep``; return the keys of finished units.

    A directory holding a different sweep is refused unless ``overwrite``, in
    which case its results are deleted first.
    """
    out_dir = Path(out_dir)
    manifest_path = out_dir / MANIFEST
    if manifest_path.exists():
        old = json.loads(manifest_path.read_text())
        if old.get("definition_hash") != sweep.digest():
            if not overwrite:
                raise SweepError(
                    f"{out_dir}: holds results of a different sweep definition "
                    f"({old.get('sweep', {}).get('name', '?')}, hash {old.get('definition_hash')}; "
                    f"this one is {sweep.digest()}). Use another --out directory, or --overwrite to replace them.")
            shutil.rmtree(out_dir / RUNS, ignore_errors=True)
            manifest_path.unlink()
    elif out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise SweepError(f"{out_dir}: exists and is not a sweep results directory (no {MANIFEST}); "
                         "choose an empty or new --out directory")
    (out_dir / RUNS).mkdir(parents=True, exist_ok=True)
    for stale in (out_dir / RUNS).glob(".*.tmp"):  # a write cut short by a kill: never a result
        stale.unlink()
    write_json(manifest_for(sweep, units), manifest_path)
    return finished_units(out_dir)


def finished_units(out_dir: Path) -> set[str]:
    return {p.stem for p in (Path(out_dir) / RUNS).glob("*.parquet")}


def write_unit(out_dir: Path, unit: Unit, table: pa.Table | pd.DataFrame) -> Path:
    """Write one finished unit atomically (temporary name, then rename into ``runs/``)."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    target = Path(out_dir) / RUNS / f"{unit.key}.parquet"
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp)
    return target


def load_results(out_dir: str | Path) -> tuple[pd.DataFrame, dict]:
    """All finished runs of a results directory, sorted, and its manifest."""
    out_dir = Path(out_dir)
    manifest_path = out_dir / MANIFEST
    if not manifest_path.exists():
        raise SweepError(f"{out_dir}: not a sweep results directory (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text())
    files = sorted((out_dir / RUNS).glob("*.parquet"))
    if not files:
        raise SweepError(f"{out_dir}: no finished runs yet")
    frame = pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()
    frame = frame.sort_values(["variant", "replicate", "month"], kind="stable").reset_index(drop=True)
    return frame, manifest
