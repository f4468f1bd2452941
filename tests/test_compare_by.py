"""Ranking by any outcome, bootstrap intervals by hand, parameter uncertainty, mixed clusters, the command."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adoptsim import compare as compare_module
from adoptsim.cli import RANK_BY
from adoptsim.compare import BY, compare, format_table
from adoptsim.sweep import load_results, load_sweep, run_sweep

FIRMS = 100
# per (variant, replicate) at the horizon: adopters, compliant firms, water saved, pollution load, public cost
CELLS = {
    ("s000", 0): (10, 5, 1000.0, 9000.0, 0.0), ("s000", 1): (14, 7, 1400.0, 8600.0, 100.0),
    ("s001", 0): (20, 25, 3000.0, 7000.0, 1000.0), ("s001", 1): (30, 9, 2400.0, 8000.0, 1600.0),
    ("s002", 0): (12, 45, 1000.0, 5000.0, 400.0), ("s002", 1): (14, 47, 1400.0, 4600.0, 300.0),
}
NAMES = {"s000": "baseline", "s001": "subsidy", "s002": "common plant"}


def tiny(worlds: int = 1) -> tuple[pd.DataFrame, dict]:
    rows = []
    for (v, r), (a, c, w, p, cost) in CELLS.items():
        for m in (0, 1):
            rows.append({"variant": v, "variant_name": NAMES[v], "replicate": r, "seed": r, "month": m,
                         "adopters": a * m, "share_adopted": a * m / FIRMS,
                         "share_firms_compliant_of_initial_firms": c * m / FIRMS,
                         "water_saved_m3_per_year": w * m, "pollution_load_m3eq_per_year": 10_000.0 - (10_000 - p) * m,
                         "public_cost_cumulative": cost * m})
    manifest = {"sweep": {"name": "tiny", "seed": 3, "base": {"cluster": "lahore"},
                          "variants": [{"id": k, "name": n, "overrides": {}} for k, n in NAMES.items()]}}
    return pd.DataFrame(rows), manifest


def test_the_command_offers_every_measure():
    assert RANK_BY == tuple(BY)


def test_compare_by_each_outcome_matches_a_hand_computation():
    """Two paired replicates: the bootstrap of a mean is {d0 (1/4), mean (1/2), d1 (1/4)}, so its 90 %
    interval is [min, max] of the two differences; a ratio's is [min, max] of the two runs' ratios."""
    frame, manifest = tiny()
    d = {  # by hand: variant minus baseline, replicate by replicate
        "s001": dict(adoption=[0.10, 0.16], compliance=[0.20, 0.02], water=[2000, 1000], pollution=[2000, 600],
                     cost=[1000, 1500], extra=[10, 16]),
        "s002": dict(adoption=[0.02, 0.0], compliance=[0.40, 0.40], water=[0, 0], pollution=[4000, 4000],
                     cost=[400, 200], extra=[2, 0]),
    }
    expected_order = {
        "adoption": ["s001", "s002"], "compliance": ["s002", "s001"], "water": ["s001", "s002"],
        "pollution": ["s002", "s001"], "public-cost": ["s002", "s001"],
        "cost-per-adopter": ["s001", "s002"],  # 1250 / 13 = 96 vs 300 / 1 per extra firm
        "cost-per-m3": ["s001", "s002"],       # s002 saves no water: no ratio, ranked last
    }
    for by, order in expected_order.items():
        table = compare(frame, manifest, horizons=(1,), by=by)
        assert table["variant"].tolist() == order, by
        assert (table["ranked_by"] == by).all()
    table = compare(frame, manifest, horizons=(1,)).set_index("variant")
    for vid, diffs in d.items():
        r = table.loc[vid]
        for name, column in (("adoption", "gain_share_adopted"), ("compliance", "gain_share_compliant"),
                             ("water", "gain_water_m3_per_year"), ("pollution", "pollution_reduction_m3eq_per_year"),
                             ("cost", "public_cost")):
            values = np.array(diffs[name], float)
            assert r[column] == pytest.approx(values.mean(), abs=1e-12), (vid, name)
            assert r[f"{column}_lo"] == pytest.approx(values.min(), abs=1e-12), (vid, name)
            assert r[f"{column}_hi"] == pytest.approx(values.max(), abs=1e-12), (vid, name)
    s001 = table.loc["s001"]
    assert s001["cost_per_extra_adopter"] == pytest.approx(1250 / 13)  # ratio of means
    assert s001["cost_per_extra_adopter_lo"] == pytest.approx(min(1000 / 10, 1500 / 16))
    assert s001["cost_per_extra_adopter_hi"] == pytest.approx(max(1000 / 10, 1500 / 16))
    assert s001["cost_per_m3_per_year"] == pytest.approx(1250 / 1500)
    assert s001["cost_per_m3_per_year_lo"] == pytest.approx(1000 / 2000)
    assert s001["cost_per_m3_per_year_hi"] == pytest.approx(1500 / 1000)
    s002 = table.loc["s002"]
    assert s002["cost_per_extra_adopter"] == pytest.approx(300 / 1)
    # one replicate gained no adopter: a quarter of the resamples have no gain, so no upper bound
    assert s002["cost_per_extra_adopter_lo"] == pytest.approx(200.0) and math.isnan(s002["cost_per_extra_adopter_hi"])
    assert math.isnan(s002["cost_per_m3_per_year"]) and math.isnan(s002["cost_per_m3_per_year_lo"])
    text = format_table(compare(frame, manifest, horizons=(1,), by="compliance"))
    assert "ranked by compliance" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    with pytest.raises(ValueError, match="--by speed: unknown outcome"):
        compare(frame, manifest, by="speed")


def with_worlds(frame: pd.DataFrame, shift: dict[int, float]) -> pd.DataFrame:
    """The tiny frame in two posterior draws; draw ``k`` adds ``shift[k]`` x replicate-free offsets to s001."""
    parts = []
    for draw, offset in shift.items():
        f = frame.copy()
        f["draw"], f["sample"] = draw, -1
        hit = (f["variant"] == "s001") & (f["month"] == 1)
        f.loc[hit, "share_adopted"] += offset
        parts.append(f)
    return pd.concat(parts, ignore_index=True)


def test_posterior_interval_contains_the_noise_interval_and_matches_a_hand_computation(monkeypatch):
    """s001's adoption gains in draw x replicate cells: [[0.10, 0.16], [0.30, 0.36]].

    Resampling 2 of 2 gives a mean of one, the other, or both with chances 1/4, 1/4, 1/2. Noise: column
    means (0.20, 0.26); parameters: row means (0.13, 0.33); total: the 9 combinations. At level 0.4 (30 %
    and 70 % quantiles, far from any jump of the exact distribution) the bounds are exact.
    """
    monkeypatch.setattr(compare_module.effects, "RESAMPLES", 20_000)
    frame, manifest = tiny()
    both = with_worlds(frame, {0: 0.0, 1: 0.20})
    r = compare(both, manifest, horizons=(1,), level=0.4).set_index("variant").loc["s001"]
    assert r["worlds"] == 2 and r["replicates"] == 2
    assert r["gain_share_adopted"] == pytest.approx(np.mean([0.10, 0.16, 0.30, 0.36]))
    # noise part: column means 0.20 (1/4), 0.23 (1/2), 0.26 (1/4): both quantiles are 0.23
    assert (r["gain_share_adopted_noise_lo"], r["gain_share_adopted_noise_hi"]) == pytest.approx((0.23, 0.23))
    assert (r["gain_share_adopted_param_lo"], r["gain_share_adopted_param_hi"]) == pytest.approx((0.23, 0.23))
    # total: value (cw.d.cr)/4; P(<=0.18) = 1/16 + 1/8 = 0.1875, P(<=0.20) = 0.25, ..., 30 % -> 0.2, 70 % -> 0.26
    exact = []
    cws = {(2, 0): 0.25, (1, 1): 0.5, (0, 2): 0.25}
    dd = np.array([[0.10, 0.16], [0.30, 0.36]])
    for cw, pw in cws.items():
        for cr, pr in cws.items():
            exact.append((np.array(cw) @ dd @ np.array(cr) / 4, pw * pr))
    values, probs = zip(*sorted(exact))
    cum = np.cumsum(probs)
    lo = values[int(np.searchsorted(cum, 0.3))]
    hi = values[int(np.searchsorted(cum, 0.7))]
    assert (r["gain_share_adopted_lo"], r["gain_share_adopted_hi"]) == pytest.approx((lo, hi))
    assert r["gain_share_adopted_lo"] <= r["gain_share_adopted_noise_lo"]
    assert r["gain_share_adopted_noise_hi"] <= r["gain_share_adopted_hi"]
    # the same numbers without parameter uncertainty: one world, its interval is the noise-only one
    alone = compare(with_worlds(frame, {0: 0.0}), manifest, horizons=(1,), level=0.9).set_index("variant").loc["s001"]
    wide = compare(both, manifest, horizons=(1,), level=0.9).set_index("variant").loc["s001"]
    assert alone["worlds"] == 1 and math.isnan(alone["gain_share_adopted_param_lo"])
    assert wide["gain_share_adopted_hi"] - wide["gain_share_adopted_lo"] > \
        alone["gain_share_adopted_hi"] - alone["gain_share_adopted_lo"]
    text = format_table(compare(both, manifest, horizons=(1,)))
    assert "noise part" in text and "parameter part" in text and "in each of 2 worlds" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "base.toml").write_text('cluster = "lahore"\nmonths = 12\nn_firms = 40\n')
    (tmp_path / "s.toml").write_text(body)
    return tmp_path / "s.toml"


def test_a_mixed_cluster_sweep_compares(tmp_path):
    path = write(tmp_path, '[sweep]\nbase = "base.toml"\nreplicates = 2\ndesign = "list"\n'
                           '[[variant]]\nname = "same cluster, subsidy"\ncapex_subsidy_share = 0.4\n'
                           '[[variant]]\nname = "kanpur"\ncluster = "kanpur"\n')
    run_sweep(load_sweep(path), tmp_path / "out", progress=False)
    frame, manifest = load_results(tmp_path / "out")
    table = compare(frame, manifest, horizons=(12,), by="water").set_index("variant")
    assert set(table.index) == {"s001", "s002"} and (table["replicates"] == 2).all()
    assert np.isfinite(table.loc["s001", "public_cost"])
    # Kanpur's money is in another currency than Lahore's baseline: no money difference is made up
    assert math.isnan(table.loc["s002", "public_cost"]) and np.isfinite(table.loc["s002", "gain_share_adopted"])


def test_posterior_sweep_compares_with_noise_and_parameter_parts(tmp_path):
    (tmp_path / "post.csv").write_text("q_imitation,attention,weight\n0.05,0.05,1\n0.4,0.3,1\n0.2,0.15,1\n")
    path = write(tmp_path, '[sweep]\nbase = "base.toml"\nreplicates = 3\nseed = 4\n'
                           '[factors]\ncapex_subsidy_share = [0.5]\n[posterior]\nfile = "post.csv"\ndraws = 4\n')
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "adoptsim.cli", "sweep", str(path), "--out", str(out), "--quiet"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "2 scenarios x 4 posterior draws x 3 replicates = 24 runs" in result.stdout
    shown = subprocess.run([sys.executable, "-m", "adoptsim.cli", "compare", str(out), "--by", "cost-per-adopter",
                            "--no-figures"], capture_output=True, text=True, timeout=600)
    assert shown.returncode == 0, shown.stderr
    assert "ranked by cost-per-adopter" in shown.stdout and "parameter part" in shown.stdout
    assert max(len(line) for line in shown.stdout.splitlines()) <= 100
    table = pd.read_csv(out / "compare" / "compare.csv")
    r = table.iloc[0]
    assert r["worlds"] == 4 and r["replicates"] == 3
    assert r["gain_share_adopted_noise_lo"] <= r["gain_share_adopted"] <= r["gain_share_adopted_noise_hi"]
    assert r["gain_share_adopted_param_lo"] <= r["gain_share_adopted"] <= r["gain_share_adopted_param_hi"]


def test_identical_posterior_draws_give_exactly_the_noise_interval():
    """Analytic limit: worlds that are all the same run make the total interval the noise interval, bit for bit."""
    frame, manifest = tiny()
    r = compare(with_worlds(frame, {0: 0.0, 1: 0.0, 2: 0.0}), manifest, horizons=(1,)).set_index("variant").loc["s001"]
    assert r["worlds"] == 3
    assert (r["gain_share_adopted_lo"], r["gain_share_adopted_hi"]) == \
        (r["gain_share_adopted_noise_lo"], r["gain_share_adopted_noise_hi"])
    assert r["gain_share_adopted_param_lo"] == pytest.approx(r["gain_share_adopted_param_hi"])
