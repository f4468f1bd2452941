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
    # --workers 3: the parent computes too, so this is the parent and two spawned workers
    parent = _cli("sweep", str(sweep), "--out", str(out), "--workers", "3", "--quiet", start_new_session=True)
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
    assert parent.returncode == 2, err
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


# ---------------------------------------------------------------- one error path

def _err(capsys, argv) -> str:
    try:
        rc = main(argv)
    except SystemExit as exit_:  # argparse
        rc = exit_.code
    err = capsys.readouterr().err
    assert rc == 2, (argv, err)
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("raw, words", [
    ('name = "caf\xe9"\ncluster = "lahore"\n'.encode("latin-1"), "not UTF-8 text (byte 11, line 1)"),
    (b'cluster = "moradabad"\n[levers.common_plant]\ndesign = "bwmp"\n', "'bwmp' is not a plant of cluster"),
    (('cluster = "' + "x" * 100_000 + '"\n').encode(), "cluster: String should have at most 4096 characters"),
    (b'cluster = "lahore"\n[behaviour]\nattention = nan\n', "behaviour.attention: Input should be a finite number"),
    (b'cluster = "lahore"\nmonths = [1\n', "not valid TOML"),
])
def test_bad_scenario_files_are_one_message(tmp_path, capsys, raw, words):
    path = tmp_path / "s.toml"
    path.write_bytes(raw)
    err = _err(capsys, ["run", str(path), "--out", str(tmp_path / "out")])
    assert err.startswith(f"adoptsim: {path}") and words in err and len(err) < 1000
    assert not (tmp_path / "out").exists()


def test_a_utf8_bom_is_accepted_and_an_empty_file_warns(tmp_path, capsys):
    path = tmp_path / "bom.toml"
    path.write_bytes(b'\xef\xbb\xbfcluster = "lahore"\nmonths = 6\nn_firms = 30\n')
    assert main(["run", str(path), "--out", str(tmp_path / "a"), "--no-figure"]) == 0
    empty = tmp_path / "empty.toml"
    empty.write_bytes(b"")
    from adoptsim.scenario import load_scenario

    with pytest.warns(UserWarning, match="empty"):
        assert load_scenario(empty).name == "empty"


@pytest.mark.parametrize("body, head, words", [
    ("[factors]\nseed = [1, 2]\n", {}, "[factors] seed: a sweep sets each run's seed"),
    ("[[variant]]\nname = 'v'\nseed = 3\n", {"design": '"list"'}, "seed: a sweep sets each run's seed"),
    ("[ranges]\nseed = [0.0, 9.0]\n", {"design": '"lhs"'}, "[ranges] seed"),
    ("[factors]\n" + "".join(f"{k} = [{', '.join(str(i / 100) for i in range(12))}]\n" for k in
                             ("capex_subsidy_share", "attention", "belief_prior", "locality_weight", "learn_demo")),
     {}, "248,832 combinations (allowed: at most 100,000)"),
])
def test_bad_sweeps_are_one_message_and_leave_no_folder(tmp_path, capsys, body, head, words):
    sweep = _tiny_sweep(tmp_path, body=body, **head)
    err = _err(capsys, ["sweep", str(sweep), "--out", str(tmp_path / "out"), "--quiet"])
    assert words in err
    assert not (tmp_path / "out").exists()


def test_a_sweep_whose_base_is_not_utf8(tmp_path, capsys):
    sweep = _tiny_sweep(tmp_path)
    (tmp_path / "base.toml").write_bytes('cluster = "lahore"\nname = "\xe9"\n'.encode("latin-1"))
    assert "base.toml: not UTF-8 text" in _err(capsys, ["sweep", str(sweep), "--quiet"])


@pytest.mark.parametrize("argv, words", [
    (["sweep", "S", "--workers", "0"], "--workers: must be >= 1"),
    (["sweep", "S", "--workers", "-3"], "--workers: must be >= 1"),
    (["sweep", "S", "--dask", "locale"], "not a scheduler address"),
    (["sweep", "S", "--dask", "tcp://127.0.0.1:abc"], "port 'abc' is not a number"),
    (["calibrate", "C", "--workers", "0"], "--workers: must be >= 1"),
    (["dashboard", "--port", "99999"], "port from 1 to 65535"),
    (["animate", "lahore", "--out", "a.gif", "--fps", "0"], "--fps: must be >= 1"),
    (["animate", "lahore", "--out", "a.gif", "--months-per-frame", "0"], "--months-per-frame: must be >= 1"),
])
def test_bad_arguments_are_refused_by_the_parser(capsys, argv, words):
    assert words in _err(capsys, argv)


def test_an_unreachable_scheduler_is_a_fast_clear_error_and_no_folder(tmp_path, capsys):
    sweep = _tiny_sweep(tmp_path)
    out = tmp_path / "out"
    err = _err(capsys, ["sweep", str(sweep), "--out", str(out), "--dask", "tcp://127.0.0.1:1", "--quiet"])
    assert "no Dask scheduler answered" in err
    assert not out.exists()


def test_output_path_that_is_a_file(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("keep")
    scenario = tmp_path / "s.toml"
    scenario.write_text('cluster = "lahore"\nmonths = 6\nn_firms = 30\n')
    assert "is a file, not a folder" in _err(capsys, ["run", str(scenario), "--out", str(afile)])
    assert "is a file, not a folder" in _err(capsys, ["sweep", str(_tiny_sweep(tmp_path)), "--out", str(afile)])
    assert "must end in .gif or .mp4" in _err(capsys, ["animate", str(scenario), "--out", str(tmp_path / "a.txt")])
    assert afile.read_text() == "keep"


@pytest.mark.parametrize("code, words", [(28, "free some disk space"), (30, "read-only")])
def test_a_full_or_read_only_disk_leaves_no_partial_run(tmp_path, capsys, monkeypatch, code, words):
    import importlib

    run_module = importlib.import_module("adoptsim.run")

    def failing(data, path):
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(run_module, "write_json", failing)  # series.parquet/csv are written, then the disk fails
    scenario = tmp_path / "s.toml"
    scenario.write_text('cluster = "lahore"\nmonths = 6\nn_firms = 30\n')
    err = _err(capsys, ["run", str(scenario), "--out", str(tmp_path / "out"), "--no-figure"])
    assert "summary.json" in err and words in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]  # no out/, no temporary folder


def test_a_port_in_use_is_refused_before_the_address_is_printed(capsys):
    import socket

    from adoptsim.dashboard.server import DashboardError, serve

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(DashboardError, match=f"127.0.0.1:{port}: cannot serve there"):
            serve("127.0.0.1", port, check_assets=False)
    assert "open http" not in capsys.readouterr().out


def test_agents_engine_with_many_firms_warns(tmp_path, capsys, monkeypatch):
    import adoptsim.cli as cli

    monkeypatch.setattr(cli, "AGENTS_WARN_FIRMS", 20)
    scenario = tmp_path / "s.toml"
    scenario.write_text('cluster = "lahore"\nmonths = 2\nn_firms = 30\n')
    assert main(["run", str(scenario), "--out", str(tmp_path / "o"), "--engine", "agents", "--no-figure"]) == 0
    assert "warning: --engine agents with 30 firms" in capsys.readouterr().err


def _calibration(tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    from test_calibration import _homogeneous_config

    data = tmp_path / "data.csv"
    data.write_text("cluster,month,share_adopted,n_firms\nhomogeneous,6,0.1,500\nhomogeneous,12,0.3,500\n")
    return _homogeneous_config(tmp_path), data


@pytest.mark.parametrize("raw, words", [
    ("cluster,month,share_adopted,n_firms\nhomogén,6,0.1,500\n".encode("latin-1"), "not UTF-8 text"),
    (b"cluster,month,share_adopted,n_firms\nhomogeneous,6," + b"9" * 200_000 + b",500\n", "not a readable CSV"),
    (b'cluster,month,share_adopted,n_firms\nhomogeneous,6,0.1,500\nhomogeneous,12,"0.3,500\n', "header has 4 columns"),
])
def test_bad_calibration_data_files(tmp_path, capsys, raw, words):
    config, data = _calibration(tmp_path)
    data.write_bytes(raw)
    err = _err(capsys, ["calibrate", str(config), "--data", str(data), "--out", str(tmp_path / "o"), "--no-publish",
                        "--quiet"])
    assert str(data) in err and words in err


def _truncated_sqlite(path: Path) -> None:
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("create table abc_smc(x)")
    con.executemany("insert into abc_smc values (?)", [("x" * 500,)] * 200)
    con.commit()
    con.close()
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])


@pytest.mark.parametrize("damage, words", [
    (lambda o: (o / "calibration.db").write_bytes(os.urandom(4000)), "is not an SQLite database"),
    (lambda o: (o / "calibration.db").write_bytes(b""), "is empty"),
    (lambda o: _truncated_sqlite(o / "calibration.db"), "damaged calibration database"),
    (lambda o: (o / "run.json").write_text("{garbage"), "run.json: unreadable run record"),
])
def test_damaged_calibration_folders(tmp_path, capsys, damage, words):
    config, data = _calibration(tmp_path)
    out = tmp_path / "o"
    out.mkdir()
    damage(out)
    before = _snapshot(out)
    err = _err(capsys, ["calibrate", str(config), "--data", str(data), "--out", str(out), "--no-publish", "--quiet"])
    assert words in err
    assert _snapshot(out) == before


def test_a_held_calibration_folder_is_refused(tmp_path, capsys):
    from adoptsim.lock import folder_lock

    config, data = _calibration(tmp_path)
    with folder_lock(tmp_path / "o"):
        err = _err(capsys, ["calibrate", str(config), "--data", str(data), "--out", str(tmp_path / "o"),
                            "--no-publish", "--quiet"])
    assert f"pid {os.getpid()}" in err and "calibration folder" in err
