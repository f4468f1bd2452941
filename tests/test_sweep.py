"""Sweeps: identical results for any executor, resumable after a kill, clear errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adoptsim.sweep import SweepError, load_results, load_sweep, replicate_seed, run_sweep
from adoptsim.sweep.chunks import chunk_units
from adoptsim.sweep.executors import local_processes

EXPERIMENTS = Path(__file__).parent.parent / "adoptsim" / "experiments"
SMOKE = EXPERIMENTS / "smoke-sweep.toml"


def write_sweep(tmp_path: Path, body: str, name: str = "s.toml") -> Path:
    (tmp_path / "base.toml").write_text('cluster = "lahore"\nmonths = 24\nn_firms = 80\n')
    path = tmp_path / name
    path.write_text(body)
    return path


def key(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["variant", "replicate", "month"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def smoke_serial(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("serial")
    run_sweep(load_sweep(SMOKE), out, progress=False)
    return load_results(out)[0]


def test_smoke_sweep_shape_and_seeds(smoke_serial):
    sweep = load_sweep(SMOKE)
    assert [v.id for v in sweep.variants] == ["s000", "s001", "s002", "s003", "s004"]
    assert sweep.baseline.overrides == {}
    runs = smoke_serial.groupby(["variant", "replicate"]).size()
    assert len(runs) == 5 * 3 and (runs == 37).all()  # months 0..36
    seeds = smoke_serial.groupby("replicate")["seed"].unique()
    assert all(len(s) == 1 for s in seeds)  # common random numbers across variants
    assert [int(s[0]) for s in seeds] == [replicate_seed(7, r) for r in range(3)]
    assert len({replicate_seed(7, r) for r in range(100)}) == 100


@pytest.fixture
def pool_for_any_size(monkeypatch):
    """Local workers even for a sweep too small to be worth starting them (normally run in this process)."""
    from adoptsim.sweep import runner

    monkeypatch.setattr(runner, "SPAWN_FIRM_MONTHS", 0)


@pytest.mark.usefixtures("pool_for_any_size")
def test_two_workers_give_identical_results(smoke_serial, tmp_path):
    run_sweep(load_sweep(SMOKE), tmp_path, workers=2, progress=False)
    pd.testing.assert_frame_equal(key(load_results(tmp_path)[0]), key(smoke_serial))


SMALL_UNITS = ('[sweep]\nbase = "base.toml"\nreplicates = 4\nblock = 1\nseed = 3\n'
               '[factors]\ncapex_subsidy_share = [0.1, 0.2, 0.3]\n')  # 16 units of 80 firms x 24 months


@pytest.fixture(scope="module")
def small_units_serial(tmp_path_factory) -> pd.DataFrame:
    tmp = tmp_path_factory.mktemp("small")
    run_sweep(load_sweep(write_sweep(tmp, SMALL_UNITS)), tmp / "out", progress=False)
    return load_results(tmp / "out")[0]


def test_a_sweep_too_small_for_workers_runs_here(small_units_serial, tmp_path, monkeypatch):
    from adoptsim.sweep import runner

    def no_pool(*args, **kw):
        raise AssertionError("workers started for a sweep of 30,720 firm-months")

    monkeypatch.setattr(runner, "local_processes", no_pool)
    run_sweep(load_sweep(write_sweep(tmp_path, SMALL_UNITS)), tmp_path / "out", workers=2, progress=False)
    pd.testing.assert_frame_equal(key(load_results(tmp_path / "out")[0]), key(small_units_serial))


@pytest.mark.usefixtures("pool_for_any_size")
@pytest.mark.parametrize("chunk", [0, 10**9], ids=["one-unit-each", "chunked"])
def test_chunked_and_unchunked_two_worker_sweeps_equal_the_serial_one(small_units_serial, tmp_path, chunk):
    sweep = load_sweep(write_sweep(tmp_path, SMALL_UNITS))
    run_sweep(sweep, tmp_path / "out", workers=2, chunk=chunk, progress=False)
    pd.testing.assert_frame_equal(key(load_results(tmp_path / "out")[0]), key(small_units_serial))


def test_chunks_batch_small_units_and_leave_large_ones_alone():
    costs = [1] * 40 + [100, 100]  # total 240
    assert chunk_units(costs, workers=1, budget=50) == [list(range(40)), [40], [41]]
    # two workers: at most 240 / (4 x 2) = 30 firm-months a chunk, so both have work
    assert chunk_units(costs, workers=2, budget=50) == [list(range(30)), list(range(30, 40)), [40], [41]]
    assert chunk_units(costs, workers=2, budget=0) == [[i] for i in range(42)]


def test_parent_and_a_warm_worker_share_the_tasks(tmp_path, monkeypatch):
    from executor_toy import MARKS, mark_warm, whose

    monkeypatch.setenv(MARKS, str(tmp_path))
    got = dict(local_processes(whose, list(range(8)), workers=2, warm=mark_warm))
    assert sorted(got) == list(range(8)) and all(got[i][0] == i for i in got)
    pids = {pid for _, pid in got.values()}
    assert len(pids) == 2 and os.getpid() in pids  # the parent is one of the two workers
    child = (pids - {os.getpid()}).pop()
    assert [p.name for p in tmp_path.iterdir()] == [f"warm-{child}"]  # warmed once, in the worker only


def test_work_the_parent_finishes_first_never_waits_for_a_starting_worker():
    import multiprocessing

    from executor_toy import never_warm, quick

    got = dict(local_processes(quick, list(range(6)), workers=2, warm=never_warm))
    assert got == {i: (i, os.getpid()) for i in range(6)}  # all done here, the worker still warming up
    assert not multiprocessing.active_children()  # and it was stopped, not left running


def test_dask_local_cluster_gives_identical_results(smoke_serial, tmp_path):
    pytest.importorskip("distributed")
    run_sweep(load_sweep(SMOKE), tmp_path, dask="local", workers=2, progress=False)
    pd.testing.assert_frame_equal(key(load_results(tmp_path)[0]), key(smoke_serial))


def test_dask_workers_warm_up_once_before_their_tasks(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    from executor_toy import MARKS, mark_warm, quick

    from adoptsim.sweep.executors import dask_cluster

    monkeypatch.setenv(MARKS, str(tmp_path))
    got = dict(dask_cluster(quick, [10, 11, 12], "local", 1, warm=mark_warm))
    pids = {pid for _, pid in got.values()}
    assert sorted(got) == [0, 1, 2] and len(pids) == 1 and os.getpid() not in pids
    assert [p.name for p in tmp_path.iterdir()] == [f"warm-{pids.pop()}"]


def test_rerun_is_a_no_op_and_changed_sweep_is_refused(tmp_path):
    path = write_sweep(tmp_path, '[sweep]\nbase = "base.toml"\nreplicates = 2\n[factors]\ncapex_subsidy_share = [0.2]\n')
    out = tmp_path / "out"
    first = run_sweep(load_sweep(path), out, progress=False)
    assert first.ran_units == 2 and first.runs == 4
    again = run_sweep(load_sweep(path), out, progress=False)
    assert again.ran_units == 0 and again.skipped_units == 2
    path.write_text(path.read_text().replace("0.2", "0.4"))
    with pytest.raises(SweepError, match="different sweep definition.*--overwrite"):
        run_sweep(load_sweep(path), out, progress=False)
    replaced = run_sweep(load_sweep(path), out, overwrite=True, progress=False)
    assert replaced.ran_units == 2
    frame, manifest = load_results(out)
    assert manifest["sweep"]["variants"][1]["overrides"] == {"capex_subsidy_share": 0.4}


@pytest.mark.parametrize("workers", [1, 2], ids=["serial", "chunked-2-workers"])
def test_killed_sweep_resumes_to_exactly_the_complete_result(tmp_path, workers):
    firms = 3000 if workers == 1 else 12000  # 2 workers: 23 M firm-months, enough to start a worker
    body = (f'[sweep]\nbase = "base.toml"\nreplicates = 4\nblock = 1\nn_firms = {firms}\nmonths = 120\n'
            '[factors]\ncapex_subsidy_share = [0.1, 0.2, 0.3]\n')
    path = write_sweep(tmp_path, body)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "adoptsim.cli", "sweep", str(path), "--out", str(out), "--quiet",
           "--workers", str(workers)]  # 2 workers: units in chunks of two (1/8 of the sweep)
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    runs = out / "runs"
    while time.time() < deadline and len(list(runs.glob("*.json")) if runs.exists() else []) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.stem for p in runs.glob("*.json")}  # a unit is finished once its verification record exists
    assert 2 <= len(finished) < 16, "the kill should land mid-sweep"
    report = run_sweep(load_sweep(path), out, workers=workers, progress=False)
    assert report.skipped_units == len(finished) and report.ran_units == 16 - len(finished)
    frame, _ = load_results(out)
    assert not frame.duplicated(["variant", "replicate", "month"]).any()
    assert frame.groupby(["variant", "replicate"]).ngroups == 16
    fresh = tmp_path / "fresh"
    run_sweep(load_sweep(path), fresh, progress=False)
    pd.testing.assert_frame_equal(key(frame), key(load_results(fresh)[0]))
    assert not list(out.rglob("*.tmp"))


@pytest.mark.parametrize("body, message", [
    ('[sweep]\nbase = "base.toml"\n[factors]\ncapex_subsidy_shar = [0.1]\n', r"\[factors\] capex_subsidy_shar: unknown parameter"),
    ('[sweep]\nbase = "base.toml"\n[factors]\ncapex_subsidy_share = [1.5]\n', r"capex_subsidy_share.*<= 1"),
    ('[sweep]\nbase = "missing.toml"\n', r"\[sweep\] base: .*missing.toml: no such scenario file"),
    ('[sweep]\nbase = "base.toml"\nreplicates = 0\n', r"sweep.replicates: .*>= 1"),
    ('[sweep]\nbase = "base.toml"\ndesign = "lhs"\n', r"\[ranges\]: design 'lhs' needs"),
    ('[sweep]\nbase = "base.toml"\ndesign = "lhs"\n[ranges]\nattention = [0.5, 0.1]\n', r"\[ranges\] attention: need \[low, high\]"),
    ('[sweep]\nbase = "base.toml"\ncolour = "red"\n', r"sweep.colour: unknown key"),
    ('[sweep]\nbase = "base.toml"\ndesign = "list"\n', r"design 'list' needs at least one \[\[variant\]\]"),
    ('[sweep]\nbase = "base.toml"\n[[variant]]\nname = "x"\nq_imitation = -1.0\n', r"variant s001 \(x\): .*q_imitation"),
])
def test_bad_sweep_files_name_file_and_key(tmp_path, body, message):
    path = write_sweep(tmp_path, body, "bad.toml")
    with pytest.raises(SweepError, match=message) as err:
        load_sweep(path)
    assert "bad.toml" in str(err.value)


def test_lhs_and_sobol_designs_cover_their_ranges(tmp_path):
    for design in ("lhs", "sobol"):
        path = write_sweep(tmp_path, f'[sweep]\nbase = "base.toml"\ndesign = "{design}"\nsamples = 16\nseed = 3\n'
                                     '[ranges]\ncapex_subsidy_share = [0.0, 0.5]\nattention = [0.05, 0.2]\n')
        sweep = load_sweep(path)
        values = np.array([[v.overrides["capex_subsidy_share"], v.overrides["attention"]] for v in sweep.variants[1:]])
        assert values.shape == (16, 2)
        assert values[:, 0].min() >= 0 and values[:, 0].max() <= 0.5 and values[:, 1].min() >= 0.05
        # stratified: every sixteenth of each range holds exactly one LHS point
        if design == "lhs":
            assert sorted(np.floor(values[:, 0] / 0.5 * 16).astype(int)) == list(range(16))
        assert load_sweep(path).digest() == sweep.digest()  # the design is reproducible


def test_shipped_sweeps_load():
    files = sorted(p for p in EXPERIMENTS.glob("*.toml") if "[sweep]" in p.read_text())
    assert SMOKE in files and len(files) >= 6
    for path in files:
        sweep = load_sweep(path)
        assert len(sweep.variants) >= 2, path
