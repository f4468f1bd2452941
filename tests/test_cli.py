"""The command line: `adoptsim run` writes what the README promises."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import pyarrow.parquet as pq

from adoptsim.cli import main


def test_run_writes_series_summary_and_figure(tmp_path, capsys):
    scenario = tmp_path / "small.toml"
    scenario.write_text('cluster = "lahore"\nmonths = 48\n[levers.capex_subsidy]\nshare = 0.3\n')
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "small (lahore, 300 firms, 48 months)" in printed
    assert sorted(p.name for p in out.iterdir()) == ["adoption.png", "series.csv", "series.parquet", "summary.json"]
    table = pq.read_table(out / "series.parquet")
    frame = table.to_pandas()
    assert len(frame) == 49 and frame["month"].tolist() == list(range(49))
    pd.testing.assert_frame_equal(frame, pd.read_csv(out / "series.csv"), check_dtype=False)
    meta = table.schema.metadata
    assert json.loads(meta[b"adoptsim.scenario"])["levers"]["capex_subsidy"]["share"] == 0.3
    summary = json.loads((out / "summary.json").read_text())
    assert summary["share_adopted"] == frame["share_adopted"].iloc[-1]
    assert summary["public_cost"] == frame["public_cost_cumulative"].iloc[-1] > 0
    assert (out / "adoption.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob(".*tmp"))  # no temporary files left behind


def test_run_agents_engine_gives_the_same_table(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text('cluster = "kanpur"\nmonths = 12\nn_firms = 60\n')
    for engine in ("numba", "agents"):
        assert main(["run", str(scenario), "--out", str(tmp_path / engine), "--engine", engine, "--no-figure"]) == 0
    a = pd.read_parquet(tmp_path / "numba" / "series.parquet")
    b = pd.read_parquet(tmp_path / "agents" / "series.parquet")
    pd.testing.assert_frame_equal(a, b)


def test_bad_scenario_is_a_clear_error_and_writes_nothing(tmp_path, capsys):
    scenario = tmp_path / "bad.toml"
    scenario.write_text('cluster = "lahore"\n[behaviour]\nattention = 2.0\n')
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml: behaviour.attention" in err and "<= 1" in err
    assert not out.exists()


def test_profiles_lists_every_shipped_cluster(capsys):
    assert main(["profiles"]) == 0
    printed = capsys.readouterr().out
    for name in ("lahore", "moradabad", "kanpur", "taihu"):
        assert name in printed


def test_sweep_then_compare(tmp_path, capsys):
    sweep = tmp_path / "sweep.toml"
    (tmp_path / "base.toml").write_text('cluster = "lahore"\nmonths = 36\n')
    sweep.write_text('[sweep]\nbase = "base.toml"\nreplicates = 2\n[factors]\ncapex_subsidy_share = [0.4]\n')
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--out", str(out), "--quiet"]) == 0
    assert "2 scenarios x 2 replicates = 4 runs" in capsys.readouterr().out
    assert main(["compare", str(out), "--horizons", "24", "--no-figures"]) == 0
    printed = capsys.readouterr().out
    assert "capex_subsidy_share=0.4" in printed and "after 24 months" in printed
    assert (out / "compare" / "compare.csv").exists()
    with pytest.raises(SystemExit):
        main(["compare", str(out), "--level", "1.5"])
    assert "between 0 and 1" in capsys.readouterr().err
