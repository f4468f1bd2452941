"""User data checks beyond single cells: a cumulative series that falls, a month beyond the horizon."""

from __future__ import annotations

import pytest

from adoptsim.calibrate import CalibrationError
from adoptsim.calibrate.command import add_parser
from adoptsim.calibrate.config import load_config
from adoptsim.calibrate.problem import build_problem
from adoptsim.calibrate.targets import load_user_data
from test_calibration import _homogeneous_config

FALLING = "cluster,month,share_adopted,n_firms\nhomogeneous,6,0.10,500\nhomogeneous,24,0.30,500\nhomogeneous,12,0.25,500\n" \
          "homogeneous,36,0.28,500\n"


def test_a_falling_cumulative_series_names_file_row_and_values(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(FALLING)
    with pytest.raises(CalibrationError) as info:
        load_user_data(path)
    msg = str(info.value)
    # rows in any order: sorted by month, 0.28 at month 36 (row 4) falls below 0.30 at month 24 (row 2)
    assert str(path) in msg and "row 4 (line 5)" in msg and "column 'share_adopted'" in msg, msg
    assert "0.28" in msg and "below 0.3 at month 24 (row 2)" in msg and "--allow-decreasing" in msg, msg


def test_counts_are_compared_per_cluster(tmp_path):
    path = tmp_path / "data.csv"
    # another cluster's lower value is no fall; counts without n_firms are compared as counts
    path.write_text("cluster,month,adopters\na,12,40\nb,12,10\na,24,41\nb,24,9\n")
    with pytest.raises(CalibrationError) as info:
        load_user_data(path)
    assert "row 4 (line 5)" in str(info.value) and "column 'adopters'" in str(info.value)
    assert "cluster 'b'" in str(info.value)


def test_a_falling_series_is_accepted_when_allowed(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(FALLING)
    obs = load_user_data(path, allow_decreasing=True)
    assert [o.value for o in obs] == [0.10, 0.30, 0.25, 0.28]
    cfg = load_config(_homogeneous_config(tmp_path))
    assert len(build_problem(cfg, data=path, allow_decreasing=True).fit) == 4
    with pytest.raises(CalibrationError):
        build_problem(cfg, data=path)


def test_a_month_beyond_the_horizon_is_refused(tmp_path):
    cfg_path = _homogeneous_config(tmp_path)
    horizon = load_config(cfg_path)
    path = tmp_path / "late.csv"
    path.write_text("cluster,month,share_adopted\nhomogeneous,12,0.2\nhomogeneous,500,0.9\n")
    with pytest.raises(CalibrationError) as info:
        build_problem(horizon, data=path)
    msg = str(info.value)
    assert str(path) in msg and "row 2 (line 3)" in msg and "column 'month'" in msg and "500" in msg, msg
    assert "beyond the horizon of scenario 'homogeneous'" in msg and "months = 500" in msg, msg
    # the explicit way: simulate further in the config, then the row is fitted
    longer = tmp_path / "longer.toml"
    longer.write_text(cfg_path.read_text().replace("n_firms = 500", "n_firms = 500, months = 500"))
    problem = build_problem(load_config(longer), data=path)
    assert problem.scenarios["homogeneous"].months == 500 and len(problem.fit) == 2


def test_command_line_option():
    import argparse

    sub = argparse.ArgumentParser().add_subparsers()
    p = add_parser(sub)
    assert p.parse_args(["c.toml", "--allow-decreasing"]).allow_decreasing
    assert not p.parse_args(["c.toml"]).allow_decreasing
