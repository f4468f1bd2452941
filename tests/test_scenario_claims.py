"""Each shipped scenario says in its description what it shows; each statement is checked here.

Five replicates per scenario (its own seed and the next four), with the shipped calibrated defaults; a
statement must hold in every replicate (paired statements compare runs with the same seed). A model
change that falsifies a statement fails here: rewrite the statement from the new numbers, on purpose.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pytest

from adoptsim.kernel import simulate
from adoptsim.population import build_world
from adoptsim.scenario import load_scenario

EXPERIMENTS = "adoptsim/experiments"
REPLICATES = 5


@functools.lru_cache(maxsize=None)
def outcomes(name: str) -> dict[str, np.ndarray]:
    """Month-120 outcomes per replicate, as shares of the initial firms."""
    import os

    saved = os.environ.pop("ADOPTSIM_CALIBRATED", None)  # the shipped calibrated defaults, as a user runs them
    try:
        scenario = load_scenario(f"{EXPERIMENTS}/{name}.toml")
        rows = []
        for r in range(REPLICATES):
            world = build_world(scenario.model_copy(update={"seed": scenario.seed + r}))
            names = world.profile.option_names
            etp0 = world.series.by_option[0, names.index("etp")] if "etp" in names else 0
            simulate(world.firms, world.options, world.params, world.cost, world.series, world.bodies)
            s, f, n = world.series, world.firms, world.firms.shape[0]
            compliant, _, park, away, closed = s.status[-1] / n
            rows.append(dict(adopted=s.adopters[-1] / n, compliant=compliant, park=park, away=away, closed=closed,
                             exited=park + away + closed, etp0=etp0 / n,
                             through_plant=(f.connected & (f.status == 0)).sum() / n,
                             modern=s.by_option[-1, names.index("modern_dyeing")] / n if "modern_dyeing" in names else 0))
    finally:
        if saved is not None:
            os.environ["ADOPTSIM_CALIBRATED"] = saved
    return {key: np.array([row[key] for row in rows]) for key in rows[0]}


def paired(name: str, base: str, key: str) -> bool:
    return bool((outcomes(name)[key] > outcomes(base)[key]).all())


CLAIMS: dict[str, tuple[str, Callable[[], bool]]] = {
    "kanpur-baseline": (
        "It shows: about 60 % of tanneries start with an ETP installed, yet fewer than one in ten meets the "
        "discharge standard after ten years (most ETPs stand idle).",
        lambda: ((0.5 < (o := outcomes("kanpur-baseline"))["etp0"]) & (o["etp0"] < 0.7) & (o["compliant"] < 0.1)).all()),
    "kanpur-buyer-platform": (
        "It shows: the buyer platform raises compliance above the baseline's in every run (about 13 % against 3 %).",
        lambda: paired("kanpur-buyer-platform", "kanpur-baseline", "compliant")),
    "kanpur-zld-common-plant-finance": (
        "It shows: most tanneries comply through the common ZLD plant (about two thirds), while about a third "
        "close or move out.",
        lambda: ((o := outcomes("kanpur-zld-common-plant-finance"))["through_plant"] > 0.5).all()
        and ((0.15 < o["exited"]) & (o["exited"] < 0.5)).all()),
    "kanpur-zld-common-plant": (
        "It shows: without co-finance no chapter can finance its plant, and every tannery closes or moves out.",
        lambda: ((o := outcomes("kanpur-zld-common-plant"))["through_plant"] == 0).all() and (o["exited"] > 0.99).all()),
    "kanpur-zld-exit": (
        "It shows: individual ZLD is beyond the tanneries' means: every tannery closes (about three in four) or "
        "moves out.",
        lambda: ((o := outcomes("kanpur-zld-exit"))["exited"] > 0.99).all() and (o["closed"] > 0.6).all()),
    "kanpur-zld-exit-finance": (
        "It shows: finance for individual ZLD buys no compliance (lenders' cash-flow limits), but most tanneries "
        "can then afford to move out instead of closing.",
        lambda: ((o := outcomes("kanpur-zld-exit-finance"))["compliant"] < 0.01).all() and (o["away"] > o["closed"]).all()),
    "kanpur-zld-mandate": (
        "It shows: without closure orders the tanneries stay, none compliant, and fines drive a few per cent "
        "into insolvency.",
        lambda: ((o := outcomes("kanpur-zld-mandate"))["compliant"] < 0.01).all()
        and ((0 < o["closed"]) & (o["closed"] < 0.1)).all()),
    "kanpur-zld-relocation": (
        "It shows: park plots turn part of the closures into moves to the park (about a fifth of tanneries); "
        "nobody complies at the old sites.",
        lambda: ((o := outcomes("kanpur-zld-relocation"))["park"] > 0.1).all() and (o["compliant"] < 0.01).all()),
    "kanpur-zld-relocation-finance": (
        "It shows: with finance and supported plots more tanneries move to the park, and fewer close, than "
        "without support.",
        lambda: paired("kanpur-zld-relocation-finance", "kanpur-zld-relocation", "park")
        and paired("kanpur-zld-relocation", "kanpur-zld-relocation-finance", "closed")),
    "lahore-baseline": (
        "It shows: with no project few firms adopt anything within ten years (about 1-20 %): the practice package "
        "pays back in about 9 months, longer than most owners wait.",
        lambda: ((0.005 < (o := outcomes("lahore-baseline"))["adopted"]) & (o["adopted"] < 0.2)).all()),
    "lahore-green-finance": (
        "It shows: the scheme adds little (under 3 points in every run): the firms it could move pay from their own "
        "cash first, and the rest rarely reach a loan.",
        lambda: (0 <= (gain := outcomes("lahore-green-finance")["adopted"] - outcomes("lahore-baseline")["adopted"])).all()
        and (gain < 0.03).all()),
    "lahore-sindh-package": (
        "It shows: the package raises adoption above the baseline in every run.",
        lambda: paired("lahore-sindh-package", "lahore-baseline", "adopted")),
    "moradabad-baseline": (
        "It shows: about a tenth of the units adopt something within ten years.",
        lambda: ((0.07 < (o := outcomes("moradabad-baseline"))["adopted"]) & (o["adopted"] < 0.2)).all()),
    "moradabad-capex-subsidy": (
        "It shows: the subsidy raises adoption above the baseline in every run.",
        lambda: paired("moradabad-capex-subsidy", "moradabad-baseline", "adopted")),
    "moradabad-outreach-demos": (
        "It shows: outreach with demo days raises adoption above the baseline in every run.",
        lambda: paired("moradabad-outreach-demos", "moradabad-baseline", "adopted")),
    "taihu-baseline": (
        "It shows: every mill meets the standard through the park's plant.",
        lambda: (outcomes("taihu-baseline")["compliant"] == 1).all()),
    "taihu-relaxed-expansion": (
        "It shows: relaxing the rule lets a few mills (at most 3 of the 23) install modern dyeing in ten years at "
        "these paybacks and this finance; compliance through the park plant is unchanged.",
        lambda: ((o := outcomes("taihu-relaxed-expansion"))["modern"] <= 3 / 23 + 1e-12).all() and (o["compliant"] == 1).all()
        and (outcomes("taihu-baseline")["modern"] == 0).all()),
    "taihu-park-committee": (
        "It shows: the Committee's fines close some untreated mills in every run (from about a tenth to over half); "
        "when too few remain to carry it, the park plant idles.",
        lambda: (outcomes("taihu-park-committee")["closed"] > 0.1).all()),
    "taihu-park-committee-relaxed": (
        "It shows: the same as taihu-park-committee: relaxing the expansion rule changes nothing here.",
        lambda: all(np.array_equal(outcomes("taihu-park-committee-relaxed")[k], outcomes("taihu-park-committee")[k])
                    for k in ("adopted", "compliant", "exited"))),
}


def test_every_shipped_scenario_has_a_checked_statement():
    from pathlib import Path

    shipped = {p.stem for p in Path(EXPERIMENTS).glob("*.toml")
               if not p.stem.startswith(("sweep-", "smoke-", "sensitivity-"))}
    assert shipped == set(CLAIMS)


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_the_description_states_what_the_scenario_shows_and_it_holds(name):
    statement, check = CLAIMS[name]
    assert statement in load_scenario(f"{EXPERIMENTS}/{name}.toml").description
    assert check(), f"{name}: {statement} -- outcomes {outcomes(name)}"
