"""Comparing a sweep with its baseline: exact paired statistics, ranking, files and figures."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from adoptsim.compare import COLUMNS, compare, compare_directory, format_table, paired_interval
from adoptsim.profiles import load_profile
from adoptsim.sweep import SweepError, load_results, load_sweep, run_sweep
from adoptsim.viz.fans import cost_effectiveness_chart, fan_chart

SMOKE = Path(__file__).parent.parent / "adoptsim" / "experiments" / "smoke-sweep.toml"
PNG = b"\x89PNG\r\n\x1a\n"
FIRMS = 100

# adopters by month 0..4 of each (variant, replicate); the water, cost rules below derive from them
ADOPTERS = {
    ("s000", 0): [0, 5, 6, 8, 10], ("s000", 1): [0, 5, 7, 9, 12], ("s000", 2): [0, 5, 8, 11, 14],
    ("s001", 0): [0, 5, 6, 12, 20], ("s001", 1): [0, 5, 7, 15, 25], ("s001", 2): [0, 5, 8, 13, 21],
    ("s002", 0): [0, 5, 9, 9, 10], ("s002", 1): [0, 5, 10, 11, 12], ("s002", 2): [0, 5, 11, 13, 14],
    ("s002", 3): [0, 90, 90, 90, 90],  # no baseline replicate 3: must be ignored
    ("s003", 0): [0, 5, 6, 8, 15],  # a single paired replicate: no interval
}
NAMES = {"s000": "baseline", "s001": "big subsidy", "s002": "early push", "s003": "one run only"}


def public_cost(variant: str, replicate: int, month: int) -> float:
    """Cumulative public cost; the baseline spends a little too (it is subtracted)."""
    if variant == "s001":
        return [0, 100, 200, 300, 600 + 100 * replicate][month]
    return {"s000": 10.0, "s002": 50.0, "s003": 100.0}[variant] * month


def water(variant: str, adopters: int) -> float:
    return 100.0 * adopters - (50.0 if variant == "s002" and adopters else 0.0)


def synthetic() -> tuple[pd.DataFrame, dict]:
    rows = [{"variant": v, "variant_name": NAMES[v], "replicate": r, "seed": 1000 + r, "month": m,
             "year": m / 12, "firms": FIRMS, "adopters": a, "share_adopted": a / FIRMS,
             "water_saved_m3_per_year": water(v, a), "public_cost_cumulative": public_cost(v, r, m)}
            for (v, r), series in ADOPTERS.items() for m, a in enumerate(series)]
    manifest = {"sweep": {"name": "synthetic", "base": {"cluster": "lahore"},
                          "variants": [{"id": k, "name": n, "overrides": {}} for k, n in NAMES.items()]}}
    return pd.DataFrame(rows), manifest


def row(table: pd.DataFrame, variant: str, horizon: int) -> pd.Series:
    hit = table[(table["variant"] == variant) & (table["horizon_months"] == horizon)]
    assert len(hit) == 1
    return hit.iloc[0]


# ---------------------------------------------------------------- hand-computed numbers

def test_one_row_matches_hand_computation():
    frame, manifest = synthetic()
    r = row(compare(frame, manifest, horizons=(4,), level=0.9), "s001", 4)
    d_share = np.array([20 - 10, 25 - 12, 21 - 14]) / FIRMS  # 0.10, 0.13, 0.07: mean 0.10
    assert r["variant_name"] == "big subsidy" and r["replicates"] == 3 and r["worlds"] == 1
    assert r["share_adopted"] == pytest.approx((20 + 25 + 21) / 3 / FIRMS, rel=1e-12)
    assert r["baseline_share_adopted"] == pytest.approx(0.12, rel=1e-12)
    assert r["gain_share_adopted"] == pytest.approx(d_share.mean(), rel=1e-12)
    assert r["gain_share_adopted"] == pytest.approx(0.10, rel=1e-12)
    # a bootstrap mean of three pairs is a mean of three of them: the bounds are such means
    means = {round((a + b + c) / 3, 12) for a in d_share for b in d_share for c in d_share}
    assert round(r["gain_share_adopted_lo"], 12) in means and round(r["gain_share_adopted_hi"], 12) in means
    assert 0.07 <= r["gain_share_adopted_lo"] < 0.10 < r["gain_share_adopted_hi"] <= 0.13
    # one world: the total interval is the noise part; there is no parameter part
    assert (r["gain_share_adopted_noise_lo"], r["gain_share_adopted_noise_hi"]) == \
        (r["gain_share_adopted_lo"], r["gain_share_adopted_hi"])
    assert math.isnan(r["gain_share_adopted_param_lo"]) and math.isnan(r["gain_share_adopted_param_hi"])
    assert r["extra_adopters"] == pytest.approx(10.0)
    assert r["gain_water_m3_per_year"] == pytest.approx(1000.0, rel=1e-12)
    assert 700 <= r["gain_water_m3_per_year_lo"] < 1000 < r["gain_water_m3_per_year_hi"] <= 1300
    assert r["public_cost"] == pytest.approx(np.mean([600 - 40, 700 - 40, 800 - 40]))  # minus baseline's 40
    assert r["cost_per_extra_adopter"] == pytest.approx(66.0)
    assert r["cost_per_m3_per_year"] == pytest.approx(0.66)
    assert r["level"] == 0.9 and r["ranked_by"] == "adoption"
    assert r["currency"] == load_profile("lahore").profile.currency


def test_level_changes_only_the_interval_width():
    frame, manifest = synthetic()
    wide = row(compare(frame, manifest, horizons=(4,), level=0.99), "s001", 4)
    narrow = row(compare(frame, manifest, horizons=(4,), level=0.5), "s001", 4)
    assert wide["gain_share_adopted"] == narrow["gain_share_adopted"]
    assert wide["gain_share_adopted_lo"] <= narrow["gain_share_adopted_lo"] <= narrow["gain_share_adopted"]
    assert narrow["gain_share_adopted"] <= narrow["gain_share_adopted_hi"] <= wide["gain_share_adopted_hi"]
    assert wide["gain_share_adopted_hi"] - wide["gain_share_adopted_lo"] > \
        narrow["gain_share_adopted_hi"] - narrow["gain_share_adopted_lo"]


def test_bootstrap_interval_agrees_with_the_t_interval_for_many_normal_pairs():
    """40 pairs: the percentile bootstrap and Student-t 90 % intervals agree within 20 % of the half-width."""
    d = np.random.default_rng(5).normal(0.05, 0.02, 40)
    base = pd.DataFrame({"world": 1, "replicate": range(40), "share_adopted": 0.2})
    var = base.assign(share_adopted=0.2 + d)
    from adoptsim.compare.effects import _variant_row

    r = _variant_row(base.set_index(["world", "replicate"]), var.set_index(["world", "replicate"]), 0.9,
                     np.random.default_rng(0))
    mean, lo, hi = paired_interval(d, 0.9)
    half = (hi - lo) / 2
    assert r["gain_share_adopted"] == pytest.approx(mean, rel=1e-12)
    assert abs(r["gain_share_adopted_lo"] - lo) < 0.2 * half and abs(r["gain_share_adopted_hi"] - hi) < 0.2 * half


def test_paired_interval_edge_cases():
    # equal differences have no spread; one pair (or none) gives no interval
    mean, lo, hi = paired_interval(np.array([1.0, 1.0, 1.0]), 0.9)
    assert (mean, lo, hi) == (1.0, 1.0, 1.0)
    assert all(math.isnan(x) for x in paired_interval(np.array([2.0]), 0.9)[1:])
    assert all(math.isnan(x) for x in paired_interval(np.array([]), 0.9))


def test_horizons_are_clipped_deduplicated_and_sorted():
    frame, manifest = synthetic()
    table = compare(frame, manifest, horizons=(60, 2, 10, 4))
    assert sorted(set(table["horizon_months"])) == [2, 4]
    assert len(table) == 3 * 2
    assert table["horizon_months"].tolist() == [2, 2, 2, 4, 4, 4]
    assert set(compare(frame, manifest)["horizon_months"]) == {4}  # default 60, 120 -> last month
    with pytest.raises(ValueError, match="negative"):
        compare(frame, manifest, horizons=(-1,))


def test_rows_are_ranked_by_gain_within_each_horizon():
    frame, manifest = synthetic()
    table = compare(frame, manifest, horizons=(2, 4))
    at2 = table[table["horizon_months"] == 2]
    at4 = table[table["horizon_months"] == 4]
    assert at2["variant"].tolist() == ["s002", "s001", "s003"]  # +3 pp, then two ties at 0 by id
    assert at4["variant"].tolist() == ["s001", "s003", "s002"]  # +10, +5, 0 pp
    assert row(table, "s002", 2)["gain_share_adopted"] == pytest.approx(0.03)
    assert list(table.columns) == COLUMNS


def test_incomplete_replicates_and_nan_rules():
    frame, manifest = synthetic()
    table = compare(frame, manifest, horizons=(2, 4))
    s002 = row(table, "s002", 4)
    assert s002["replicates"] == 3  # replicate 3 has no baseline partner
    assert s002["share_adopted"] == pytest.approx(0.12)  # not pulled up by the unpaired 90 %
    assert s002["extra_adopters"] == 0 and math.isnan(s002["cost_per_extra_adopter"])
    assert s002["gain_water_m3_per_year"] == pytest.approx(-50.0)
    assert math.isnan(s002["cost_per_m3_per_year"])  # water lost: no cost per m3
    assert s002["public_cost"] == pytest.approx(200.0 - 40.0)
    assert row(table, "s002", 2)["cost_per_m3_per_year"] == pytest.approx((100 - 20) / 250.0)
    s003 = row(table, "s003", 4)
    assert s003["replicates"] == 1
    assert s003["gain_share_adopted"] == pytest.approx(0.05)
    assert math.isnan(s003["gain_share_adopted_lo"]) and math.isnan(s003["gain_share_adopted_hi"])
    assert math.isnan(s003["gain_water_m3_per_year_lo"])
    assert s003["cost_per_extra_adopter"] == pytest.approx((400 - 40) / 5)
    assert s003["cost_per_m3_per_year"] == pytest.approx((400 - 40) / 500)


def test_no_baseline_or_bad_level_is_refused_and_unknown_cluster_has_no_currency():
    frame, manifest = synthetic()
    with pytest.raises(SweepError, match="baseline"):
        compare(frame[frame["variant"] != "s000"], manifest)
    with pytest.raises(ValueError, match="level"):
        compare(frame, manifest, level=90)
    manifest["sweep"]["base"]["cluster"] = "atlantis"
    assert set(compare(frame, manifest)["currency"]) == {""}


def test_format_table_is_readable():
    frame, manifest = synthetic()
    text = format_table(compare(frame, manifest, horizons=(2, 4)))
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert "after 2 months" in text and "after 4 months" in text
    s001 = next(line for line in lines if "big subsidy" in line and "+10.0" in line)
    assert "+1,000" in s001 and "[+" in s001
    assert "(PKR)" in text and "90 %" in text and "–" in text and "ranked by adoption" in text
    column = next(line for line in lines if line.startswith("#")).index("scenario")
    for name in ("big subsidy", "early push", "one run only"):  # aligned: every name starts under its header
        assert all(line.index(name) == column for line in lines if name in line)
    assert format_table(compare(frame, manifest).iloc[:0]).startswith("no scenarios")
    # a long name is shortened to fit and listed in full below
    manifest["sweep"]["variants"][1]["name"] = "a very long scenario name " * 6
    long = format_table(compare(frame.assign(variant_name=""), manifest, horizons=(4,)))
    assert max(len(line) for line in long.splitlines()) <= 100 and "…" in long
    assert "  s001  a very long scenario name a very long" in long


def test_fan_chart_keeps_at_most_twelve_panels():
    frame, manifest = synthetic()
    parts = [frame[frame["variant"] == "s000"]]
    for k in range(1, 15):  # 14 variants with increasing gains
        v = frame[frame["variant"] == "s000"].copy()
        v["variant"], v["variant_name"] = f"s{k:03d}", f"variant {k}"
        v["share_adopted"] = v["share_adopted"] + 0.01 * k * v["month"]
        parts.append(v)
    many = pd.concat(parts, ignore_index=True)
    fig = fan_chart(many, {"sweep": {"variants": []}})
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()]
    assert len(titles) == 12 and titles[0] == "baseline"
    assert "variant 14" in titles and "variant 3" not in titles  # the smallest gains are left out
    assert "11 of 14" in fig.get_suptitle()


# ---------------------------------------------------------------- a real sweep

@pytest.fixture(scope="module")
def smoke_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("smoke")
    run_sweep(load_sweep(SMOKE), out, progress=False)
    return out


def test_real_sweep_table(smoke_dir):
    frame, manifest = load_results(smoke_dir)
    sweep = manifest["sweep"]
    table = compare(frame, manifest)
    last = int(frame["month"].max())
    others = [v["id"] for v in sweep["variants"] if v["id"] != "s000"]
    assert sorted(table["variant"]) == sorted(others) and (table["horizon_months"] == last).all()
    assert (table["replicates"] == sweep["replicates"]).all() and sweep["replicates"] == 3
    assert len(compare(frame, manifest, horizons=(12, 24))) == 2 * len(others)
    subsidised = [v["id"] for v in sweep["variants"] if v["overrides"].get("capex_subsidy_share") == 0.3]
    assert subsidised
    for vid in subsidised:
        r = row(table, vid, last)
        assert r["gain_share_adopted"] > 0 and r["public_cost"] > 0 and r["extra_adopters"] > 0
        assert r["cost_per_extra_adopter"] == pytest.approx(r["public_cost"] / r["extra_adopters"])
        assert r["gain_share_adopted_lo"] <= r["gain_share_adopted"] <= r["gain_share_adopted_hi"]
    assert (table["currency"] == "PKR").all()


def test_compare_directory_writes_csv_and_figures(smoke_dir):
    table, paths = compare_directory(smoke_dir)
    target = smoke_dir / "compare"
    assert {p.name for p in paths} == {"compare.csv", "fans.png", "cost_effectiveness.png"}
    assert sorted(p.name for p in target.iterdir()) == ["compare.csv", "cost_effectiveness.png", "fans.png"]
    back = pd.read_csv(target / "compare.csv")
    pd.testing.assert_frame_equal(back, table, check_exact=False, rtol=1e-12)
    for name in ("fans.png", "cost_effectiveness.png"):
        assert (target / name).read_bytes()[:8] == PNG
    table2, paths2 = compare_directory(smoke_dir, horizons=(12,), figures=False)
    assert [p.name for p in paths2] == ["compare.csv"] and (table2["horizon_months"] == 12).all()


def test_cost_effectiveness_chart_labels_every_variant(smoke_dir):
    frame, manifest = load_results(smoke_dir)
    table = compare(frame, manifest, horizons=(36,))
    fig = cost_effectiveness_chart(table, 36)
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "up and to the left is better" in text
    for name in table["variant_name"]:
        assert name.split(",")[0] in text
    assert "million PKR" in fig.axes[0].get_xlabel()
    with pytest.raises(ValueError, match="available"):
        cost_effectiveness_chart(table, 99)
