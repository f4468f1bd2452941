"""A wheel built from the checkout, installed in a fresh virtual environment and run from an
empty folder, gives the checkout's results (calibrated defaults travel as package data)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_python(tmp_path_factory) -> Path:
    """A fresh venv holding only the wheel; dependencies are seen through a path entry (no adoptsim there)."""
    tmp = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(tmp / "dist"), str(ROOT)], capture_output=True, text=True)
    if build.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{build.stderr[-2000:]}")
    (wheel,) = (tmp / "dist").glob("adoptsim-*.whl")
    env_dir = tmp / "fresh"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.check_output([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    # the checkout venv's packages as a plain path entry: its .pth files (the editable adoptsim) are not run
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                              str(wheel)], capture_output=True, text=True)
    if install.returncode != 0:
        pytest.fail(f"installing the wheel failed:\n{install.stderr[-2000:]}")
    return python


def test_wheel_install_runs_the_default_scenario_like_the_checkout(wheel_python, tmp_path, shipped_calibration):
    from adoptsim import run

    env = {k: v for k, v in os.environ.items() if k not in ("ADOPTSIM_CALIBRATED", "PYTHONPATH")}
    where = subprocess.check_output([str(wheel_python), "-c", "import adoptsim; print(adoptsim.__file__)"],
                                    cwd=tmp_path, env=env, text=True).strip()
    assert "site-packages" in where and str(ROOT) not in where  # the wheel, not the checkout
    done = subprocess.run([str(wheel_python), "-m", "adoptsim.cli", "run", "--out", "out"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "not found" not in done.stderr  # no missing-file warning
    from_wheel = pd.read_parquet(tmp_path / "out" / "series.parquet")
    pd.testing.assert_frame_equal(from_wheel, run().frame, check_exact=True)


def test_wheel_runs_a_shipped_scenario_by_name_from_an_empty_folder(wheel_python, tmp_path, shipped_calibration):
    """The experiments travel as package data: `adoptsim run NAME` needs no checkout."""
    from adoptsim import run
    from adoptsim.examples import EXPERIMENTS

    env = {k: v for k, v in os.environ.items() if k not in ("ADOPTSIM_CALIBRATED", "PYTHONPATH")}
    done = subprocess.run([str(wheel_python), "-m", "adoptsim.cli", "run", "lahore-green-finance", "--out", "out",
                           "--no-figure"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "lahore-green-finance (lahore, " in done.stdout
    listed = subprocess.run([str(wheel_python), "-m", "adoptsim.cli", "list"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, check=True).stdout
    assert "sweep-kanpur-zld" in listed and "sensitivity-moradabad" in listed
    from_wheel = pd.read_parquet(tmp_path / "out" / "series.parquet")
    pd.testing.assert_frame_equal(from_wheel, run(EXPERIMENTS / "lahore-green-finance.toml").frame, check_exact=True)
