"""The calibration design: audited firms as a selected sample, patterns inside the distance."""

from __future__ import annotations

import numpy as np
import pytest

from adoptsim.calibrate.config import load_config
from adoptsim.calibrate.problem import build_problem
from adoptsim.calibrate.simulator import Simulator, Statistic, pattern_statistic, run_statistics, volunteer_selector
from adoptsim.population import build_world
from adoptsim.scenario import with_overrides
from adoptsim.sweep.work import run_replicate
from conftest import FRICTIONLESS, scenario
from test_calibration import SHIPPED


def test_volunteers_are_the_most_patient_firms_of_the_pool():
    sc = scenario(cluster="lahore", n_firms=35, months=2, seed=3)
    pool = build_world(sc.model_copy(update={"n_firms": 300})).firms
    chosen = build_world(sc, pool=300, select=volunteer_selector(35)).firms
    top = np.sort(np.argsort(-pool.horizon, kind="stable")[:35])
    # the same firms (ids key every draw), with the same traits, and the longest horizons of the 300
    assert np.array_equal(chosen.id, pool.id[top])
    assert np.array_equal(chosen.horizon, pool.horizon[top]) and np.array_equal(chosen.reserve, pool.reserve[top])
    assert chosen.horizon.min() >= np.sort(pool.horizon)[-35]
    # the selected sample has longer horizons than a random sample of 35 (the old design)
    assert np.median(chosen.horizon) > 1.5 * np.median(build_world(sc).firms.horizon)


def test_selection_is_part_of_the_problem(tmp_path):
    text = SHIPPED.read_text()
    other = tmp_path / "other.toml"
    other.write_text(text.replace("volunteers = { pool = 300", "volunteers = { pool = 100").replace(
        '"data/targets.csv"', f'"{SHIPPED.parent / "data" / "targets.csv"}"').replace(
        '"../adoptsim/', f'"{SHIPPED.parent.parent / "adoptsim"}/'))
    a, b = build_problem(load_config(SHIPPED)), build_problem(load_config(other))
    assert a.volunteers["lahore-audit"] == (300, "horizon") and b.volunteers["lahore-audit"] == (100, "horizon")
    assert a.fingerprint() != b.fingerprint()  # a resumed run with another selection is refused


def test_pattern_statistics_are_the_patterns_thresholds():
    sc = with_overrides(scenario(cluster="moradabad", n_firms=800, months=48, seed=5), attention=0.3)
    stats = [Statistic("m", "s", "pattern_members_adopt_more", 48), Statistic("p", "s", "pattern_practice_first", 48)]
    got = run_statistics(sc, stats)
    w = build_world(sc)
    from adoptsim.kernel import simulate

    simulate(w.firms, w.options, w.params, w.cost, w.series, w.bodies)
    f = w.firms
    a, b = (f.adopted[f.member & ~f.demo] != 0).mean(), (f.adopted[~f.member & ~f.demo] != 0).mean()
    assert got["m"] == float(a >= 1.2 * b)
    cols = run_replicate(sc)
    names = w.profile.option_names
    k0 = next(k for k, n in enumerate(names) if w.profile.technologies[n].kind == "practice")
    gains = {n: np.asarray(cols[f"share_option_{n}"]) - cols[f"share_option_{n}"][0] for n in names}
    others = [n for k, n in enumerate(names) if k != k0]
    leads = all((gains[names[k0]] >= gains[n] - 1e-12).all() for n in others)
    assert got["p"] == float(leads and gains[names[k0]][-1] >= 2 * max(gains[n][-1] for n in others))
    assert got["m"] == pattern_statistic("pattern_members_adopt_more", w, cols, 48)
    with pytest.raises(ValueError, match="end of the run"):
        run_statistics(sc, [Statistic("x", "s", "pattern_practice_first", 12)])


def test_pattern_statistic_averages_to_a_pass_rate():
    sc = scenario(cluster="moradabad", n_firms=300, months=24, seed=1)
    sim = Simulator({"s": sc.model_dump()}, [Statistic("m", "s", "pattern_members_adopt_more", 24)], seed=4,
                    replicates=4, names=("attention",), bounds={"attention": (0, 1)})
    rate = sim.simulate({"attention": 0.5})["m"]
    assert rate in (0.0, 0.25, 0.5, 0.75, 1.0)


def test_upgrade_pattern_statistic_is_pattern_6s_threshold():
    """Pattern 6 inside the distance: 1 iff >= 0.5 % of mills hold the new-line upgrade at the end, rule relaxed."""
    from adoptsim.validate.patterns import UPGRADE_SHARE

    stat = [Statistic("u", "s", "pattern_upgrades_when_open", 60)]
    for horizon, expected in ((120.0, 1.0), (1.0, 0.0)):  # patient mills upgrade; month-long horizons never do
        sc = with_overrides(scenario(cluster="taihu", n_firms=200, months=60, seed=3, common_plant_existing=True,
                                     expansion_rule_blocks_new_lines=False), horizon_median=horizon, attention=0.5)
        cols = run_replicate(sc)
        w = build_world(sc)
        upgrade = next(n for n in w.profile.option_names if w.profile.technologies[n].needs_new_line)
        assert float(cols[f"share_option_{upgrade}"][60] >= UPGRADE_SHARE) == expected
        assert run_statistics(sc, stat)["u"] == expected
    blocked = scenario(cluster="taihu", n_firms=50, months=12, seed=3, expansion_rule_blocks_new_lines=True)
    with pytest.raises(ValueError, match="allows new lines"):
        run_statistics(blocked, [Statistic("u", "s", "pattern_upgrades_when_open", 12)])


def test_finance_pattern_statistic_is_pattern_4s_verdict_on_two_arms_with_one_seed():
    """Pattern 4 inside the distance: the replicate runs again with the finance arm and the same seed, and scores
    1 iff finance adds > 5 points among micro and among small firms, read by hand from the two runs."""
    from adoptsim.kernel import simulate
    from adoptsim.validate.patterns import FINANCE_ARM, FINANCE_GAIN, shares_by_size

    stat = [Statistic("f", "s", "pattern_finance_helps_small", 72)]
    seen = set()
    for down_payment in (0.0, 1.0):  # loans that can replace own cash, and loans that cannot (no finance lever)
        sc = scenario(cluster="moradabad", n_firms=600, months=72, seed=11, horizon_median=8.0, attention=0.2,
                      down_payment=down_payment)
        gains = []
        for arm in (sc, with_overrides(sc, **FINANCE_ARM)):
            w = build_world(arm)
            simulate(w.firms, w.options, w.params, w.cost, w.series, w.bodies)
            gains.append(shares_by_size(w.firms.adopted != 0, w.firms.size_class))
        gain = {z: gains[1][z] - gains[0][z] for z in gains[0]}
        expected = float(gain["micro"] > FINANCE_GAIN and gain["small"] > FINANCE_GAIN)
        assert run_statistics(sc, stat)["f"] == expected
        seen.add(expected)
    assert seen == {0.0, 1.0}  # the two settings give both verdicts: the statistic can fail
    with pytest.raises(ValueError, match="without green finance"):
        run_statistics(with_overrides(scenario(cluster="moradabad", n_firms=50, months=12), **FINANCE_ARM),
                       [Statistic("f", "s", "pattern_finance_helps_small", 12)])


def _is_s(share: np.ndarray) -> bool:
    """Pattern 1's test written out by hand: 12-month mean growth peaks after year 1 and before the last year,
    and first- and last-year growth are below a third of that peak."""
    growth = np.diff(share)
    smooth = np.array([growth[j:j + 12].mean() for j in range(len(growth) - 11)])
    peak, centre = smooth.max(), int(np.argmax(smooth)) + 6
    return bool(peak > 0 and growth[:12].mean() < peak / 3 and growth[-12:].mean() < peak / 3
                and 12 < centre < len(growth) - 12)


def test_s_curve_pattern_statistic_is_pattern_1s_test_on_the_run():
    """Pattern 1 inside the distance: 1 iff the replicate's own adoption curve is an S. Word of mouth makes one
    (slow start, then levelling off as the market saturates); spontaneous awareness alone does not (growth is
    fastest at the start)."""
    from adoptsim.validate.patterns import s_curve

    stat = [Statistic("s", "s", "pattern_s_shaped", 120)]
    seen = set()
    for p, q in ((0.001, 0.4), (0.05, 0.0)):
        sc = scenario(**FRICTIONLESS, n_firms=1000, months=120, seed=5, p_innovation=p, q_imitation=q)
        share = np.asarray(run_replicate(sc)["share_adopted"], float)
        expected = float(_is_s(share))
        assert s_curve(share)[0] == bool(expected)
        assert run_statistics(sc, stat)["s"] == expected
        seen.add(expected)
    assert seen == {0.0, 1.0}
