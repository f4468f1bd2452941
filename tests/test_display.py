"""How results show themselves in Jupyter: RunResult and Comparison (HTML, Markdown, repr)."""

from __future__ import annotations

import base64
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from adoptsim import run
from adoptsim.compare import Comparison, compare, compare_directory, format_table
from adoptsim.run import headline_rows
from adoptsim.sweep import load_results, load_sweep, run_sweep

PNG = b"\x89PNG\r\n\x1a\n"
SWEEP = """
[sweep]
name = "display"
base = "moradabad"
replicates = 3
seed = 11
n_firms = 150
months = 36
design = "factorial"

[factors]
capex_subsidy_share = [0.2, 0.5]
"""


@pytest.fixture(scope="module")
def result():
    return run(n_firms=200, months=48, capex_subsidy_share=0.3)


def cells(html: str) -> list[list[str]]:
    """The text of every table row's cells, header rows included."""
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row) for row in re.findall(r"<tr>(.*?)</tr>", html)]


def test_html_has_the_headline_numbers_with_labels_and_units(result):
    s = result.summary
    table = {row[0]: row[1:] for row in cells(result._repr_html_())}
    assert table["outcome"] == ["value", "unit"]
    assert table["Firms at the start"] == ["200", "firms"]
    assert table["Months simulated"] == ["48", "months"]
    assert table["Firms that adopted something"] == [f"{100 * s['share_adopted']:.1f}", "% of firms"]
    assert table["Firms aware of cleaner production"] == [f"{100 * s['share_aware']:.1f}", "% of firms"]
    assert table["Water saved"] == [f"{s['water_saved_m3_per_year']:,.0f}", "m³/yr"]
    assert table["Public money spent"] == [f"{s['public_cost']:,.0f}", "INR"]
    assert s["public_cost"] > 0  # the subsidy paid out: the money rows carry real numbers
    # the same numbers as the terminal summary
    assert f"{s['water_saved_m3_per_year']:,.0f} m3/yr" in str(result)
    assert f"INR {s['public_cost']:,.0f}" in str(result)


def test_html_embeds_a_png_adoption_curve(result):
    html = result._repr_html_()
    png = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)
    assert png is not None
    assert base64.b64decode(png.group(1)).startswith(PNG)
    assert len(html) < 100_000  # light: a small figure, not the full two-panel chart


def test_html_escapes_the_scenario_name():
    r = run(n_firms=50, months=6, name="subsidy <30%> & outreach")
    html = r._repr_html_()
    assert "subsidy &lt;30%&gt; &amp; outreach" in html
    assert "<30%>" not in html


def test_markdown_and_repr(result):
    md = result._repr_markdown_().splitlines()
    rows = [line for line in md if line.startswith("| ") and not line.startswith("| outcome")]
    assert len(rows) == len(headline_rows(result.summary))
    assert f"| Firms that adopted something | {100 * result.summary['share_adopted']:.1f} | % of firms |" in md
    text = repr(result)
    assert text.startswith("<RunResult 'default': moradabad, 200 firms, 48 months;")
    assert f"{result.summary['share_adopted']:.1%} adopted" in text
    assert "\n" not in text  # not the frame and model dumped
    assert list(result.headline().columns) == ["outcome", "value", "unit"]


def test_rows_for_moves_closures_and_undefined_ratios(result):
    s = dict(result.summary, firms_closed=7, public_cost_per_m3_per_year=math.nan,
             months_to_20pct=math.nan, months_to_50pct=31.0)
    rows = {label: (value, unit) for label, value, unit in headline_rows(s)}
    assert rows["Firms closed"] == ("7", "firms")
    assert rows["Public money per m³/yr of water saved"][0] == "–"
    assert rows["Adoption reached 20 %"] == ("not reached", "month")
    assert rows["Adoption reached 50 %"] == ("31", "month")
    assert "Firms closed" not in {label for label, _, _ in headline_rows(result.summary)}


# ---------------------------------------------------------------- comparison

@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("display")
    (root / "display.toml").write_text(SWEEP)
    run_sweep(load_sweep(root / "display.toml"), root / "out", progress=False)
    return root / "out"


def test_compare_still_returns_a_dataframe(sweep_dir):
    table = compare(*load_results(sweep_dir), horizons=[24, 36])
    assert isinstance(table, pd.DataFrame)
    written, _ = compare_directory(sweep_dir, horizons=[24, 36], figures=False)
    assert isinstance(written, pd.DataFrame)
    pd.testing.assert_frame_equal(Comparison.from_directory(sweep_dir, horizons=[24, 36]).table, written)


def test_comparison_html_holds_every_row_of_the_table(sweep_dir):
    c = Comparison.of(*load_results(sweep_dir), horizons=[24, 36])
    assert str(c) == format_table(c.table)
    html = c._repr_html_()
    assert html.count("<table") == 2  # one per horizon
    assert "Compared with the baseline after 24 months (2 years)" in html
    assert "Compared with the baseline after 36 months (3 years)" in html
    assert "3 paired runs per scenario" in html
    rows = [r for r in cells(html) if r[0] != "#"]
    assert len(rows) == len(c.table) == 4
    header = cells(html)[0]
    assert "public cost (INR)" in header
    by_key = {(r[1], i // 2): dict(zip(header, r)) for i, r in enumerate(rows)}
    for h, (_, t) in enumerate(c.table.groupby("horizon_months", sort=True)):
        for r in t.itertuples():
            row = by_key[(r.variant, h)]
            assert row["adopted"] == f"{r.share_adopted:.1%}"
            assert row["gain pp"] == f"{100 * r.gain_share_adopted:+.1f}"
            assert row["scenario"] == r.variant_name
    # ranked best first, as in the terminal table
    best = c.table[c.table["horizon_months"] == 36].iloc[0]
    assert rows[2][1] == best["variant"] and rows[2][0] == "1"


def test_comparison_markdown_and_empty(sweep_dir):
    c = Comparison.of(*load_results(sweep_dir), horizons=[36])
    md = c._repr_markdown_()
    body = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith("| #")]
    assert len(body) == 2
    assert "after 36 months (3 years)" in md
    assert repr(c) == "<Comparison: 2 scenario(s) against the baseline at months [36]>"
    empty = Comparison(c.table.iloc[:0])
    assert "no scenarios to compare" in empty._repr_html_()
    assert empty._repr_markdown_() == format_table(empty.table)
