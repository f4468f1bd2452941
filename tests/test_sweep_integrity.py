"""Sweep results cannot lie: every definition field is hashed, and only verified, named units are read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from adoptsim.sweep import SweepError, load_results, load_sweep, run_sweep
from adoptsim.sweep.store import verify_unit

BODY = ('[sweep]\nbase = "base.toml"\nreplicates = 4\nseed = 5\n'
        '[factors]\ncapex_subsidy_share = [0.0, 0.4]\n')


def write_sweep(tmp_path: Path, body: str = BODY) -> Path:
    (tmp_path / "base.toml").write_text('cluster = "lahore"\nmonths = 18\nn_firms = 60\n')
    path = tmp_path / "s.toml"
    path.write_text(body)
    return path


def ordered(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["variant", "replicate", "month"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> pd.DataFrame:
    tmp = tmp_path_factory.mktemp("fresh")
    run_sweep(load_sweep(write_sweep(tmp)), tmp / "out", progress=False)
    return load_results(tmp / "out")[0]


@pytest.mark.parametrize("edit", [
    ("replicates = 4", "replicates = 4\nblock = 1"),   # the defect: block re-keyed every unit beside the old ones
    ("replicates = 4", "replicates = 4\nblock = 2"),
    ("seed = 5", "seed = 6"),
    ("[0.0, 0.4]", "[0.0, 0.5]"),
    ("replicates = 4", "replicates = 5"),
])
def test_any_definition_change_is_refused_on_resume(tmp_path, edit):
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    run_sweep(load_sweep(path), out, progress=False)
    before = sorted(p.name for p in (out / "runs").iterdir())
    path.write_text(path.read_text().replace(*edit))
    with pytest.raises(SweepError, match="different sweep definition"):
        run_sweep(load_sweep(path), out, progress=False)
    assert sorted(p.name for p in (out / "runs").iterdir()) == before


def test_profile_file_content_is_part_of_the_definition(tmp_path):
    from adoptsim.profiles import profile_path

    custom = tmp_path / "cluster.toml"
    shutil.copy(profile_path("lahore"), custom)
    (tmp_path / "base.toml").write_text(f'cluster = "{custom}"\nmonths = 6\nn_firms = 20\n')
    path = tmp_path / "s.toml"
    path.write_text('[sweep]\nbase = "base.toml"\nreplicates = 1\n[factors]\ncapex_subsidy_share = [0.3]\n')
    first = load_sweep(path).digest()
    custom.write_text(custom.read_text() + "\n# edited\n")
    assert load_sweep(path).digest() != first


def test_stray_unit_copies_are_never_loaded(tmp_path, uninterrupted):
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    run_sweep(load_sweep(path), out, progress=False)
    runs = out / "runs"
    unit = sorted(runs.glob("*.parquet"))[0]
    shutil.copy(unit, runs / "s001-copy.parquet")
    shutil.copy(unit.with_suffix(".json"), runs / "s001-copy.json")
    frame, _ = load_results(out)
    assert len(frame) == len(uninterrupted)
    pd.testing.assert_frame_equal(ordered(frame), ordered(uninterrupted))


def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _empty(p: Path) -> None:
    p.write_bytes(b"")


def _flip(p: Path) -> None:
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x10  # same size, one bit different
    p.write_bytes(bytes(data))


def _drop_record(p: Path) -> None:
    p.with_suffix(".json").unlink()


@pytest.mark.parametrize("damage", [_truncate, _empty, _flip, _drop_record])
def test_damaged_unit_is_detected_rerun_and_reported(tmp_path, uninterrupted, damage):
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    first = run_sweep(load_sweep(path), out, progress=False)
    unit = sorted((out / "runs").glob("*.parquet"))[1]
    damage(unit)
    assert verify_unit(out, unit.stem) is not None
    if damage is not _drop_record:
        with pytest.raises(SweepError, match="fail verification.*Re-run"):
            load_results(out)
    again = run_sweep(load_sweep(path), out, progress=False)
    assert again.ran_units == 1 and again.skipped_units == first.total_units - 1
    if damage is not _drop_record:
        assert list(again.redone) == [unit.stem]
    pd.testing.assert_frame_equal(ordered(load_results(out)[0]), ordered(uninterrupted))


def test_corrupt_manifest_is_a_clear_error(tmp_path):
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    run_sweep(load_sweep(path), out, progress=False)
    (out / "manifest.json").write_bytes(b"\xff\xfe{not json")
    with pytest.raises(SweepError, match="manifest.json: unreadable sweep manifest"):
        load_results(out)
    with pytest.raises(SweepError, match="unreadable sweep manifest"):
        run_sweep(load_sweep(path), out, progress=False)
    replaced = run_sweep(load_sweep(path), out, overwrite=True, progress=False)
    assert replaced.ran_units == replaced.total_units == 3


def test_units_record_size_and_checksum(tmp_path):
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    run_sweep(load_sweep(path), out, progress=False)
    for unit in (out / "runs").glob("*.parquet"):
        record = json.loads(unit.with_suffix(".json").read_text())
        assert record["bytes"] == unit.stat().st_size and len(record["sha256"]) == 64
