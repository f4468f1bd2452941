"""Scenario discovery (adoptsim discover): PRIM recovers planted failure boxes; sweep folders; clear errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

from adoptsim.cli import main
from adoptsim.discover import DiscoverError, choose_step, discover, sweep_frame, write_discovery

INPUTS = ["capex_subsidy_share", "q_imitation", "belief_prior", "attention"]


def planted(n: int = 600, seed: int = 3) -> pd.DataFrame:
    """Uniform inputs on [0, 1]; adoption fails (about 0.1 instead of 0.5) when subsidy < 0.3 and imitation > 0.6."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(size=(n, len(INPUTS))), columns=INPUTS)
    inside = (x.capex_subsidy_share < 0.3) & (x.q_imitation > 0.6)
    x["share_adopted"] = np.where(inside, 0.1, 0.5) + rng.normal(0, 0.03, n)
    return x


def strict_json(path: Path):
    def refuse(token):
        raise ValueError(f"{path}: non-standard JSON constant {token}")
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def test_planted_box_is_recovered():
    frame = planted()
    d = discover(frame, "share_adopted", below=0.3)
    box = d.boxes[0]
    # stated bounds: the box holds >= 80 % of the failures and >= 80 % of its runs fail
    assert box.coverage >= 0.8 and box.density >= 0.8
    # it restricts exactly the two planted inputs, to within 0.05 of the planted edges
    assert set(box.limits) == {"capex_subsidy_share", "q_imitation"}
    assert abs(box.limits["capex_subsidy_share"]["max"] - 0.3) < 0.05
    assert abs(box.limits["q_imitation"]["min"] - 0.6) < 0.05
    # the statistics are those of the rows the limits select
    lim = box.limits
    sel = frame.capex_subsidy_share.between(lim["capex_subsidy_share"]["min"], lim["capex_subsidy_share"]["max"]) \
        & frame.q_imitation.between(lim["q_imitation"]["min"], lim["q_imitation"]["max"])
    fails = frame.share_adopted < 0.3
    assert box.runs == int(sel.sum())
    assert box.coverage == pytest.approx((sel & fails).sum() / fails.sum())
    assert box.density == pytest.approx((sel & fails).sum() / sel.sum())


def _loose(box, planted: set[str]) -> bool:
    """Any input restricted beside the planted ones keeps at least 85 % of its [0, 1] range."""
    return all(lim["max"] - lim["min"] >= 0.85 for k, lim in box.limits.items() if k not in planted)


def test_above_and_second_box_by_covering():
    """Two disjoint planted regions: the first box takes the larger, the second (found outside it) the other."""
    rng = np.random.default_rng(7)
    n = 800
    x = pd.DataFrame(rng.uniform(size=(n, 3)), columns=INPUTS[:3])
    a = (x.capex_subsidy_share > 0.6) & (x.q_imitation > 0.6)
    b = (x.capex_subsidy_share < 0.3) & (x.belief_prior < 0.3)
    x["public_cost_cumulative"] = np.where(a | b, 10.0, 1.0) + rng.normal(0, 0.1, n)
    d = discover(x, "public_cost_cumulative", above=5.0)
    assert len(d.boxes) >= 2
    first, second = d.boxes[0], d.boxes[1]
    assert first.density >= 0.8 and second.density >= 0.8
    assert first.coverage + second.coverage >= 0.8  # coverage is of all failures, so the two add up
    assert {"capex_subsidy_share", "q_imitation"} <= set(first.limits) and _loose(first, {"capex_subsidy_share", "q_imitation"})
    assert abs(first.limits["capex_subsidy_share"]["min"] - 0.6) < 0.06
    assert abs(first.limits["q_imitation"]["min"] - 0.6) < 0.06
    assert {"capex_subsidy_share", "belief_prior"} <= set(second.limits) and _loose(second, {"capex_subsidy_share", "belief_prior"})
    assert abs(second.limits["capex_subsidy_share"]["max"] - 0.3) < 0.06
    assert abs(second.limits["belief_prior"]["max"] - 0.3) < 0.06


def test_choose_step_balances_coverage_and_density():
    t = pd.DataFrame({"coverage": [1.0, 1.0, 0.97, 0.5], "density": [0.1, 0.82, 1.0, 1.0]})
    assert choose_step(t, 0.8) == 2
    assert choose_step(t, 0.99) == 2
    assert choose_step(t.iloc[:2], 0.9) == 1  # none dense enough: the densest


def test_errors_name_the_problem():
    frame = planted(200)
    with pytest.raises(DiscoverError, match="did you mean: share_adopted"):
        discover(frame, "share_adopte", below=0.3)
    with pytest.raises(DiscoverError, match="no run fails .* range from"):
        discover(frame, "share_adopted", below=-1)
    with pytest.raises(DiscoverError, match="every run fails"):
        discover(frame, "share_adopted", above=-1)
    with pytest.raises(DiscoverError, match="exactly one of"):
        discover(frame, "share_adopted")
    with pytest.raises(DiscoverError, match="--inputs nope"):
        discover(frame, "share_adopted", below=0.3, inputs=["nope"])
    with pytest.raises(DiscoverError, match="no input varies"):
        discover(frame[["share_adopted"]].assign(capex_subsidy_share=0.2), "share_adopted", below=0.3)
    few = frame.assign(share_adopted=np.r_[np.zeros(2), np.ones(len(frame) - 2)])  # 2 failing runs: no box
    with pytest.raises(DiscoverError, match="PRIM found no box .* 2 of 200 runs fail"):
        discover(few, "share_adopted", below=0.5)


def test_outputs_are_complete_and_strict_json(tmp_path):
    frame = planted(300)
    frame.loc[0, "share_adopted"] = 0.1  # a failure outside the box keeps a second, sparse box possible
    d = discover(frame, "share_adopted", below=0.3)
    paths = write_discovery(d, frame, tmp_path / "out")
    names = {p.name for p in paths}
    assert {"boxes.csv", "trajectory.csv", "discover.json", "trajectory.png", "box1.png"} <= names
    summary = strict_json(tmp_path / "out" / "discover.json")
    assert summary["failures"] == int((frame.share_adopted < 0.3).sum())
    traj = pd.read_csv(tmp_path / "out" / "trajectory.csv")
    assert traj.groupby("box")["chosen"].sum().eq(1).all()
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())


def test_missing_extra_is_one_message(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ema_workbench", None)
    monkeypatch.delitem(sys.modules, "ema_workbench.analysis", raising=False)
    monkeypatch.delitem(sys.modules, "ema_workbench.analysis.prim", raising=False)
    with pytest.raises(DiscoverError, match=r"pip install 'adoptsim\[discover\]'"):
        discover(planted(100), "share_adopted", below=0.3)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("smoke") / "sweep"
    assert main(["sweep", "smoke-sweep", "--out", str(out), "--quiet"]) == 0
    return out


def test_sweep_folder_gives_one_row_per_run_with_lever_columns(smoke):
    frame = sweep_frame(smoke)
    assert len(frame) == 5 * 3  # baseline + 2 x 2 factorial, x 3 replicates, at the last month
    assert set(frame["month"]) == {36}
    assert sorted(set(frame["capex_subsidy_share"])) == [0.0, 0.3]
    assert sorted(set(frame["green_finance_guarantee"])) == [0.0, 0.8]
    # the tidy results' dotted columns are the same values under the flat keys PRIM reports
    assert frame["capex_subsidy_share"].tolist() == frame["levers.capex_subsidy.share"].tolist()


def test_cli_discover_on_a_sweep(smoke, capsys):
    frame = sweep_frame(smoke)
    cut = float(frame["share_adopted"].median())
    assert main(["discover", str(smoke), "--outcome", "share_adopted", "--below", f"{cut}"]) == 0
    out = capsys.readouterr().out
    assert "runs fail (share_adopted <" in out
    inputs = out.split("inputs: ")[1].splitlines()[0].split(", ")
    assert "seed" not in inputs and {"capex_subsidy_share", "green_finance_guarantee"} <= set(inputs)
    folder = next((smoke / "discover").iterdir())
    assert (folder / "discover.json").exists() and (folder / "boxes.csv").exists()
    assert main(["discover", str(smoke), "--outcome", "share_adoptd", "--below", "0.1"]) == 2
    assert "did you mean: share_adopted" in capsys.readouterr().err
    assert main(["discover", str(smoke.parent / "nothing"), "--outcome", "share_adopted", "--below", "0.1"]) == 2
