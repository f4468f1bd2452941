"""`adoptsim validate`: every pattern check reproduces with the shipped defaults, can fail, and reports to files.

The shipped defaults are the calibrated ones (calibration/calibrated.toml); the schema's own defaults
are checked too, once.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from adoptsim import validate as v
from adoptsim.scenario import ScenarioError
from adoptsim.viz.patterns import GREEN, ORANGE, RED, verdict_colour


@pytest.fixture(scope="module", autouse=True)
def _calibrated(shipped_calibration):
    """Every test here runs on the shipped calibrated defaults."""


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> v.ValidationReport:
    """All nine patterns under the shipped (calibrated) defaults on two seed sets, written to a folder."""
    return v.validate(out_dir=tmp_path_factory.mktemp("validate"), seed_sets=2)


def test_the_shipped_calibration_is_in_effect(report):
    from adoptsim.calibrate import calibrated_behaviour
    from adoptsim.scenario import Behaviour, default_scenario

    values = calibrated_behaviour()
    attention = default_scenario().behaviour.attention
    assert values and attention == values["attention"] != Behaviour.model_fields["attention"].default


def test_patterns_are_reproduced_with_the_schema_defaults_too(monkeypatch):
    monkeypatch.setenv("ADOPTSIM_CALIBRATED", "none")
    failed = [(r.number, r.explanation) for r in v.run_patterns([{}]) if not r.reproduced]
    assert failed == []


def test_the_registry_holds_the_nine_patterns_of_model_md():
    assert sorted(v.PATTERNS) == list(range(1, 10))
    assert all(p.title.endswith(".") and p.short for p in v.PATTERNS.values())


@pytest.mark.parametrize("number", range(1, 10))
def test_pattern_is_reproduced_with_default_parameters(report, number):
    """On the historical seeds (seed set 0) every pattern holds; its pass rate over seed sets is in the summary."""
    results = report.by_pattern()[number]
    assert [r.seed_set for r in results] == [0, 1]
    result = results[0]
    assert result.reproduced, result.explanation
    assert result.number == number and result.draw == 0
    assert result.threshold and result.explanation.endswith(".")
    assert all(key in result.statistics for key in result.headline)
    assert result.figure.kind in ("lines", "bars") and result.figure.series


# A parameter set that removes the mechanism behind each pattern (or adds what the pattern says is
# missing) must make its check report False: the checks can fail.
BREAKS = {
    1: dict(p_innovation=0.5, attention=1.0),                                 # all aware at once: no slow start
    2: dict(q_association=0.0, locality_weight=0.0, learn_demo=0.0,           # no member or demo advantage
            demonstration_visits_per_month=0.0),
    3: dict(horizon_median=120.0, attention=1.0, belief_prior=1.0,            # upgrades pay and are affordable too:
            liquidity=20.0),                                                   # the practice is not far ahead
    4: dict(down_payment=1.0),                                                # loans cannot replace own cash
    5: dict(green_finance_enabled=True, green_finance_guarantee=1.0,         # finance and a penalty that
            mandate_penalty=5e7, attention=1.0, horizon_median=24.0,          # makes ZLD pay, and a subsidy
            capex_subsidy_share=0.9),                                          # that makes it affordable: firms comply
    6: dict(horizon_median=3.0),                                              # the upgrade never pays: no restoration
    7: dict(horizon_median=2.0, down_payment=1.0),                            # nothing pays within 2 months: pressure moves nobody
    8: dict(belief_prior=1.0, attention=1.0),                                 # no scepticism, no inertia: no case needed
    9: dict(vendors_capacity_per_month=5.0),                                  # a barrier: not the Bass limit
}


@pytest.mark.parametrize("number", sorted(BREAKS))
def test_a_parameter_set_without_the_mechanism_breaks_the_pattern(number):
    result = v.check_pattern(number, BREAKS[number])
    assert not result.reproduced, result.explanation


def test_member_and_demo_advantages_vanish_without_their_channels():
    """The demo advantage vanishes (to within sampling noise: about 240 adopters near the 3 demo sites pooled over
    8 runs, so the ratio's standard error is ~0.08); the member advantage shrinks to what members' larger size
    explains (Moradabad's membership rises with size class, and so do cash and credit): the channels carry most
    of it (at the stop-28 point 1.73x with them, 1.22x without)."""
    with_channels = v.check_pattern(2).statistics
    stats = v.check_pattern(2, BREAKS[2]).statistics
    assert with_channels["demo_ratio"] > 1.5
    assert abs(stats["demo_ratio"] - 1) < 0.25 * (with_channels["demo_ratio"] - 1)
    assert 1 < stats["member_ratio"] and stats["member_ratio"] - 1 < 0.5 * (with_channels["member_ratio"] - 1)


def test_blocked_upgrade_is_never_installed_even_when_it_would_pay():
    stats = v.check_pattern(6, dict(horizon_median=60.0, attention=0.5)).statistics
    assert stats["blocked_max_share"] == 0 and stats["open_share"] > 0.05


def test_exit_under_a_mandate_is_reported_not_called_unmodelled(report):
    result = report.by_pattern()[5][0]
    assert result.not_modelled == "" and "moved or closed" in result.explanation
    assert 0 <= result.statistics["exited_share"] <= 1
    assert not any("pattern 5" in note for note in report.notes)
    assert "not modelled" not in (report.files[0].parent / "report.md").read_text()


def test_seed_sets_are_independent_replicates_and_set_0_is_the_historical_seeds():
    assert v.check_pattern(9).statistics == v.check_pattern(9, seed_set=0).statistics
    other = v.check_pattern(9, seed_set=1)
    assert other.seed_set == 1 and other.statistics["max_deviation"] != v.check_pattern(9).statistics["max_deviation"]
    with v.experiments.seed_set(3):
        inner = v.experiments._seeds(9, 20)
    assert not set(inner) & set(v.experiments._seeds(9, 20))  # no seed shared with set 0


def test_contrasts_are_the_differences_the_patterns_speak_of(report):
    finance = report.by_pattern()[4][0]
    assert finance.effect_value == finance.statistics["gain_small"] - finance.statistics["gain_medium"]
    assert finance.contrast
    s_curve = report.by_pattern()[1][0]
    assert s_curve.effect_value == s_curve.statistics["peak_month"] - s_curve.statistics["peak_month_no_social"]
    summary = report.summary().set_index("pattern")
    assert set(summary.loc[[1, 4], "contrast_verdict"]) <= {"supported", "contradicted", "unclear"}
    assert (summary.loc[[2, 3, 5, 6, 7, 8, 9], "contrast_verdict"] == "").all()


def test_pass_rate_interval_is_wilson_and_effect_interval_a_seeded_bootstrap():
    from adoptsim.validate.report import bootstrap_interval, coverage, wilson_interval

    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)  # textbook value
    lo, hi = wilson_interval(0, 4)
    assert lo == 0 and hi == pytest.approx(0.4899, abs=1e-4)
    assert wilson_interval(4, 4)[1] == pytest.approx(1.0)
    values = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    lo, hi = bootstrap_interval(values)
    assert lo < values.mean() < hi and (lo, hi) == bootstrap_interval(values)
    assert np.isnan(bootstrap_interval(np.array([1.0]))[0])
    table = pd.DataFrame(dict(status=["compared", "compared", "skipped"], observed=[0.5, 0.9, 0.1],
                              predicted_low=[0.4, 0.1, 0.0], predicted_high=[0.6, 0.8, 1.0]))
    assert coverage(table) == (1, 2) and coverage(None) == (0, 0)


def test_bass_check_uses_the_parameter_sets_rates():
    result = v.check_pattern(9, dict(p_innovation=0.01, q_imitation=0.3), replicates=10)
    assert result.reproduced
    assert result.statistics["p"] == 0.01 and result.statistics["q"] == 0.3
    assert result.statistics["deviation_from_0_8q"] > result.statistics["tolerance"]


def test_checks_are_deterministic():
    a, b = v.check_pattern(7), v.check_pattern(7)
    assert a.statistics == b.statistics


def test_validate_writes_csv_figure_and_report(report):
    out = report.files[0].parent
    assert sorted(p.name for p in out.iterdir()) == ["patterns.csv", "patterns.png", "report.md"]
    table = pd.read_csv(out / "patterns.csv")
    assert table["pattern"].tolist() == [n for n in range(1, 10) for _ in range(2)]
    assert table["seed_set"].tolist() == [0, 1] * 9 and table.loc[table["seed_set"] == 0, "reproduced"].all()
    assert json.loads(table["statistics"].iloc[0])["peak_month"] == table["value"].iloc[0]
    text = (out / "report.md").read_text()
    assert "| 9 |" in text and "scenario defaults" in text and "pass rate" in text and "95 % CI" in text
    assert "no targets file given" in text and "no posterior given" in text
    assert (out / "patterns.png").stat().st_size > 10_000
    summary = report.summary()
    assert (summary["runs"] == 2).all() and (summary["draws"] == 1).all()
    assert ((summary["pass_low"] <= summary["pass_rate"]) & (summary["pass_rate"] <= summary["pass_high"])).all()
    assert (summary["effect_low"] <= summary["effect_high"]).all()


def _posterior(path, rows):
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_a_posterior_is_drawn_by_weight_and_every_draw_is_checked(tmp_path):
    post = _posterior(tmp_path / "posterior.csv", [
        dict(q_imitation=0.15, attention=0.08, horizon_median=9, distance=0.1, weight=1.0),
        dict(q_imitation=0.12, attention=0.10, horizon_median=8, distance=0.2, weight=3.0),
        dict(q_imitation=0.15, attention=1.0, horizon_median=120, distance=0.9, weight=0.0),  # never drawn
    ])
    rep = v.validate(posterior=post, out_dir=tmp_path / "out", draws=4, patterns=[2, 8], seed_sets=1)
    assert len(rep.parameter_sets) == 4 and all(p["attention"] < 1 for p in rep.parameter_sets)
    assert [(r.number, r.draw) for r in rep.results] == [(n, d) for n in (2, 8) for d in range(4)]
    assert all(r.reproduced for r in rep.results)
    table = pd.read_csv(tmp_path / "out" / "patterns.csv")
    assert len(table) == 8
    assert {json.loads(p)["attention"] for p in table["parameters"]} <= {0.08, 0.10}
    text = (tmp_path / "out" / "report.md").read_text()
    assert "4 draws" in text and "distance" in text and "4/4 (100 %" in text


def test_draws_are_seeded():
    frame = pd.DataFrame(dict(attention=[0.05, 0.1, 0.2]))
    w = np.array([0.2, 0.3, 0.5])
    assert v.draw_parameter_sets(frame, w, 5, seed=1) == v.draw_parameter_sets(frame, w, 5, seed=1)


def test_unusable_posteriors_are_refused(tmp_path):
    with pytest.raises(v.ValidateError, match="weights"):
        v.read_posterior(_posterior(tmp_path / "a.csv", [dict(attention=0.1, weight=-1.0)]))
    with pytest.raises(v.ValidateError, match="no parameter columns"):
        v.read_posterior(_posterior(tmp_path / "b.csv", [dict(distance=0.1, weight=1.0)]))
    frame, w, _ = v.read_posterior(_posterior(tmp_path / "c.csv", [dict(attention=2.0, weight=1.0)]))
    with pytest.raises(ScenarioError, match="attention"):
        v.draw_parameter_sets(frame, w, 1)
    with pytest.raises(FileNotFoundError):
        v.validate(posterior=tmp_path / "missing.csv", out_dir=tmp_path / "out")


def test_heldout_rows_are_compared_only_where_they_are_model_outcomes(tmp_path):
    """Columns as in calibration/data/targets.csv; the values are made up for the test."""
    targets = tmp_path / "targets.csv"
    pd.DataFrame([
        dict(id="a", set="calibration", role="behavioural", cluster="lahore", scenario="lahore-audit",
             quantity="share_option_bwmp", month=24, value=1.0, low=0.8, high=1.0),
        dict(id="b", set="validation", role="input", cluster="kanpur", scenario="kanpur-baseline",
             quantity="demonstration_pilots", value=10),
        dict(id="c", set="validation", role="lever_check", cluster="kanpur", scenario="no-such-scenario",
             quantity="reached", month=24, value=120, low=120, high=140, n_firms=330),
        dict(id="d", set="validation", role="behavioural", cluster="taihu", scenario="taihu-baseline",
             quantity="share_aware", month=24, value=0.75, low=0.5, high=1.0),
        dict(id="e", set="validation", role="lever_check", cluster="taihu", scenario="taihu-three-parks",
             quantity="reached", month=12, value=346, low=330, high=362),
        dict(id="f", set="validation", role="qualitative", cluster="kanpur", scenario="kanpur-zld-mandate",
             quantity="pattern: a mandate delays adoption"),
    ]).to_csv(targets, index=False)
    rep = v.validate(targets=targets, out_dir=tmp_path / "out", patterns=[3], seed_sets=1)
    held = pd.read_csv(tmp_path / "out" / "heldout.csv")
    assert "a" not in held["id"].tolist()
    rows = held.dropna(subset=["id"]).set_index("id")
    assert rows.loc["b", "status"] == "skipped" and "input" in rows.loc["b", "reason"]
    assert rows.loc["f", "status"] == "skipped" and "pattern" in rows.loc["f", "reason"]
    assert rows.loc["e", "status"] == "skipped" and "346" in rows.loc["e", "reason"]  # three parks, not one
    for i in ("c", "d"):
        row = rows.loc[i]
        assert row["status"] == "compared"
        assert row["predicted_low"] <= row["predicted_mean"] <= row["predicted_high"]
    assert "not found" in rows.loc["c", "setting"] and "setting" in rows.loc["c", "reason"]
    assert 0 <= rows.loc["d", "predicted_low"] and rows.loc["d", "predicted_high"] <= 1
    assert set(held.loc[held["status"] == "prediction only", "cluster"]) == {"kanpur", "taihu"}
    assert "Held-out" in (tmp_path / "out" / "report.md").read_text() and rep.heldout is not None


def test_without_a_role_column_engagement_counts_are_inputs():
    from adoptsim.validate.heldout import _INPUT

    outcomes = {"share_adopted", "reached", "adopters"}
    assert v.classify_target("share_adopted", "", outcomes)[0] == "compare"
    assert v.classify_target("reached", "", outcomes)[0] == "skip"
    assert v.classify_target("tanneries_assessed", "", outcomes) == ("skip", _INPUT)
    assert v.classify_target("reached", "lever_check", outcomes)[0] == "compare"
    assert v.classify_target("water_intensity", "", outcomes)[1] == "no model quantity of this name"


def test_targets_without_validation_rows_are_reported_not_fatal(tmp_path):
    targets = tmp_path / "targets.csv"
    pd.DataFrame([dict(set="calibration", cluster="lahore", quantity="audited", value=35)]).to_csv(targets,
                                                                                                 index=False)
    rep = v.validate(targets=targets, out_dir=tmp_path / "out", patterns=[3], figure=False, seed_sets=1)
    assert rep.heldout is None and any("no rows with set = validation" in n for n in rep.notes)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["patterns.csv", "report.md"]


def test_workers_do_not_change_results(tmp_path):
    serial = v.run_patterns([{}], patterns=[2, 4])
    parallel = v.run_patterns([{}], patterns=[2, 4], workers=2)
    assert [r.statistics for r in serial] == [r.statistics for r in parallel]


def test_unknown_pattern_is_refused():
    with pytest.raises(ValueError, match="unknown pattern"):
        v.run_patterns([{}], patterns=[10])


def test_panel_colour_says_how_many_parameter_sets_reproduce():
    assert verdict_colour(5, 5) == GREEN and verdict_colour(0, 5) == RED and verdict_colour(2, 5) == ORANGE
