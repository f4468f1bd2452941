"""A newcomer's first hour: shipped experiments by name, ``list`` / ``examples``, ``--version``, help text,
lazy imports, a closed pipe, missing optional packages, the first-compile notice, and summaries that speak
only of what the scenario contains."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from adoptsim.cli import COMPILE_NOTICE, build_parser, main
from adoptsim.examples import EXPERIMENTS, ExampleError, copy_examples, resolve, shipped_examples

PYTHON = sys.executable


# -- shipped experiments, found by name ------------------------------------------------------------------

def test_shipped_experiments_are_package_data_and_classified():
    kinds = {e.name: e.kind for e in shipped_examples()}
    from adoptsim.examples import PROBLEMS

    assert len(kinds) == len(list(EXPERIMENTS.glob("*.toml"))) + len(list(PROBLEMS.glob("*.toml"))) >= 28
    assert kinds["lahore-green-finance"] == "scenario"
    assert kinds["sweep-kanpur-zld"] == kinds["smoke-sweep"] == "sweep"
    assert kinds["sensitivity-moradabad"] == "study"
    assert kinds["optimise-moradabad"] == "problem"  # adoptsim optimise NAME
    assert EXPERIMENTS == Path(__import__("adoptsim").__file__).parent / "experiments"
    assert not (EXPERIMENTS.parents[1] / "experiments").exists()  # moved, not copied


def test_resolve_takes_a_name_a_name_with_suffix_or_a_path(tmp_path):
    shipped = EXPERIMENTS / "lahore-green-finance.toml"
    assert resolve("lahore-green-finance", "scenario") == shipped
    assert resolve("lahore-green-finance.toml", "scenario") == shipped
    mine = tmp_path / "lahore-green-finance.toml"  # a file of the same name wins over the shipped one
    mine.write_text('cluster = "lahore"\n')
    assert resolve(str(mine), "scenario") == mine
    assert resolve("sweep-kanpur-zld", "sweep") == EXPERIMENTS / "sweep-kanpur-zld.toml"
    assert resolve("sensitivity-moradabad", "study") == EXPERIMENTS / "sensitivity-moradabad.toml"


def test_unknown_name_lists_the_shipped_names_and_wrong_kind_names_the_command():
    with pytest.raises(ExampleError) as err:
        resolve("lahore-green-financ", "scenario")
    text = str(err.value)
    assert text.startswith("lahore-green-financ: no such file")
    assert all(e.name in text for e in shipped_examples("scenario"))
    assert "sweep-kanpur-zld" not in text
    with pytest.raises(ExampleError, match="adoptsim sweep sweep-kanpur-zld"):
        resolve("sweep-kanpur-zld", "scenario")
    with pytest.raises(ExampleError):  # a path is never taken for a shipped name
        resolve("somewhere/lahore-green-finance", "scenario")


def test_run_by_name_is_the_shipped_file(tmp_path, capsys):
    from adoptsim import run

    assert main(["run", "lahore-green-finance", "--out", str(tmp_path / "out"), "--no-figure"]) == 0
    assert "lahore-green-finance (lahore, 300 firms, 120 months)" in capsys.readouterr().out
    frame = pd.read_parquet(tmp_path / "out" / "series.parquet")
    pd.testing.assert_frame_equal(frame, run(EXPERIMENTS / "lahore-green-finance.toml").frame, check_exact=True)


def test_run_of_an_unknown_name_is_one_clear_message(tmp_path, capsys):
    assert main(["run", "no-such-scenario", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("adoptsim: no-such-scenario: no such file") and "lahore-green-finance" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_sweep_and_sensitivity_by_name(tmp_path, capsys, monkeypatch):
    assert main(["sweep", "smoke-sweep", "--out", str(tmp_path / "smoke"), "--quiet"]) == 0
    assert "smoke-sweep:" in capsys.readouterr().out
    seen = {}

    def fake_run_sensitivity(config, out, **_):
        seen["name"] = config.name
        return pd.DataFrame({"S1": [0.5]}, index=["attention"])

    monkeypatch.setattr("adoptsim.sensitivity.run_sensitivity", fake_run_sensitivity)
    assert main(["sensitivity", "sensitivity-moradabad", "--out", str(tmp_path / "sens"), "--quiet"]) == 0
    assert seen["name"] == "sensitivity-moradabad"
    assert main(["sweep", "lahore-green-finance", "--out", str(tmp_path / "x")]) == 2
    assert "not a shipped sweep name" in capsys.readouterr().err


def test_examples_copies_refuses_to_overwrite_then_forces(tmp_path, capsys):
    from adoptsim.sweep import load_sweep

    folder = tmp_path / "mine"
    assert main(["examples", str(folder)]) == 0
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(p.name for p in EXPERIMENTS.glob("*.toml"))
    assert str(folder) in capsys.readouterr().out
    edited = folder / "lahore-baseline.toml"
    edited.write_text("# my edit\n" + edited.read_text())
    assert main(["examples", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "already holds" in err and "--force" in err
    assert edited.read_text().startswith("# my edit")  # nothing overwritten
    assert main(["examples", str(folder), "--force"]) == 0
    assert edited.read_text() == (EXPERIMENTS / "lahore-baseline.toml").read_text()
    # the copies run where they are: sweeps name their base relative to themselves
    assert load_sweep(folder / "smoke-sweep.toml").name == "smoke-sweep"
    (tmp_path / "file").write_text("")
    with pytest.raises(ExampleError, match="is a file"):
        copy_examples(tmp_path / "file")


def test_list_shows_every_shipped_file_with_its_description(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for e in shipped_examples():
        line = next(line for line in out.splitlines() if line.split()[:1] == [e.name])
        assert e.description and e.description in line
    gf = tomllib.loads((EXPERIMENTS / "lahore-green-finance.toml").read_text())["description"]
    assert gf in out
    assert "Kanpur: a ZLD mandate with and without finance" in out  # a sweep's first comment line
    assert (out.index("scenarios") < out.index("sweeps") < out.index("sensitivity studies")
            < out.index("optimisation problems (adoptsim optimise NAME)"))


# -- the command line itself -----------------------------------------------------------------------------

def test_version(capsys):
    from adoptsim import __version__

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"adoptsim {__version__}"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_option_of_every_command_has_help():
    parser = build_parser()
    commands = _subparsers(parser)
    assert {"run", "sweep", "sensitivity", "report", "animate", "list", "examples", "calibrate"} <= set(commands)
    missing = [f"{name} {'/'.join(a.option_strings) or a.dest}" for name, p in {"": parser, **commands}.items()
               for a in p._actions
               if not isinstance(a, argparse._SubParsersAction) and not (a.help and a.help.strip())]
    assert missing == []


def test_top_level_help_has_no_markup(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "``" not in out and ":func:" not in out and ":mod:" not in out
    assert "adoptsim list" in out and "adoptsim run lahore-green-finance" in out


def test_help_version_profiles_and_list_import_no_numba_mesa_or_pandas():
    code = (
        "import sys, io, contextlib\n"
        "from adoptsim.cli import main\n"
        "for argv in (['--help'], ['--version'], ['profiles'], ['list'], ['run', '--help']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n"
        "            main(argv)\n"
        "        except SystemExit:\n"
        "            pass\n"
        "print(sorted(m for m in ('numba', 'mesa', 'pandas', 'matplotlib', 'scipy') if m in sys.modules))\n")
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lazy_package_still_exposes_the_run_function():
    code = ("import adoptsim, adoptsim.run, adoptsim.model\n"
            "from adoptsim import run, AdoptionModel, RunResult, Scenario, load_scenario\n"
            "print(callable(run), adoptsim.run is run, run.__module__, AdoptionModel.__name__)\n")
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "adoptsim.run", "AdoptionModel"]


def test_closed_stdout_pipe_exits_quietly():
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written (like `| head -1` after one line)
    try:
        done = subprocess.run([PYTHON, "-m", "adoptsim.cli", "list"], stdout=write, stderr=subprocess.PIPE,
                              text=True)
    finally:
        os.close(write)
    assert done.returncode == 1
    assert done.stderr == ""  # no traceback, no "Exception ignored"


@pytest.mark.parametrize("module, argv, extra", [
    ("pyabc", ["calibrate", "calibration/lahore-moradabad.toml"], "calibrate"),
    ("solara", ["dashboard", "--port", "8799"], "dashboard"),
    ("distributed", ["sweep", "smoke-sweep", "--dask", "local", "--quiet"], "dask"),
])
def test_missing_optional_package_names_the_extra(module, argv, extra, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, module, None)  # import of it fails, as if not installed
    for loaded in [m for m in sys.modules if m.startswith("adoptsim.calibrate.") and m != "adoptsim.calibrate.errors"
                   and m != "adoptsim.calibrate.calibrated"]:
        monkeypatch.delitem(sys.modules, loaded)  # so that their module-level imports run again
    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    out = ["--out", str(tmp_path / "out")] if argv[0] != "dashboard" else []
    assert main(argv + out) == 2
    err = capsys.readouterr().err
    assert f"pip install 'adoptsim[{extra}]'" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_optional_module_found_through_the_cause():
    from adoptsim.cli import error_message

    try:
        try:
            raise ModuleNotFoundError("No module named 'distributed'", name="distributed")
        except ImportError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as err:
        assert "pip install 'adoptsim[dask]'" in error_message(err)
    assert error_message(ModuleNotFoundError("x", name="not_optional_at_all")) is None  # a bug stays a bug


def test_discover_and_optimise_faults_are_one_line(tmp_path, capsys):
    """A bad sweep folder for discover and a bad problem file for optimise: exit 2, a message naming the file or
    folder (one line per fault), no traceback."""
    from adoptsim.cli import error_message
    from adoptsim.discover import DiscoverError
    from adoptsim.optimise import ProblemError

    assert error_message(DiscoverError("d")) == "d" and error_message(ProblemError("p")) == "p"
    assert "adoptsim[optimise]" in error_message(ModuleNotFoundError("x", name="pymoo"))
    assert "adoptsim[discover]" in error_message(ModuleNotFoundError("x", name="ema_workbench"))
    problem = tmp_path / "p.toml"
    problem.write_text("[problem]\nname = 'x'\nbogus = 1\n")
    for argv, named in ((["discover", str(tmp_path / "no-such-sweep"), "--outcome", "share_adopted", "--below",
                          "0.3"], "no-such-sweep"),
                        (["optimise", str(problem), "--out", str(tmp_path / "o")], "p.toml: problem: unknown key")):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("adoptsim: ") and "Traceback" not in err and named in err, err


def test_animate_mp4_without_ffmpeg_writes_a_gif(tmp_path, capsys, monkeypatch):
    from matplotlib import animation

    monkeypatch.setattr(animation.writers, "is_available", lambda name: False)
    scenario = tmp_path / "s.toml"
    scenario.write_text('cluster = "lahore"\nmonths = 12\nn_firms = 20\n')
    assert main(["animate", str(scenario), "--out", str(tmp_path / "x.mp4"), "--months-per-frame", "6",
                 "--fps", "2"]) == 0
    captured = capsys.readouterr()
    assert (tmp_path / "x.gif").read_bytes()[:3] == b"GIF" and not (tmp_path / "x.mp4").exists()
    assert "ffmpeg" in captured.err and "x.gif" in captured.err and len(captured.err.strip().splitlines()) == 1


# -- first-run notice --------------------------------------------------------------------------------------

def test_compile_notice_only_when_the_cache_is_empty(tmp_path, capsys, monkeypatch):
    from numba.core import config

    scenario = tmp_path / "tiny.toml"
    scenario.write_text('cluster = "lahore"\nmonths = 1\nn_firms = 10\n')
    assert main(["run", str(scenario), "--out", str(tmp_path / "a"), "--no-figure"]) == 0  # warms this process
    assert COMPILE_NOTICE not in capsys.readouterr().err
    empty = tmp_path / "empty-cache"
    empty.mkdir()
    monkeypatch.setattr(config, "CACHE_DIR", str(empty))
    assert main(["run", str(scenario), "--out", str(tmp_path / "b"), "--no-figure"]) == 0
    err = capsys.readouterr().err
    assert err.count(COMPILE_NOTICE) == 1 and err.startswith("adoptsim: compiling the model")
    assert main(["sweep", "smoke-sweep", "--out", str(tmp_path / "s"), "--quiet"]) == 0
    assert COMPILE_NOTICE in capsys.readouterr().err


def test_numba_cache_dir_from_the_environment_is_the_one_checked(tmp_path):
    code = ("from adoptsim._numba_cache import is_cold, configured_dir\n"
            "print(is_cold(), configured_dir())\n")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([PYTHON, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", str(tmp_path)]
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "kernel._simulate-1.py312.nbi").write_bytes(b"")
    out = subprocess.run([PYTHON, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == "False"


# -- summaries that speak only of what the scenario contains -------------------------------------------------

def _summary(cluster: str, **levers):
    from adoptsim import run
    from adoptsim.scenario import scenario_from_dict

    s = scenario_from_dict({"cluster": cluster, "months": 30, "n_firms": 60, "levers": levers})
    result = run(s)
    return result.summary, result.scenario


def test_summary_without_mandate_or_treatment_says_nothing_of_them():
    from adoptsim.outcomes import format_summary

    summary, scenario = _summary("moradabad")
    for text in (format_summary(summary, scenario), format_summary(summary)):
        assert "compliant" not in text and "treatment" not in text and "pollution" not in text
        assert "COD" not in text and "m3-eq" not in text
        assert "water saved" in text and "public cost" in text


def test_summary_under_a_mandate_shows_status_and_loads_the_profile_gives():
    from adoptsim.outcomes import format_summary

    summary, scenario = _summary("kanpur", mandate={"level": 2, "deadline_month": 6, "exit_after_months": 6})
    text = format_summary(summary, scenario)
    assert f"firm status (of {summary['firms']} at start)" in text and "compliant" in text
    assert "treatment capacity" in text and "t COD/yr" in text and "untreated wastewater" in text
    # Moradabad's profile gives no COD or chemical strengths: the load alone, in plain words
    summary, scenario = _summary("moradabad", mandate={"level": 1, "deadline_month": 6})
    text = format_summary(summary, scenario)
    assert "firm status" in text and "COD" not in text and "t chemicals/yr" not in text
    line = next(line for line in text.splitlines() if "pollution discharged" in line)
    assert f"{summary['pollution_load_m3eq_per_year']:,.0f} m3/yr of untreated wastewater" in line
    assert "m3-eq" not in text


def test_cli_summary_is_the_scenario_aware_one(tmp_path, capsys):
    scenario = tmp_path / "plain.toml"
    scenario.write_text('cluster = "moradabad"\nmonths = 12\nn_firms = 40\n')
    assert main(["run", str(scenario), "--out", str(tmp_path / "o"), "--no-figure"]) == 0
    out = capsys.readouterr().out
    assert "plain (moradabad, 40 firms, 12 months)" in out and "compliant" not in out and "COD" not in out


def test_load_scenario_and_run_take_a_shipped_name_too(tmp_path, monkeypatch):
    from adoptsim import load_scenario
    from adoptsim.scenario import ScenarioError

    monkeypatch.chdir(tmp_path)  # no file of that name here
    assert load_scenario("lahore-baseline") == load_scenario(EXPERIMENTS / "lahore-baseline.toml")
    (tmp_path / "lahore-baseline").write_text('cluster = "kanpur"\n')  # an existing file always wins
    assert load_scenario("lahore-baseline").cluster == "kanpur"
    with pytest.raises(ScenarioError):
        load_scenario("no-such-scenario")


def test_readme_commands_name_shipped_files_that_exist():
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    kinds = {"run": "scenario", "sweep": "sweep", "sensitivity": "study", "animate": "scenario"}
    checked = 0
    for command, args in re.findall(r"adoptsim (run|sweep|sensitivity|animate) ([^\n#]*)", readme):
        for word in args.split():
            if word.startswith("-"):
                break
            if "/" in word or word.endswith(".toml") or word in ("NAME", "lahore"):
                continue
            assert resolve(word, kinds[command]).is_file(), word
            checked += 1
    assert checked >= 8
