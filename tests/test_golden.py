"""Every series column of every shipped scenario is bit-identical to the recorded golden outputs.

A refactor must leave this green. A model change that moves numbers on purpose
regenerates ``tests/golden/digests.json`` (``python -m tests.golden.record``)
and its closing note says which numbers moved and why.
"""

from __future__ import annotations

import json

import pytest

from tests.golden.record import DIGESTS, ENVIRONMENT, digests_of, environment, scenario_files

GOLDEN = json.loads(DIGESTS.read_text())
RECORDED_WITH = json.loads(ENVIRONMENT.read_text())


def _environment_note() -> str:
    """Which versions differ from those the digests were recorded with ('' if none)."""
    now = environment()
    differ = [f"{k} {RECORDED_WITH.get(k)} -> {now.get(k)}" for k in sorted(set(now) | set(RECORDED_WITH))
              if k != "python" and now.get(k) != RECORDED_WITH.get(k)]
    return f" (recorded with other versions: {', '.join(differ)}; install constraints.txt)" if differ else ""


def test_every_shipped_scenario_has_a_golden_record():
    assert set(GOLDEN) == {"default"} | {p.stem for p in scenario_files()}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_series_bit_identical(name, shipped_calibration):
    from adoptsim import load_scenario, run
    from adoptsim.scenario import default_scenario
    from tests.golden.record import EXPERIMENTS

    scenario = default_scenario() if name == "default" else load_scenario(EXPERIMENTS / f"{name}.toml")
    got = digests_of(run(scenario).frame)
    want = GOLDEN[name]["columns"]
    assert set(got) == set(want), f"columns changed: {set(got) ^ set(want)}"
    moved = sorted(c for c in want if got.get(c) != want[c])
    assert not moved, f"{name}: {len(moved)} column(s) moved: {moved[:10]}{_environment_note()}"
