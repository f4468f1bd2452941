"""The cost-effectiveness chart numbers its points, with a key, and no two labels ever overlap."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from adoptsim.report import slide  # noqa: E402
from adoptsim.viz.fans import cost_effectiveness_chart, number_key, place_labels  # noqa: E402


def crowded_table(n: int = 24) -> pd.DataFrame:
    """``n`` scenarios, most of them bunched at a few costs and gains, some with identical results."""
    rng = np.random.default_rng(3)
    cost = np.repeat([0.0, 2e7, 2.1e7, 5e7], n // 4) + rng.uniform(0, 2e5, n)
    gain = np.repeat([0.01, 0.03, 0.031, 0.05], n // 4) + rng.uniform(0, 0.001, n)
    cost[1], gain[1] = cost[0], gain[0]  # the same result: one shared label
    return pd.DataFrame({
        "variant": [f"s{i:03d}" for i in range(1, n + 1)],
        "variant_name": [f"capex_subsidy_share=0.{i}, green_finance_guarantee=0.{n - i}" for i in range(n)],
        "horizon_months": 60, "public_cost": cost, "gain_share_adopted": gain, "gain_share_adopted_lo": gain - 0.01,
        "gain_share_adopted_hi": gain + 0.01, "currency": "PKR", "level": 0.9})


def _overlaps(ax: plt.Axes) -> list[tuple[str, str]]:
    ax.figure.canvas.draw()
    texts = [t for t in ax.texts if t.get_text()]
    boxes = [(t.get_text()[:20], t.get_window_extent()) for t in texts]
    return [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2) if ba.overlaps(bb)]


def test_24_points_are_numbered_with_a_key_and_no_label_overlaps():
    table = crowded_table()
    fig = cost_effectiveness_chart(table, 60)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert "1, 2" in labels  # identical results share one label
    numbers = {int(n) for t in labels if t.replace(", ", "").isdigit() for n in t.split(", ")}
    assert numbers == set(range(1, 25))
    key = next(t for t in labels if t.startswith("1. "))
    assert "24. capex_subsidy_share=0.23" in key  # names only in the key, never beside a point
    assert not any("capex" in t for t in labels if t is not key)
    assert _overlaps(ax) == []
    plt.close(fig)


@pytest.mark.parametrize("n", [8, 24])
def test_labels_do_not_overlap_on_the_report_slide(n):
    """The report's sequence: the chart without its key, resized to a slide, its own key, the labels again."""
    table = crowded_table(n)
    numbers = {v: i for i, v in enumerate(table["variant"][::-1], 1)}  # the report's numbers, not the row order
    fig = slide(cost_effectiveness_chart(table, 60, numbers=numbers, key=False))
    ax = fig.axes[0]
    number_key(ax, [f"{k}. scenario {k}" for k in range(1, n + 1)], fontsize=12, width=46)
    fig.canvas.draw()
    place_labels(ax)
    assert str(n) + ", " + str(n - 1) in [t.get_text() for t in ax.texts]  # s001 and s002 share a point
    assert _overlaps(ax) == []
    plt.close(fig)
