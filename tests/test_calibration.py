"""Calibration: targets with provenance, configs, user data, ABC-SMC recovery and resume.

The ABC tests use the frictionless homogeneous cluster (tests/data/homogeneous.toml) with
a few hundred firms, so a whole calibration takes seconds; the shipped config is only
loaded and bound here (its run takes minutes: calibration/README.md).
"""

from __future__ import annotations

import csv
import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adoptsim.calibrate import CalibrationError, calibrated_behaviour
from adoptsim.calibrate.calibrated import format_calibrated
from adoptsim.calibrate.config import load_config
from adoptsim.calibrate.problem import build_problem
from adoptsim.calibrate.report import weighted_quantile
from adoptsim.calibrate.simulator import Statistic, run_statistics
from adoptsim.calibrate.targets import (COUNT_COLUMNS, MONEY_COLUMNS, PHYSICAL_COLUMNS, SHARE_COLUMNS,
                                        TARGET_COLUMNS, load_targets, load_user_data, structural_checks)
from adoptsim.scenario import Behaviour, with_overrides
from adoptsim.sweep.work import run_replicate
from conftest import FRICTIONLESS, HOMOGENEOUS, scenario

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "calibration" / "data" / "targets.csv"
SHIPPED = ROOT / "calibration" / "lahore-moradabad.toml"
CALIBRATED = ROOT / "adoptsim" / "data" / "calibrated.toml"
USER_EXAMPLE = Path(__file__).parent / "data" / "calibration" / "user-data-example.csv"


# --------------------------------------------------------------------------- shipped targets
@pytest.fixture(scope="module")
def shipped_targets():
    return load_targets(TARGETS)


def test_shipped_targets_have_provenance_and_both_sets(shipped_targets):
    ids = {t.id: t for t in shipped_targets}
    for t in shipped_targets:
        assert t.statement and t.source_document and t.source_section and t.unit and t.date, t.id
        # a seed document, or a pattern of the project's pattern list marked as an assumption
        assert "seeds/" in t.source_document or (t.quantity.startswith("pattern_") and "ODD.md" in t.source_document
                                                  and "Assumption" in t.notes), t.id
    assert {t.set for t in shipped_targets} == {"calibration", "validation"}
    # Lahore and Moradabad (and the Taihu upgrade pattern) are the calibration set, Kanpur and Taihu held out
    assert {t.cluster for t in shipped_targets if t.set == "calibration"} == {"lahore", "moradabad", "taihu"}
    assert {t.cluster for t in shipped_targets if t.set == "validation"} == {"kanpur", "taihu"}
    # the figures the issue names, mapped honestly
    assert ids["lahore-audited-firms"].value == 35 and ids["lahore-audited-firms"].role == "input"
    assert ids["lahore-businesses-reached"].value == 300
    assert ids["moradabad-pilots"].role == "input" and ids["moradabad-pilots"].value == 10
    reached = ids["moradabad-reached-2017"]
    assert reached.role == "lever_check" and reached.quantity == "reached" and reached.low == 550
    act = ids["moradabad-act-among-reached"]
    assert act.role == "behavioural" and act.low <= 0.2 and act.high >= 0.3 and "hoped" in act.statement
    structural = {t.quantity for t in shipped_targets if t.role == "structural"}
    assert {"bwmp.investment@medium", "bwmp.savings_per_year@medium", "bwmp.payback_months@medium",
            "bwmp.water_saved_m3_per_year@medium", "bwmp.chemicals_t_per_year@medium", "bwmp.power_kw@medium",
            "bwmp.water_saving"} <= structural


def test_lahore_audit_figures_are_reproduced_by_the_profile(shipped_targets):
    """Structural check: the Lahore profile's BWMP option, summed over 35 medium firms, lies inside every
    audit interval (investment, savings, payback, water, chemicals, power)."""
    rows = structural_checks(shipped_targets)
    assert len(rows) == 7
    bad = [r for r in rows if not r["inside"]]
    assert not bad, bad
    invest = next(r for r in rows if r["id"] == "lahore-audit-investment")
    assert invest["model"] == pytest.approx(120e6, rel=0.02)


def _rewrite(tmp_path: Path, edit) -> Path:
    """A copy of the shipped target file with ``edit(rows)`` applied."""
    with TARGETS.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    edit(rows)
    path = tmp_path / "targets.csv"
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, TARGET_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


def _set(row_id: str, column: str, value: str):
    def edit(rows):
        next(r for r in rows if r["id"] == row_id)[column] = value
    return edit


def _row_number(row_id: str) -> int:
    with TARGETS.open(newline="") as fh:
        return 1 + [r["id"] for r in csv.DictReader(fh)].index(row_id)


@pytest.mark.parametrize("row_id, column, value, words", [
    ("moradabad-act-among-reached", "value", "1.5", "out of range"),
    ("moradabad-act-among-reached", "high", "0.2", "below value"),
    ("moradabad-act-among-reached", "unit", "percent", "share"),
    ("moradabad-reached-2017", "month", "24.5", "not an integer"),
    ("moradabad-reached-2017", "month", "", "missing value"),
    ("lahore-audit-implemented", "source_section", "", "missing value"),
    ("lahore-audit-implemented", "statement", "", "missing value"),
    ("lahore-audit-implemented", "role", "target", "not allowed"),
    ("lahore-audit-implemented", "quantity", "share_option_solar", "not an outcome"),
    ("lahore-audit-implemented", "date", "March 2017", "not a date"),
    ("lahore-audit-payback", "unit", "years", "months"),
    ("lahore-audit-investment", "quantity", "bwmp.investment", "needs a size"),
    ("taihu-mills", "cluster", "atlantis", "not allowed"),
    ("taihu-mills", "quantity", "mills", "not a scenario parameter"),
])
def test_bad_target_row_names_file_row_and_column(tmp_path, row_id, column, value, words):
    path = _rewrite(tmp_path, _set(row_id, column, value))
    with pytest.raises(CalibrationError) as info:
        load_targets(path)
    msg = str(info.value)
    assert str(path) in msg and f"row {_row_number(row_id)} " in msg and f"column '{column}'" in msg, msg
    assert words in msg, msg


def test_duplicate_id_and_bad_header_are_rejected(tmp_path):
    def dup(rows):
        rows[3]["id"] = rows[1]["id"]
    msg = str(pytest.raises(CalibrationError, load_targets, _rewrite(tmp_path, dup)).value)
    assert "row 4 " in msg and "column 'id'" in msg and "repeats row 2" in msg
    bad = tmp_path / "bad.csv"
    bad.write_text(TARGETS.read_text().replace("source_section", "section", 1))
    msg = str(pytest.raises(CalibrationError, load_targets, bad).value)
    assert "line 1" in msg and "source_section" in msg


def test_target_quantities_are_outcome_columns():
    """The column names targets may use are the columns the simulation writes."""
    cols = run_replicate(scenario(cluster="lahore", n_firms=20, months=2))
    named = set(COUNT_COLUMNS) | set(SHARE_COLUMNS) | set(PHYSICAL_COLUMNS) | set(MONEY_COLUMNS)
    assert named <= set(cols), named - set(cols)


def test_statistics_match_the_kernel_and_the_cohort_share():
    """Reading targets through the simulator gives the same numbers as a plain run; the cohort share at
    its own cohort month is the share adopted among reached."""
    sc = with_overrides(scenario(cluster="moradabad", n_firms=600, months=30, seed=7),
                        outreach_reach_per_month=15.0, outreach_business_case=0.5, attention=0.3)
    cols = run_replicate(sc)
    stats = [Statistic("a", "s", "share_adopted", 30), Statistic("r", "s", "reached", 12),
             Statistic("r2", "s", "reached", 12, None, 1200),  # observed on twice the population: rescaled
             Statistic("c12", "s", "cohort_share_adopted_among_reached", 12, 12),
             Statistic("c30", "s", "cohort_share_adopted_among_reached", 30, 12)]
    got = run_statistics(sc, stats)
    assert got["a"] == cols["share_adopted"][30]
    assert got["r"] == cols["reached"][12] > 0
    assert got["r2"] == 2 * cols["reached"][12]
    assert got["c12"] == pytest.approx(cols["share_adopted_among_reached"][12])
    assert got["c30"] >= got["c12"]


# --------------------------------------------------------------------------- configs
def test_shipped_config_binds_to_its_targets():
    cfg = load_config(SHIPPED)
    problem = build_problem(cfg)
    assert {t.id for t in problem.fit} == {"lahore-audit-implemented", "moradabad-act-among-reached",
                                           "moradabad-acted-by-2017", "moradabad-aware-2017",
                                           "moradabad-pattern-members", "moradabad-pattern-practice-first",
                                           "taihu-pattern-upgrades-when-open", "moradabad-pattern-finance-small",
                                           "moradabad-pattern-s-curve"}
    assert "moradabad-reached-2017" in {t.id for t in problem.check}
    assert 4 <= len(problem.parameters) <= 6
    assert problem.scenarios["lahore-audit"].n_firms == 35
    assert problem.volunteers == {"lahore-audit": (300, "horizon")}  # the audited firms volunteered
    assert problem.config.config.abc.replicates >= 2
    assert problem.scenarios["moradabad-outreach-demos"].n_firms is None  # full 5,000 firms
    assert problem.scenarios["moradabad-outreach-demos"].months == 60
    relaxed = problem.scenarios["taihu-relaxed"]  # pattern 6's setting: 460 mills, ten years, rule relaxed
    assert (relaxed.n_firms, relaxed.months, relaxed.levers.expansion_rule.blocks_new_lines) == (460, 120, False)
    finance = problem.scenarios["moradabad-finance"]  # pattern 4's setting: the baseline, no finance, six years
    assert (finance.n_firms, finance.months, finance.levers.green_finance.enabled) == (1000, 72, False)
    s_curve = problem.scenarios["moradabad-s-curve"]  # pattern 1's setting: the baseline, 2,000 firms, 20 years
    assert (s_curve.n_firms, s_curve.months, s_curve.levers.outreach.reach_per_month) == (2000, 240, 0.0)
    for name, spec in problem.parameters.items():
        assert spec.source, name
    assert problem.fingerprint() == build_problem(load_config(SHIPPED)).fingerprint()


def _homogeneous_config(tmp_path: Path, name="recover", population=100, generations=6, minimum_epsilon=0.5,
                        p=2.0, prior_high=0.05, extra="", n_firms=500) -> Path:
    overrides = {**{k: v for k, v in FRICTIONLESS.items() if k != "cluster"}, "n_firms": n_firms}
    inline = ", ".join(f"{k} = {v!r}" for k, v in overrides.items())
    text = f"""
[calibration]
name = "{name}"
seed = 11
targets = []
{extra}
[abc]
population_size = {population}
max_generations = {generations}
minimum_epsilon = {minimum_epsilon}
p = {p}
predictive_draws = 20

[[scenario]]
id = "homogeneous"
cluster = "{HOMOGENEOUS}"
overrides = {{ {inline} }}

[parameters.p_innovation]
prior = "loguniform"
low = 0.001
high = {prior_high}
source = "test"

[parameters.q_imitation]
prior = "loguniform"
low = 0.03
high = 1.0
source = "test"
"""
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("edit, words", [
    (lambda t: t.replace("[abc]", "[abc]\nspeed = 2"), "abc.speed: unknown key"),
    (lambda t: t.replace("population_size = 100", "population_size = 3"), "abc.population_size"),
    (lambda t: t.replace("[parameters.q_imitation]", "[parameters.speed]"), "parameters.speed: not a behaviour"),
    (lambda t: t.replace('source = "test"\n\n[parameters.q', '\n[parameters.q'), "parameters.p_innovation.source"),
    (lambda t: t.replace("high = 1.0", "high = 9.0"), "outside the allowed range of q_imitation"),
    (lambda t: t.replace('prior = "loguniform"\nlow = 0.03', 'prior = "normal"\nlow = 0.03'), "needs mean, sd"),
    (lambda t: t.replace('cluster = "', 'cluster = "x'), "scenario[0] (homogeneous).cluster"),
    (lambda t: t.replace("n_firms = 500", "n_fims = 500"), "n_fims: unknown parameter"),
])
def test_bad_config_names_file_and_key(tmp_path, edit, words):
    path = _homogeneous_config(tmp_path)
    path.write_text(edit(path.read_text()))
    with pytest.raises(CalibrationError) as info:
        build_problem(load_config(path))
    assert str(path) in str(info.value) and words in str(info.value), str(info.value)


# --------------------------------------------------------------------------- user data
def test_user_data_example_is_accepted(tmp_path):
    obs = load_user_data(USER_EXAMPLE)
    assert len(obs) >= 3 and all(o.quantity == "share_adopted" for o in obs)
    cfg = load_config(_homogeneous_config(tmp_path))
    problem = build_problem(cfg, data=USER_EXAMPLE)
    assert len(problem.fit) == len(obs)
    assert all(t.scenario == "homogeneous" and t.low < t.value < t.high for t in problem.fit)


def test_user_counts_are_converted_and_default_intervals_are_binomial(tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("cluster,month,adopters,n_firms\nhomogeneous,12,50,400\nhomogeneous,24,200,400\n")
    obs = load_user_data(path)
    assert [o.value for o in obs] == [0.125, 0.5]
    half = 1.645 * math.sqrt(0.125 * 0.875 / 400)
    assert obs[0].low == pytest.approx(0.125 - half) and obs[0].high == pytest.approx(0.125 + half)


@pytest.mark.parametrize("text, row, column, words", [
    ("cluster,month,share_adopted\nhomogeneous,12,1.2\n", 1, "share_adopted", "out of range"),
    ("cluster,month,share_adopted\nhomogeneous,12,0.1\nhomogeneous,-3,0.2\n", 2, "month", "out of range"),
    ("cluster,month,share_adopted\nhomogeneous,2.5,0.1\n", 1, "month", "not an integer"),
    ("cluster,month,share_adopted\n,12,0.1\n", 1, "cluster", "missing value"),
    ("cluster,month,adopters,n_firms\nhomogeneous,12,50,40\n", 1, "adopters", "out of range"),
    ("cluster,month,share_adopted,low,high\nhomogeneous,12,0.1,0.15,0.2\n", 1, "low", "above the observed"),
    ("cluster,month,share_adopted,low,high\nhomogeneous,12,0.1,0.05,\n", 1, "high", "go together"),
    ("cluster,month,share_adopted\nhomogeneous,12,0.1\nhomogeneous,12,0.2\n", 2, "month", "repeats row 1"),
])
def test_bad_user_data_rows_are_rejected(tmp_path, text, row, column, words):
    path = tmp_path / "data.csv"
    path.write_text(text)
    with pytest.raises(CalibrationError) as info:
        load_user_data(path)
    msg = str(info.value)
    assert str(path) in msg and f"row {row} " in msg and f"column '{column}'" in msg and words in msg, msg


@pytest.mark.parametrize("text, words", [
    ("cluster,month,adopters,share_adopted\nhomogeneous,1,2,0.1\n", "exactly one of the columns"),
    ("cluster,month,share,n_firms\nhomogeneous,1,0.1,10\n", "unknown column(s) share"),
    ("month,share_adopted\n1,0.1\n", "missing column(s) cluster"),
    ("cluster,month,share_adopted,low\nhomogeneous,1,0.1,0.05\n", "low and high go together"),
    ("", "empty data file"),
])
def test_bad_user_data_files_are_rejected(tmp_path, text, words):
    path = tmp_path / "data.csv"
    path.write_text(text)
    with pytest.raises(CalibrationError) as info:
        load_user_data(path)
    assert str(path) in str(info.value) and words in str(info.value), str(info.value)


def test_user_data_for_an_unknown_cluster_lists_the_allowed_ones(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("cluster,month,share_adopted\nmoradabad,12,0.1\n")
    with pytest.raises(CalibrationError) as info:
        build_problem(load_config(_homogeneous_config(tmp_path)), data=path)
    msg = str(info.value)
    assert "row 1" in msg and "column 'cluster'" in msg and "allowed: homogeneous" in msg, msg


# --------------------------------------------------------------------------- ABC-SMC
TRUTH = {"p_innovation": 0.01, "q_imitation": 0.3}
MONTHS = (6, 12, 24)
N_RECOVERY = 2000  # with 500 firms a single realisation's early months vary by +/-0.05 (few innovators a month)


@pytest.fixture(scope="module")
def recovery(tmp_path_factory):
    """Data simulated at TRUTH (2,000 firms, adoption share at months 6, 12, 24) calibrated back.

    Six generations of 100 particles, about 2,000 simulations of 2,000 firms x 24 months: ~15 s.
    The observed intervals are the default binomial ones of user data without low/high."""
    from adoptsim.calibrate import run_calibration

    tmp = tmp_path_factory.mktemp("recovery")
    sc = scenario(**FRICTIONLESS, **TRUTH, n_firms=N_RECOVERY, months=max(MONTHS), seed=424242)
    share = run_replicate(sc)["share_adopted"]
    data = tmp / "observed.csv"
    data.write_text("cluster,month,share_adopted,n_firms\n"
                    + "".join(f"homogeneous,{m},{share[m]:.4f},{N_RECOVERY}\n" for m in MONTHS))
    config = _homogeneous_config(tmp, n_firms=N_RECOVERY)
    return run_calibration(config, tmp / "out", data=data, progress=False), share


def test_parameter_recovery(recovery):
    """Both true values lie inside the 90 % credible intervals, which are much narrower than the priors."""
    result, _ = recovery
    summary = result.summary.set_index("parameter")
    for name, value in TRUTH.items():
        assert summary.loc[name, "q05"] <= value <= summary.loc[name, "q95"], (name, summary.loc[name])
    ident = result.identifiability.set_index("parameter")
    assert (ident["width_ratio"] < 0.5).all(), ident
    assert result.final_epsilon <= 0.5 + 1e-12 or result.generations == 6


def test_outputs_of_a_calibration(recovery):
    result, share = recovery
    out = result.out_dir
    for name in ("calibration.db", "run.json", "posterior.csv", "posterior_summary.csv", "identifiability.csv",
                 "pairs.png", "predictive.csv", "predictive.png", "generations.csv", "targets_used.csv",
                 "calibrated.toml", "report.md"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    posterior = np.genfromtxt(out / "posterior.csv", delimiter=",", names=True)
    assert list(posterior.dtype.names) == ["p_innovation", "q_imitation", "weight"]
    assert posterior["weight"].sum() == pytest.approx(1.0)
    pred = result.predictive.set_index("id")
    assert set(pred.index) == {f"data:homogeneous:m{m}" for m in MONTHS}
    assert (pred["posterior_share_inside"] > pred["prior_share_inside"]).all()
    values = calibrated_behaviour(out / "calibrated.toml")
    assert set(values) == set(TRUTH)
    Behaviour(**values)
    assert result.published is None  # the test config has no publish key
    state = json.loads((out / "run.json").read_text())
    assert state["run_id"] == result.run_id and state["invocations"][0]["evaluations"] == result.simulations > 0


def test_interrupted_calibration_resumes_from_its_database(tmp_path):
    """Two generations, then the same problem with a budget of four: generations 2 and 3 are added to the
    same run in the same database. A different problem in that folder is refused unless restarted."""
    from adoptsim.calibrate import run_calibration
    from adoptsim.calibrate.abcsmc import load_history

    data = tmp_path / "observed.csv"
    data.write_text("cluster,month,share_adopted,n_firms\nhomogeneous,6,0.1,500\nhomogeneous,12,0.3,500\n")
    out = tmp_path / "out"
    first = run_calibration(_homogeneous_config(tmp_path, population=40, generations=2, minimum_epsilon=0.0),
                            out, data=data, progress=False)
    assert (first.generations, first.resumed) == (2, False)
    second = run_calibration(_homogeneous_config(tmp_path, population=40, generations=4, minimum_epsilon=0.0),
                             out, data=data, progress=False)
    assert (second.generations, second.resumed, second.run_id) == (4, True, first.run_id)
    history = load_history(out / "calibration.db", first.run_id)
    pops = history.get_all_populations()
    assert sorted(pops.t[pops.t >= 0]) == [0, 1, 2, 3]
    eps = list(pops.sort_values("t").epsilon[pops.t >= 0])
    assert eps == sorted(eps, reverse=True)  # the threshold schedule continued, it did not restart
    state = json.loads((out / "run.json").read_text())
    assert [i["generations_after"] for i in state["invocations"]] == [2, 4]
    with pytest.raises(CalibrationError, match="different problem"):  # --seed N: another run, not this one resumed
        run_calibration(_homogeneous_config(tmp_path, population=40, generations=4, minimum_epsilon=0.0),
                        out, data=data, progress=False, seed=7)
    changed = _homogeneous_config(tmp_path, population=40, generations=4, prior_high=0.04)
    with pytest.raises(CalibrationError, match="different problem"):
        run_calibration(changed, out, data=data, progress=False)
    third = run_calibration(_homogeneous_config(tmp_path, population=40, generations=1, prior_high=0.04), out,
                            data=data, resume=False, progress=False)
    assert third.run_id == first.run_id + 1 and third.generations == 1


def test_same_parameters_give_the_same_simulation(tmp_path):
    """Each evaluation's seed is a function of the parameters: reproducible in any process and order."""
    import pickle

    from adoptsim.calibrate.simulator import evaluation_seed

    problem = build_problem(load_config(_homogeneous_config(tmp_path)), data=USER_EXAMPLE)
    sim = problem.simulator()
    a = sim(dict(TRUTH))
    assert a == sim(dict(TRUTH)) == pickle.loads(pickle.dumps(sim))(dict(TRUTH))
    assert evaluation_seed(1, 0, 0, 0, (0.01, 0.3)) != evaluation_seed(1, 0, 0, 0, (0.01, 0.3000001))
    assert sim.simulate(dict(TRUTH), salt=1) != a  # another salt, another seed (predictive draws)


# --------------------------------------------------------------------------- calibrated parameter file
def test_shipped_calibrated_file_is_valid_and_documented():
    values = calibrated_behaviour(CALIBRATED)
    config = tomllib.loads(SHIPPED.read_text())
    assert set(values) == set(config["parameters"])
    Behaviour(**values)  # names and bounds
    text = CALIBRATED.read_text()
    for words in ("config:", "date:", "database:", "adoptsim", "pyabc", "Regenerate with:",
                  "adoptsim calibrate calibration/lahore-moradabad.toml", "width ratio"):
        assert words in text, words


def test_calibrated_behaviour_default_and_switches(tmp_path, monkeypatch):
    monkeypatch.delenv("ADOPTSIM_CALIBRATED", raising=False)
    assert calibrated_behaviour() == calibrated_behaviour(CALIBRATED)
    monkeypatch.setenv("ADOPTSIM_CALIBRATED", "none")
    assert calibrated_behaviour() == {}
    other = tmp_path / "c.toml"
    other.write_text(format_calibrated({"attention": 0.2}, {"attention": "note"}, ["header"]))
    monkeypatch.setenv("ADOPTSIM_CALIBRATED", str(other))
    assert calibrated_behaviour() == {"attention": 0.2}
    with pytest.raises(CalibrationError, match="no such calibrated parameter file"):
        calibrated_behaviour(tmp_path / "missing.toml")
    other.write_text("[behaviour]\nattention = 'high'\n")
    with pytest.raises(CalibrationError, match="behaviour.attention: must be a finite number"):
        calibrated_behaviour(other)


def test_command_line_parser():
    import argparse

    from adoptsim.calibrate.command import add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["calibrate", "c.toml", "--out", "o", "--data", "d.csv", "--workers", "2",
                              "--dask", "local", "--restart", "--no-publish", "--quiet"])
    assert (args.config, args.out, args.data, args.workers, args.dask, args.restart, args.no_publish) == \
        ("c.toml", "o", "d.csv", 2, "local", True, True)
    assert callable(args.func)


def test_missing_shipped_file_warns_and_falls_back_to_schema_defaults(tmp_path, monkeypatch):
    from adoptsim.calibrate import calibrated

    monkeypatch.delenv("ADOPTSIM_CALIBRATED", raising=False)
    monkeypatch.setattr(calibrated, "DEFAULT_PATH", tmp_path / "gone.toml")
    with pytest.warns(UserWarning, match="gone.toml not found: scenarios use the schema defaults"):
        assert calibrated_behaviour() == {}
    monkeypatch.setenv("ADOPTSIM_CALIBRATED", str(tmp_path / "typo.toml"))
    with pytest.raises(CalibrationError, match="typo.toml: no such calibrated parameter file"):
        calibrated_behaviour()


def test_cli_has_the_calibrate_command():
    from adoptsim.cli import build_parser

    args = build_parser().parse_args(["calibrate", "c.toml", "--workers", "2"])
    assert (args.command, args.config, args.workers) == ("calibrate", "c.toml", 2) and callable(args.func)


def test_scenarios_take_calibrated_values_for_keys_they_leave_out(tmp_path, monkeypatch):
    from adoptsim import AdoptionModel
    from adoptsim.scenario import Scenario, default_scenario, scenario_from_dict, with_overrides

    other = tmp_path / "c.toml"
    other.write_text(format_calibrated({"attention": 0.2, "liquidity": 3.0}, {}, ["header"]))
    monkeypatch.setenv("ADOPTSIM_CALIBRATED", str(other))
    built = scenario_from_dict({"cluster": "lahore", "behaviour": {"attention": 0.5}})
    assert (built.behaviour.attention, built.behaviour.liquidity) == (0.5, 3.0)  # a scenario's own value wins
    assert (default_scenario().behaviour.attention, AdoptionModel().config.behaviour.attention) == (0.2, 0.2)
    assert with_overrides(default_scenario(), n_firms=10).behaviour.liquidity == 3.0  # kept through overrides
    # the schema alone never reads the file: applied explicitly where scenarios are built
    assert Behaviour().attention == Scenario().behaviour.attention == Behaviour.model_fields["attention"].default
    assert scenario_from_dict({}, calibrated=False).behaviour == Behaviour()
    monkeypatch.setenv("ADOPTSIM_CALIBRATED", "none")
    assert default_scenario().behaviour == Behaviour()


# --------------------------------------------------------------------------- pattern filter
def _fake_patterns(monkeypatch, rule):
    """Replace the nine simulated checks by ``rule(params) -> set of failed pattern numbers``."""
    from types import SimpleNamespace

    from adoptsim import validate

    def run_patterns(sets, numbers, workers=1, replicates=None):
        return [SimpleNamespace(number=n, draw=i, reproduced=n not in rule(s))
                for n in numbers for i, s in enumerate(sets)]

    monkeypatch.setattr(validate, "run_patterns", run_patterns)


def _posterior(n=60):
    rng = np.random.default_rng(3)
    q = np.round(rng.uniform(0.05, 0.9, n), 6)
    return pd.DataFrame({"p_innovation": rng.uniform(0.002, 0.04, n), "q_imitation": q,
                         "weight": rng.uniform(0.5, 1.5, n)})


def test_pattern_filter_publishes_the_consistent_candidate_closest_to_the_targets(tmp_path, monkeypatch):
    from adoptsim.calibrate.patterns import pattern_filter, target_distance

    problem = build_problem(load_config(_homogeneous_config(tmp_path)), data=USER_EXAMPLE)
    _fake_patterns(monkeypatch, lambda s: set() if s["q_imitation"] > 0.4 else {1, 6})
    pf = pattern_filter(problem, _posterior(), draws=30, seed=1)
    assert len(pf.screened) == 30 and len(set(pf.screened["q_imitation"])) == 30  # distinct particles
    assert pf.screened["consistent"].tolist() == (pf.screened["q_imitation"] > 0.4).tolist()
    assert set(pf.screened.loc[~pf.screened["consistent"], "failed"]) == {"1 6"}
    assert (pf.consistent["q_imitation"] > 0.4).all() and pf.consistent["weight"].sum() == pytest.approx(1)
    median = {k: weighted_quantile(pf.consistent[k], pf.consistent["weight"], 0.5) for k in problem.names}
    scores = list(pf.consistent["target_distance"]) + [target_distance(problem, median)]
    assert pf.consistent["target_distance"].tolist() == [
        target_distance(problem, {k: r[k] for k in problem.names}) for _, r in pf.consistent.iterrows()]
    best = int(np.argmin(scores))
    expected = median if best == len(pf.consistent) else {k: pf.consistent.iloc[best][k] for k in problem.names}
    assert pf.point == pytest.approx(expected) and "closest to the fitted targets" in pf.point_rule
    assert "weighted medians, which reproduce the patterns too" in pf.point_rule


def test_pattern_filter_falls_back_to_a_consistent_particle(tmp_path, monkeypatch):
    from adoptsim.calibrate.patterns import pattern_filter

    problem = build_problem(load_config(_homogeneous_config(tmp_path)), data=USER_EXAMPLE)
    post = _posterior()
    ok = set(zip(post["p_innovation"][::2], post["q_imitation"][::2]))  # only these particles pass, not their median
    _fake_patterns(monkeypatch, lambda s: set() if (s["p_innovation"], s["q_imitation"]) in ok else {4})
    pf = pattern_filter(problem, post, draws=40, seed=2)
    assert "their weighted medians fail pattern(s) 4" in pf.point_rule
    assert (pf.point["p_innovation"], pf.point["q_imitation"]) in ok
    _fake_patterns(monkeypatch, lambda s: {2} if s["q_imitation"] > 0.3 else {2, 8})
    with pytest.raises(CalibrationError, match=r"none of 40 posterior particles.*most often failed: 2 \(40x\)"):
        pattern_filter(problem, post, draws=40, seed=2)


def test_the_published_point_runs_its_patterns_on_several_seed_sets():
    """point_patterns checks the published point on each seed set (a pass rate per pattern, not one verdict):
    row k of a pattern is adoptsim validate's check on seed set k, and the report counts the seed sets."""
    from adoptsim.calibrate.runner import point_markdown, point_pass_rates, point_patterns
    from adoptsim.validate.results import check_pattern

    point = {"attention": 0.09, "horizon_median": 5.2, "q_imitation": 0.19}
    checked = point_patterns(point, None, [3, 8], 0, seed=0, seed_sets=2)
    assert list(checked["pattern"]) == [3, 3, 8, 8] and list(checked["seed_set"]) == [0, 1, 0, 1]
    assert set(checked["draw"]) == {"point"} and (checked["horizon_median"] == 5.2).all()
    for _, row in checked.iterrows():
        alone = check_pattern(int(row["pattern"]), point, seed_set=int(row["seed_set"]))
        assert (row["reproduced"], row["explanation"]) == (bool(alone.reproduced), alone.explanation)
    rates, sets = point_pass_rates(checked)
    assert sets == 2 and rates.to_dict() == checked.groupby("pattern")["reproduced"].mean().to_dict()
    text = point_markdown(checked, pd.DataFrame())
    assert f"| 3 | {round(rates[3] * 2)} of 2 | - |" in text and "(of 2 seed sets)" in text


def test_a_calibration_reports_its_published_points_pattern_pass_rates(tmp_path):
    """End to end: with check_point, the run writes the point's verdict per seed set, and the report's table
    and the published defaults' header count the seed sets."""
    from adoptsim.calibrate import run_calibration

    data = tmp_path / "observed.csv"
    data.write_text("cluster,month,share_adopted,n_firms\nhomogeneous,6,0.1,500\nhomogeneous,12,0.3,500\n")
    config = _homogeneous_config(tmp_path, population=40, generations=1, minimum_epsilon=0.0,
                                 extra="\n[patterns]\ncheck_point = true\npatterns = [8]\npoint_seed_sets = 3\n")
    run_calibration(config, tmp_path / "out", data=data, progress=False)
    checked = pd.read_csv(tmp_path / "out" / "point_patterns.csv")
    assert list(checked["seed_set"]) == [0, 1, 2] and set(checked["pattern"]) == {8}
    assert "(of 3 seed sets)" in (tmp_path / "out" / "report.md").read_text()
    assert "patterns in at least half of 3 seed sets" in (tmp_path / "out" / "calibrated.toml").read_text()
