"""The results directory: a manifest plus one verified Parquet file per finished unit of work.

A unit is one variant x a block of replicates. Its file is written under a
temporary name and renamed into ``runs/`` only when complete; then a small
record beside it (``runs/<key>.json``) gives its size and SHA-256. A unit is
finished only when both exist and the file matches its record, so a
truncated, emptied or altered file is never read: resuming re-runs it.
Only the units the manifest names are ever loaded; a stray file in ``runs/``
(a copy under another name, a unit of an older plan) is ignored.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..finite import check_finite
from ..fingerprint import file_digest
from ..lock import LOCK
from ..outcomes import atomic_path, write_json
from .spec import Sweep, SweepError

MANIFEST = "manifest.json"
RUNS = "runs"


@dataclass(frozen=True)
class Unit:
    """A variant in one world and the replicates it runs together (one output file)."""

    variant: str
    first: int
    last: int  # inclusive
    sample: int = -1  # the world: uncertainty sample point and posterior draw (-1: none)
    draw: int = -1

    @property
    def key(self) -> str:
        world = (f"-x{self.sample:05d}" if self.sample >= 0 else "") + (f"-d{self.draw:05d}" if self.draw >= 0 else "")
        return f"{self.variant}{world}-r{self.first:05d}-{self.last:05d}"

    @property
    def replicates(self) -> range:
        return range(self.first, self.last + 1)


def plan_units(sweep: Sweep) -> list[Unit]:
    """Split every (variant, world)'s replicates into blocks (default: one block of at most 20)."""
    block = sweep.block or min(sweep.replicates, 20)
    return [Unit(v.id, r, min(r + block, sweep.replicates) - 1, w.sample, w.draw)
            for v in sweep.variants for w in sweep.all_worlds for r in range(0, sweep.replicates, block)]


def manifest_for(sweep: Sweep, units: list[Unit]) -> dict:
    from .. import __version__

    return {
        "adoptsim_version": __version__,
        "definition_hash": sweep.digest(),
        "sweep": sweep.definition(),
        "seeds": [sweep.replicate_seed(r) for r in range(sweep.replicates)],
        "units": [u.key for u in units],
    }


def prepare(out_dir: Path, sweep: Sweep, units: list[Unit], *,
            overwrite: bool = False) -> tuple[set[str], dict[str, str]]:
    """Create or reopen ``out_dir`` for ``sweep``; return (finished keys, {key: defect} of units to redo).

    A directory holding a different sweep definition is refused unless
    ``overwrite``, in which case its results are deleted first. A unit whose
    file fails verification is removed here, so it runs again.
    """
    out_dir = Path(out_dir)
    manifest_path = out_dir / MANIFEST
    if manifest_path.exists():
        try:
            old = read_manifest(out_dir)
        except SweepError:
            if not overwrite:
                raise
            old = {}
        if old.get("definition_hash") != sweep.digest():
            if not overwrite:
                raise SweepError(
                    f"{out_dir}: holds results of a different sweep definition "
                    f"({old.get('sweep', {}).get('name', '?')}, hash {old.get('definition_hash')}; "
                    f"this one is {sweep.digest()}). Use another --out directory, or --overwrite to replace them.")
            shutil.rmtree(out_dir / RUNS, ignore_errors=True)
            manifest_path.unlink()
    elif out_dir.exists() and any(p.name != LOCK for p in out_dir.iterdir()) and not overwrite:
        raise SweepError(f"{out_dir}: exists and is not a sweep results directory (no {MANIFEST}); "
                         "choose an empty or new --out directory")
    (out_dir / RUNS).mkdir(parents=True, exist_ok=True)
    for stale in (out_dir / RUNS).glob(".*.tmp"):  # a write cut short by a kill: never a result
        stale.unlink()
    write_json(manifest_for(sweep, units), manifest_path)
    done, bad = verify_units(out_dir, [u.key for u in units])
    for key in bad:  # re-run: remove the file and its record so nothing stale is ever read
        for path in unit_paths(out_dir, key):
            path.unlink(missing_ok=True)
    return done, bad


def read_manifest(out_dir: Path) -> dict:
    path = Path(out_dir) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SweepError(f"{path}: unreadable sweep manifest ({err}); re-run the sweep with --overwrite "
                         "or into a new --out directory") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("units"), list):
        raise SweepError(f"{path}: not a sweep manifest (no list of units); re-run the sweep with --overwrite "
                         "or into a new --out directory")
    return manifest


def unit_paths(out_dir: Path, key: str) -> tuple[Path, Path]:
    """The unit's Parquet file and its verification record."""
    runs = Path(out_dir) / RUNS
    return runs / f"{key}.parquet", runs / f"{key}.json"


def verify_unit(out_dir: Path, key: str) -> str | None:
    """None when unit ``key`` is finished and intact, else why not ("missing" or a defect)."""
    data, record = unit_paths(out_dir, key)
    if not data.exists() and not record.exists():
        return "missing"
    if not record.exists():
        return "no verification record"
    if not data.exists():
        return "file missing"
    try:
        want = json.loads(record.read_text(encoding="utf-8"))
        size, sha = int(want["bytes"]), str(want["sha256"])
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return "unreadable verification record"
    if data.stat().st_size != size:
        return f"size {data.stat().st_size} B, recorded {size} B"
    if file_digest(data) != sha:
        return "checksum mismatch"
    return None


def verify_units(out_dir: Path, keys: Iterable[str]) -> tuple[set[str], dict[str, str]]:
    """(finished keys, {key: defect}) over ``keys``; a unit never started is neither."""
    done, bad = set(), {}
    for key in keys:
        why = verify_unit(out_dir, key)
        if why is None:
            done.add(key)
        elif why != "missing":
            bad[key] = why
    return done, bad


def finished_units(out_dir: Path) -> set[str]:
    """Keys of the manifest's units that are finished and verified."""
    return verify_units(out_dir, read_manifest(out_dir)["units"])[0]


def write_unit(out_dir: Path, unit: Unit, table: pa.Table | pd.DataFrame, origin: str = "") -> Path:
    """Write one finished unit atomically (temporary name, then rename), then its verification record.

    A unit holding NaN or an infinity is refused (:class:`~adoptsim.finite.NonFiniteError`), nothing written.
    """
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    check_finite(table, origin or f"unit {unit.key}")
    target, record = unit_paths(out_dir, unit.key)
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp)
    write_json({"key": unit.key, "rows": table.num_rows, "bytes": target.stat().st_size,
                "sha256": file_digest(target)}, record)
    return target


def variant_names(frame: pd.DataFrame, manifest: dict) -> dict[str, str]:
    """Variant id -> readable name, in sweep order (manifest first, then anything else in the frame)."""
    names = {v["id"]: v["name"] for v in manifest.get("sweep", {}).get("variants", [])}
    for vid, name in frame[["variant", "variant_name"]].drop_duplicates("variant").itertuples(index=False):
        names.setdefault(vid, name)
    return names


#: Columns that say which run a row belongs to (the factor columns follow ``variant_name``).
RUN_COLUMNS = ("variant", "variant_name", "sample", "draw", "replicate", "seed")


def factor_columns(manifest: dict) -> dict[str, dict[str, Any]]:
    """Every parameter the sweep varies, by its dotted scenario key (``levers.capex_subsidy.share``),
    with its value in each variant (the base scenario's where a variant leaves it alone)."""
    from ..scenario.space import parameter_space

    space = parameter_space()
    sweep = manifest.get("sweep", {})
    variants = sweep.get("variants", [])
    keys = list(dict.fromkeys(k for v in variants for k in v.get("overrides", {}) if k in space))
    base = sweep.get("base", {})
    out = {}
    for key in keys:
        node: Any = base
        for part in space[key].path:
            node = node.get(part) if isinstance(node, dict) else None
        out[space[key].dotted] = {v["id"]: v.get("overrides", {}).get(key, node) for v in variants}
    return out


def world_columns(manifest: dict) -> dict[str, dict[tuple[int, int], Any]]:
    """Every uncertain parameter of the worlds (sample points, posterior draws) by dotted key,
    with its value in each (sample, draw)."""
    from ..scenario.space import parameter_space

    space = parameter_space()
    worlds = manifest.get("sweep", {}).get("worlds", [])
    keys = list(dict.fromkeys(k for w in worlds for k in w.get("overrides", {}) if k in space))
    return {space[k].dotted: {(int(w["sample"]), int(w["draw"])): w["overrides"].get(k) for w in worlds}
            for k in keys}


def _read_units(out_dir: Path, keys: list[str]) -> pa.Table:
    """The units' tables, their columns aligned: a column one unit lacks (an option or sector of another
    cluster) is null there."""
    tables = [pq.read_table(unit_paths(out_dir, k)[0]) for k in keys]
    return pa.concat_tables(tables, promote_options="default")


def tidy(frame: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """One column per varied lever and uncertain parameter (dotted keys, the value used), ``sample`` and
    ``draw`` (-1 where none), beside the run columns and outcomes."""
    frame = frame.copy()
    for col in ("sample", "draw"):
        if col not in frame:
            frame[col] = np.int64(-1)
    added = []
    for name, values in factor_columns(manifest).items():
        frame[name] = frame["variant"].map(values)
        added.append(name)
    worlds = world_columns(manifest)
    if worlds:
        at = pd.MultiIndex.from_arrays([frame["sample"], frame["draw"]])
        for name, values in worlds.items():
            frame[name] = pd.Series(values).reindex(at).to_numpy()
            added.append(name)
    head = ["variant", "variant_name", *added, "sample", "draw", "replicate", "seed"]
    head = [c for c in head if c in frame]
    return frame[head + [c for c in frame.columns if c not in head]]


def load_results(out_dir: str | Path) -> tuple[pd.DataFrame, dict]:
    """The finished, verified runs of the units the manifest names, as a tidy frame, and the manifest.

    Columns: ``variant``, ``variant_name``, one column per parameter the sweep
    varies (levers and uncertain parameters, by dotted scenario key, the value
    used), ``sample`` and ``draw`` (-1 where none), ``replicate``, ``seed``,
    then the outcomes. Units of variants in different clusters are aligned: a
    per-cluster column (an option or sector) is null in rows of a cluster
    without it. Sorted by variant, sample, draw, replicate, month.

    A unit whose file fails verification is an error (re-running the sweep
    redoes it); files the manifest does not name are never read.
    """
    out_dir = Path(out_dir)
    if not (out_dir / MANIFEST).exists():
        raise SweepError(f"{out_dir}: not a sweep results directory (no {MANIFEST})")
    manifest = read_manifest(out_dir)
    done, bad = verify_units(out_dir, manifest["units"])
    if bad:
        listed = "; ".join(f"{k}: {why}" for k, why in sorted(bad.items())[:5])
        raise SweepError(f"{out_dir}: {len(bad)} unit file(s) fail verification ({listed}). "
                         "Re-run the same sweep command into this directory to redo them.")
    keys = [k for k in manifest["units"] if k in done]
    if not keys:
        raise SweepError(f"{out_dir}: no finished runs yet")
    frame = tidy(_read_units(out_dir, keys).to_pandas(), manifest)
    order = [c for c in ("variant", "sample", "draw", "replicate", "month") if c in frame]
    frame = frame.sort_values(order, kind="stable").reset_index(drop=True)
    return frame, manifest
