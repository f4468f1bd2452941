"""run --posterior: a scenario over posterior draws x replicates, its ranges split into parameter and noise parts."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from adoptsim.compare import spread

POSTERIOR = Path(__file__).parent / "data" / "posterior" / "small.csv"


def test_spread_matches_a_hand_computation():
    """Runs [[0.10, 0.16], [0.30, 0.36]] (2 draws x 2 replicates), 50 % ranges (inverted-cdf quartiles)."""
    s = spread(np.array([[0.10, 0.16], [0.30, 0.36]]), 0.5)
    assert s.median == pytest.approx(0.23)
    assert (s.lo, s.hi) == pytest.approx((0.10, 0.30))            # all runs
    assert (s.param_lo, s.param_hi) == pytest.approx((0.13, 0.33))  # draw means
    assert (s.noise_lo, s.noise_hi) == pytest.approx((-0.03, 0.03))  # runs minus their draw's mean
    one_draw, one_rep = spread(np.array([[0.1, 0.2]]), 0.9), spread(np.array([[0.1], [0.2]]), 0.9)
    assert math.isnan(one_draw.param_lo) and not math.isnan(one_draw.noise_lo)
    assert math.isnan(one_rep.noise_lo) and not math.isnan(one_rep.param_lo)


def test_ensemble_is_the_sweep_of_the_scenario_over_draws_with_shared_seeds(tmp_path):
    from adoptsim import run, run_ensemble

    r = run_ensemble("moradabad-baseline", posterior=POSTERIOR, draws=3, replicates=2, n_firms=150, months=24)
    runs = r.frame.drop_duplicates(["draw", "replicate"])
    assert len(runs) == 6 and runs.groupby("replicate")["seed"].nunique().eq(1).all()  # common random numbers
    assert list(r.summary["month"].unique()) == [12, 24] and (r.summary["draws"] == 3).all()
    assert (r.summary["lo"] <= r.summary["median"]).all() and (r.summary["median"] <= r.summary["hi"]).all()
    # a run of the ensemble is exactly the plain run with the drawn values and the replicate's seed
    row = runs.iloc[3]
    plain = run("moradabad-baseline", n_firms=150, months=24, seed=int(row["seed"]),
                q_imitation=float(row["behaviour.q_imitation"]), attention=float(row["behaviour.attention"]),
                horizon_median=float(row["behaviour.horizon_median"]))
    mine = r.frame[(r.frame["draw"] == row["draw"]) & (r.frame["replicate"] == row["replicate"])]
    assert np.array_equal(mine["share_adopted"].to_numpy(), plain.frame["share_adopted"].to_numpy())
    assert "posterior draws x 2 replicates" in str(r) and "from parameters" in str(r)


def test_run_posterior_writes_the_summary_and_refuses_a_missing_shipped_sample(tmp_path, monkeypatch):
    out = tmp_path / "ens"
    cmd = [sys.executable, "-m", "adoptsim.cli", "run", str(tmp_path / "s.toml"), "--posterior", str(POSTERIOR),
           "--draws", "2", "--out", str(out), "--quiet", "--no-figure"]
    (tmp_path / "s.toml").write_text('cluster = "lahore"\nmonths = 12\nn_firms = 60\n')
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "replace what the scenario sets" not in done.stdout  # it sets no behaviour the posterior has
    assert {"series.parquet", "ensemble.csv", "summary.json", "manifest.json"} <= {p.name for p in out.iterdir()}
    from adoptsim.calibrate import CalibrationError, calibrated

    monkeypatch.setattr(calibrated, "POSTERIOR_PATH", tmp_path / "none.csv")
    with pytest.raises(CalibrationError, match="ships no posterior sample"):
        calibrated.shipped_posterior()
    wrong = subprocess.run([sys.executable, "-m", "adoptsim.cli", "run", "--replicates", "3"],
                           capture_output=True, text=True, timeout=600)
    assert wrong.returncode == 2 and "--posterior" in wrong.stderr


def test_a_posterior_that_replaces_a_value_the_scenario_sets_is_named():
    """The posterior's columns win in every draw; a value the scenario sets itself (not its calibrated or schema
    default) is named, so nobody believes their setting ran."""
    from adoptsim.calibrate.calibrated import calibrated_behaviour
    from adoptsim.ensemble import ensemble_sweep
    from adoptsim.scenario import Scenario, with_overrides
    from adoptsim.sweep.spec import replaced_by_posterior, replaced_note

    base = with_overrides(Scenario(cluster="lahore", months=12, n_firms=60), horizon_median=33.0, n_firms=60)
    sweep = ensemble_sweep(base, POSTERIOR, draws=2, replicates=1)
    assert sweep.replaced == {"behaviour.horizon_median": 33.0}  # attention and q_imitation keep their defaults
    assert "behaviour.horizon_median = 33" in replaced_note(sweep.replaced)
    default = with_overrides(base, horizon_median=calibrated_behaviour().get("horizon_median",
                                                                             Scenario().behaviour.horizon_median))
    assert replaced_by_posterior(default, ["horizon_median", "attention", "not_a_key"]) == {}


def test_run_posterior_resolves_its_sweep_once(tmp_path, monkeypatch):
    """The replaced-keys note and the run come from one resolution of the ensemble's sweep (it was resolved
    twice: once for the note, once inside run_ensemble)."""
    from adoptsim import cli, ensemble

    calls = []
    real = ensemble.resolve
    monkeypatch.setattr(ensemble, "resolve", lambda *a, **k: calls.append(1) or real(*a, **k))
    (tmp_path / "s.toml").write_text('cluster = "lahore"\nmonths = 6\nn_firms = 40\n')
    code = cli.main(["run", str(tmp_path / "s.toml"), "--posterior", str(POSTERIOR), "--draws", "2",
                     "--replicates", "1", "--out", str(tmp_path / "out"), "--no-figure", "--quiet"])
    assert code == 0 and len(calls) == 1
    assert (tmp_path / "out" / "summary.json").exists()
