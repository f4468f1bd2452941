"""Results that cannot lie: one writer per folder, workers die with their parent, finite numbers only,
names are names, and one clean error path for input and environment faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from adoptsim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"}


def _tiny_sweep(tmp_path: Path, body: str = "", name: str = "sweep.toml", **head) -> Path:
    (tmp_path / "base.toml").write_text('cluster = "lahore"\nmonths = 12\nn_firms = 40\n')
    header = {"base": '"base.toml"', "replicates": "2", **{k: str(v) for k, v in head.items()}}
    text = "[sweep]\n" + "".join(f"{k} = {v}\n" for k, v in header.items())
    text += body or "[factors]\ncapex_subsidy_share = [0.3]\n"
    path = tmp_path / name
    path.write_text(text)
    return path


def _cli(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "adoptsim.cli", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _wait_for(predicate, seconds: float = 60.0, what: str = "condition"):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


# ---------------------------------------------------------------- one writer per results folder

def test_a_held_folder_is_refused_at_once_and_untouched(tmp_path, capsys):
    from adoptsim.lock import folder_lock

    sweep = _tiny_sweep(tmp_path)
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--out", str(out), "--quiet"]) == 0
    before = _snapshot(out)
    with folder_lock(out):  # this process is "the first sweep"
        for extra in ([], ["--overwrite"]):
            assert main(["sweep", str(sweep), "--out", str(out), "--quiet", *extra]) == 2
            err = capsys.readouterr().err
            assert f"pid {os.getpid()}" in err and "another adoptsim run is writing" in err
            assert "Traceback" not in err
    assert _snapshot(out) == before
    assert main(["sweep", str(sweep), "--out", str(out), "--quiet"]) == 0  # released: resumes (nothing to do)
    assert "resumed: 2 of 2 units" in capsys.readouterr().out


def test_two_concurrent_sweeps_one_runs_the_other_is_refused(tmp_path):
    from adoptsim.sweep import load_results

    sweep = _tiny_sweep(tmp_path, body="[factors]\ncapex_subsidy_share = [0.1, 0.2, 0.3, 0.4, 0.5]\n",
                        replicates=4, block=1, n_firms=10000, months=600)
    out = tmp_path / "out"
    first = _cli("sweep", str(sweep), "--out", str(out), "--quiet")
    lock = out / ".lock"
    _wait_for(lambda: lock.exists() and f'"pid": {first.pid}' in lock.read_text(), what="the first sweep's lock")
    second = _cli("sweep", str(sweep), "--out", str(out), "--quiet")
    _, err2 = second.communicate(timeout=120)
    running = first.poll() is None
    out1, err1 = first.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert running, "the first sweep finished before the second was refused: make it longer"
    assert second.returncode == 2
    assert f"pid {first.pid}" in err2 and "another adoptsim run is writing" in err2 and "Traceback" not in err2
    frame, manifest = load_results(out)  # the first's results are whole and verified
    assert len(manifest["units"]) == 6 * 4 and frame["replicate"].nunique() == 4


# ---------------------------------------------------------------- workers die with their parent

def _alive(pids) -> list[int]:
    import psutil

    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def _busy_sweep(tmp_path: Path) -> Path:
    return _tiny_sweep(tmp_path, body="[factors]\ncapex_subsidy_share = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]\n",
                       replicates=8, block=1, n_firms=5000, months=240)


def test_killed_parent_leaves_no_worker_behind(tmp_path):
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "out"
    # units far longer than the wait below: a worker that outlived its parent would still be computing
    sweep = _tiny_sweep(tmp_path, body="[factors]\ncapex_subsidy_share = [0.1, 0.2, 0.3]\n",
                        replicates=4, block=2, n_firms=50000, months=1200)
    parent = _cli("sweep", str(sweep), "--out", str(out), "--workers", "2", "--quiet", start_new_session=True)
    try:
        def busy_workers():
            kids = psutil.Process(parent.pid).children(recursive=True)
            busy = [c for c in kids if c.cpu_times().user > 1.5 and "resource_tracker" not in " ".join(c.cmdline())]
            return kids if len(busy) >= 2 else None

        children = [c.pid for c in _wait_for(busy_workers, seconds=120, what="two workers computing")]
        assert len(_alive(children)) >= 2  # two workers (and the resource tracker)
        os.kill(parent.pid, signal.SIGKILL)  # the leader only, not its process group
        parent.wait(timeout=30)
        survivors = children
        for _ in range(400):  # bounded wait (20 s) for the kernel / the watchdogs to end them
            survivors = _alive(children)
            if not survivors:
                break
            time.sleep(0.05)
        assert not survivors, f"still running after their parent was killed: {survivors}"
    finally:
        try:
            os.killpg(parent.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_killed_worker_is_one_line_saying_resume(tmp_path):
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "out"
    sweep = _busy_sweep(tmp_path)
    parent = _cli("sweep", str(sweep), "--out", str(out), "--workers", "2", "--quiet", start_new_session=True)
    try:
        _wait_for(lambda: list((out / "runs").glob("*.json")), seconds=120, what="a first finished unit")
        workers = [c for c in psutil.Process(parent.pid).children()
                   if "resource_tracker" not in " ".join(c.cmdline())]
        workers[0].kill()
        _, err = parent.communicate(timeout=120)
    finally:
        try:
            os.killpg(parent.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert parent.returncode == 2
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "worker process died" in lines[0] and "run the same command again" in lines[0]
    from adoptsim.sweep.store import finished_units

    assert finished_units(out)  # what finished before the kill is kept for the resume


# ---------------------------------------------------------------- finite numbers only

@pytest.mark.parametrize("key, value", [
    ("behaviour.attention", "nan"), ("behaviour.q_imitation", "inf"), ("levers.capex_subsidy.share", "nan"),
    ("levers.capex_subsidy.cap", "nan"), ("levers.vendors.capacity_per_month", "nan"),
    ("levers.outreach.cost_per_contact", "inf"), ("levers.outreach.cost_per_contact", "1e13"),
    ("levers.vendors.extra_capacity", "inf"), ("levers.buyer_platform.cost_per_month", "1e300"),
    ("levers.outreach.reach_per_month", "1e300"), ("levers.enforcement.penalty", "inf"),
])
def test_non_finite_and_absurd_values_are_refused(key, value):
    from adoptsim.scenario import ScenarioError, scenario_from_dict

    *parents, leaf = key.split(".")
    data: dict = {}
    node = data
    for p in parents:
        node = node.setdefault(p, {})
    node[leaf] = float(value)
    with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
        scenario_from_dict(data)


def test_inf_means_unlimited_where_the_default_is_inf(tmp_path):
    from adoptsim.scenario import load_scenario

    path = tmp_path / "s.toml"
    path.write_text('cluster = "lahore"\n[levers.capex_subsidy]\nshare = 0.2\ncap = inf\n'
                    '[levers.vendors]\ncapacity_per_month = inf\n')
    s = load_scenario(path)
    assert s.levers.capex_subsidy.cap == float("inf") and s.levers.vendors.capacity_per_month == float("inf")


def test_sweep_ranges_must_be_finite(tmp_path, capsys):
    sweep = _tiny_sweep(tmp_path, body="[ranges]\ncapex_subsidy_share = [0.0, inf]\n", design='"lhs"', samples=2)
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "[ranges] capex_subsidy_share: bounds must be finite" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_non_finite_outcome_is_refused_and_nothing_written(tmp_path):
    import pandas as pd
    import pyarrow as pa

    from adoptsim.finite import NonFiniteError
    from adoptsim.outcomes import write_frame
    from adoptsim.sweep.store import Unit, unit_paths, write_unit

    frame = pd.DataFrame({"month": [0, 1], "share_adopted": [0.0, np.nan]})
    with pytest.raises(NonFiniteError, match="scenario x.*'share_adopted'"):
        write_frame(frame, tmp_path / "run", "series", {"scenario": json.dumps({"name": "x"})})
    assert not (tmp_path / "run").exists() or not any((tmp_path / "run").iterdir())
    unit = Unit("s001", 0, 0)
    with pytest.raises(NonFiniteError, match="sweep demo: s001.*'water'"):
        write_unit(tmp_path, unit, pa.table({"month": [0], "water": [float("inf")]}), origin="sweep demo: s001")
    assert not any(p.exists() for p in unit_paths(tmp_path, unit.key))


def test_summary_and_manifest_are_strict_json(tmp_path):
    from adoptsim.outcomes import write_json

    path = write_json({"a": float("nan"), "b": [float("inf"), 1.0], "c": {"d": np.float64("-inf")}}, tmp_path / "x.json")
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": [None, 1.0], "c": {"d": None}}
    sweep = _tiny_sweep(tmp_path)  # the base scenario has capex cap = inf ("unlimited")
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    manifest = (tmp_path / "out" / "manifest.json").read_text()
    json.loads(manifest, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))


# ---------------------------------------------------------------- names are names

@pytest.mark.parametrize("name", ["../../escape", "/tmp/absolute-escape", ".hidden", "a/b\\\\c:d"])
def test_scenario_names_stay_inside_the_output_folder(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    scenario = tmp_path / "work" / "s.toml"
    scenario.write_text(f'name = "{name}"\ncluster = "lahore"\nmonths = 6\nn_firms = 30\n')
    assert main(["run", str(scenario), "--no-figure"]) == 0
    made = [p for p in (tmp_path / "work" / "adoptsim-out").iterdir()]
    assert len(made) == 1 and made[0].is_dir() and not made[0].name.startswith(".")
    assert (made[0] / "summary.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]  # nothing escaped
    assert not Path("/tmp/absolute-escape").exists()


def test_safe_name():
    from adoptsim.paths import safe_name

    assert safe_name("moradabad-baseline") == "moradabad-baseline"
    assert safe_name("../../escape") == "escape"
    assert safe_name("/etc/passwd") == "etc-passwd"
    assert safe_name("x" * 100_000) == "x" * 80
    assert safe_name("...") == "unnamed"
    assert safe_name("my scenario (v2)") == "my-scenario-v2"
