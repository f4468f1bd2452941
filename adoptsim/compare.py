"""Compare a sweep's scenarios with its baseline: what each one buys, and at what public cost.

Replicate *r* of every variant runs with the same seed as replicate *r* of the
baseline (common random numbers, see ``sweep/FORMAT.md``), so the gain of a
variant is measured run by run, as paired differences
``d_r = X_variant,r - X_baseline,r``. Pairing removes the luck shared by both
runs, which makes the confidence intervals much narrower than comparing two
independent sets of runs would.

:func:`compare` turns a results frame into one row per (variant, horizon);
:func:`format_table` prints it; :func:`compare_directory` does both from a
results directory and writes the CSV and the figures. :class:`Comparison`
wraps a table for display (``print`` gives :func:`format_table`, Jupyter an
HTML table with the same cells).
"""

from __future__ import annotations

import math
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .outcomes import atomic_path
from .sweep.spec import BASELINE, SweepError
from .sweep.store import variant_names

COMPARE_DIR = "compare"

COLUMNS = [
    "variant", "variant_name", "horizon_months", "replicates",
    "baseline_share_adopted", "share_adopted",
    "gain_share_adopted", "gain_share_adopted_lo", "gain_share_adopted_hi", "extra_adopters",
    "water_saved_m3_per_year",
    "gain_water_m3_per_year", "gain_water_m3_per_year_lo", "gain_water_m3_per_year_hi",
    "public_cost", "cost_per_extra_adopter", "cost_per_m3_per_year",
    # collective layer: shares of the initial firms; treatment running as a share of installed; load
    "share_compliant", "share_closed", "share_relocated", "share_treatment_operating", "organic_load_cod_t_per_year",
    "level", "currency",
]
"""Columns of the comparison table, in order (see :func:`compare`)."""
TEXT = ("variant", "variant_name", "currency")


def clip_horizons(frame: pd.DataFrame, horizons: Iterable[int]) -> list[int]:
    """The horizons (months) to report: clipped to the sweep's last month, deduplicated, sorted.

    A sweep of 36 months asked for 60 and 120 months answers at month 36,
    once, rather than failing or reporting the same month twice.

    Raises
    ------
    ValueError
        If a horizon is negative or none is given.
    """
    horizons = [int(h) for h in horizons]
    if not horizons:
        raise ValueError("compare: give at least one horizon (months)")
    if min(horizons) < 0:
        raise ValueError(f"compare: horizons are months from the start and cannot be negative: {horizons}")
    last = int(frame["month"].max())
    return sorted({min(h, last) for h in horizons})


def paired_interval(diffs: np.ndarray, level: float) -> tuple[float, float, float]:
    """Mean of paired differences and its Student-t interval at ``level``.

    ``mean ± t_{(1+level)/2, n-1} · sd / sqrt(n)`` with the sample standard
    deviation (``ddof=1``); the bounds are NaN when there are fewer than two
    pairs, since one run says nothing about the spread.

    Returns
    -------
    tuple of float
        ``(mean, low, high)``.
    """
    diffs = np.asarray(diffs, dtype=float)
    n = diffs.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(diffs.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf((1 + level) / 2, n - 1) * diffs.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def currency_of(manifest: dict) -> str:
    """The currency of the sweep's cluster profile, or ``""`` if it cannot be found.

    Money columns are in the profile's currency; the table and figures say
    which so that a reader does not have to guess.
    """
    try:
        from .profiles import load_profile

        return load_profile(manifest["sweep"]["base"]["cluster"]).profile.currency
    except (KeyError, TypeError, ValueError, OSError):
        return ""


def _ratio(cost: float, gain: float) -> float:
    """Cost per unit of gain; NaN when nothing was gained (the ratio would mislead)."""
    return cost / gain if gain > 0 else math.nan


def _at_horizon(frame: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Rows of every run at month ``horizon``, indexed by (variant, replicate)."""
    rows = frame.loc[frame["month"] == horizon]
    return rows.set_index(["variant", "replicate"]).sort_index()


def _mean(values) -> float:
    """Mean, NaN for no values (without numpy's empty-slice warning)."""
    values = np.asarray(values, dtype=float)
    return float(values.mean()) if values.size else math.nan


def _variant_row(base: pd.DataFrame, var: pd.DataFrame, level: float) -> dict:
    """Paired statistics of one variant against the baseline at one horizon.

    ``base`` and ``var`` are the rows at the horizon indexed by replicate; only
    replicates present in both are used, so every difference is a true pair.
    """
    reps = base.index.intersection(var.index)
    b, v = base.loc[reps], var.loc[reps]

    def diff(col: str) -> np.ndarray:
        return v[col].to_numpy(float) - b[col].to_numpy(float)

    gain, lo, hi = paired_interval(diff("share_adopted"), level)
    water, wlo, whi = paired_interval(diff("water_saved_m3_per_year"), level)
    extra, cost = _mean(diff("adopters")), _mean(diff("public_cost_cumulative"))
    return {
        "replicates": len(reps),
        "baseline_share_adopted": _mean(b["share_adopted"]), "share_adopted": _mean(v["share_adopted"]),
        "gain_share_adopted": gain, "gain_share_adopted_lo": lo, "gain_share_adopted_hi": hi,
        "extra_adopters": extra,
        "water_saved_m3_per_year": _mean(v["water_saved_m3_per_year"]),
        "gain_water_m3_per_year": water, "gain_water_m3_per_year_lo": wlo, "gain_water_m3_per_year_hi": whi,
        "public_cost": cost,
        "cost_per_extra_adopter": _ratio(cost, extra),
        "cost_per_m3_per_year": _ratio(cost, water),
        "share_compliant": _col_mean(v, "share_firms_compliant_of_initial_firms"),
        "share_closed": _col_mean(v, "share_firms_closed_of_initial_firms"),
        "share_relocated": _col_mean(v, "share_firms_relocated_park_of_initial_firms")
        + _col_mean(v, "share_firms_relocated_out_of_initial_firms"),
        "share_treatment_operating": _operating_share(v),
        "organic_load_cod_t_per_year": _col_mean(v, "organic_load_cod_t_per_year"),
    }


def _col_mean(rows: pd.DataFrame, col: str) -> float:
    """Mean of a column, NaN when results written before the column existed lack it."""
    return _mean(rows[col]) if col in rows else math.nan


def _operating_share(rows: pd.DataFrame) -> float:
    """Operating over installed treatment capacity (own and common), NaN when nothing is installed."""
    cols = ("treatment_installed_own_m3_per_year", "treatment_installed_common_m3_per_year",
            "treatment_operating_own_m3_per_year", "treatment_operating_common_m3_per_year")
    if not all(c in rows for c in cols):
        return math.nan
    installed = _mean(rows[cols[0]] + rows[cols[1]])
    return _mean(rows[cols[2]] + rows[cols[3]]) / installed if installed > 0 else math.nan


def compare(frame: pd.DataFrame, manifest: dict, horizons: Sequence[int] = (60, 120),
            level: float = 0.9) -> pd.DataFrame:
    """Gain of every variant over the baseline at each horizon, with paired confidence intervals.

    Parameters
    ----------
    frame, manifest
        What :func:`adoptsim.sweep.load_results` returns.
    horizons
        Months at which to compare; clipped to the sweep's last month (see
        :func:`clip_horizons`).
    level
        Confidence level of the intervals (0.9 = 90 %).

    Returns
    -------
    pandas.DataFrame
        One row per (variant other than the baseline ``s000``, horizon), with
        the columns of :data:`COLUMNS`: means over paired replicates of the
        variant's adoption share and water saved, their gains over the baseline
        (``gain_*``, with ``_lo``/``_hi`` t-interval bounds, NaN with fewer than
        two pairs), ``extra_adopters`` (firms), ``public_cost`` (cumulative to
        the horizon, variant minus baseline) and the cost per extra adopter and
        per m³/year of water saved (NaN when the gain is not positive), the
        confidence ``level`` and the profile's ``currency``. Rows
        are ordered by horizon, then by gain in adoption share, best first.

    Raises
    ------
    SweepError
        If the results hold no baseline runs.
    """
    if not 0 < level < 1:
        raise ValueError(f"compare: level must be between 0 and 1 (e.g. 0.9 for 90 %), got {level}")
    if not (frame["variant"] == BASELINE).any():
        raise SweepError(f"compare: no runs of the baseline ({BASELINE}) yet; finish the sweep first")
    names = variant_names(frame, manifest)
    currency = currency_of(manifest)
    rows = []
    for h in clip_horizons(frame, horizons):
        at = _at_horizon(frame, h)
        present = set(at.index.get_level_values(0))
        base = at.loc[BASELINE] if BASELINE in present else at.iloc[:0].droplevel(0)
        for vid in (v for v in names if v != BASELINE and v in present):
            rows.append({"variant": vid, "variant_name": names[vid], "horizon_months": h,
                         **_variant_row(base, at.loc[vid], level), "level": level, "currency": currency})
    table = pd.DataFrame(rows, columns=COLUMNS)
    return rank(table)


def rank(table: pd.DataFrame) -> pd.DataFrame:
    """Order by horizon, then by gain in adoption share (best first, NaN last, ties by variant id)."""
    table = table.sort_values("variant", kind="stable")
    table = table.sort_values(["horizon_months", "gain_share_adopted"], ascending=[True, False],
                              na_position="last", kind="stable")
    types = {c: "float64" for c in COLUMNS if c not in TEXT}
    return table.reset_index(drop=True).astype({**types, "horizon_months": "int64", "replicates": "int64"})


# ---------------------------------------------------------------- terminal table

DASH = "–"


def _share(x: float) -> str:
    return DASH if pd.isna(x) else f"{x:.1%}"


def _pp(x: float) -> str:
    return DASH if pd.isna(x) else f"{100 * x:+.1f}"


def _num(x: float, decimals: int = 0, signed: bool = False) -> str:
    """Thousands separators, a fixed number of decimals, ``–`` for undefined."""
    if pd.isna(x):
        return DASH
    return f"{x:{'+' if signed else ''},.{decimals}f}"


def _money(x: float) -> str:
    """Whole units, but two decimals for small amounts such as a cost per m³."""
    return _num(x, 2 if not pd.isna(x) and abs(x) < 100 and x != 0 else 0)


def _interval(lo: float, hi: float, fmt) -> str:
    return DASH if pd.isna(lo) or pd.isna(hi) else f"[{fmt(lo)}, {fmt(hi)}]"


def _when(months: int) -> str:
    years = f"{months / 12:g}" if months % 12 == 0 else f"{months / 12:.1f}"
    return f"after {months} months ({years} year{'' if years == '1' else 's'})"


def _header(currency: str) -> list[str]:
    money = f" ({currency})" if currency else ""
    return ["#", "id", "adopted", "gain pp", "interval pp", "extra firms", "water gain m3/yr",
            "interval m3/yr", f"public cost{money}", "per extra firm", "per m3/yr", "comply", "closed",
            "treat. running", "scenario"]


def _cells(position: int, r) -> list[str]:
    """The text cells of one table row (``r`` is a row tuple of the comparison table)."""
    return [str(position), r.variant, _share(r.share_adopted),
            _pp(r.gain_share_adopted), _interval(r.gain_share_adopted_lo, r.gain_share_adopted_hi, _pp),
            _num(r.extra_adopters, 1, signed=True), _num(r.gain_water_m3_per_year, signed=True),
            _interval(r.gain_water_m3_per_year_lo, r.gain_water_m3_per_year_hi, lambda x: _num(x, signed=True)),
            _money(r.public_cost), _money(r.cost_per_extra_adopter), _money(r.cost_per_m3_per_year),
            _share(r.share_compliant), _share(r.share_closed), _share(r.share_treatment_operating),
            str(r.variant_name)]


def _aligned(lines: list[list[str]]) -> list[str]:
    """Columns padded to a common width (text left, numbers right), with a rule after the header."""
    widths = [max(len(line[c]) for line in lines) for c in range(len(lines[0]))]
    left = (1, len(widths) - 1)

    def fmt(line: list[str]) -> str:
        return "  ".join(s.ljust(w) if c in left else s.rjust(w) for c, (s, w) in enumerate(zip(line, widths)))

    return [fmt(lines[0]).rstrip(), "  ".join("-" * w for w in widths), *(fmt(line).rstrip() for line in lines[1:])]


def format_table(table: pd.DataFrame) -> str:
    """The comparison as aligned plain text, one block per horizon, best scenario first.

    Shares are percentages and gains percentage points (pp); money and water
    have thousands separators; ``–`` marks a number that is not defined
    (an interval from a single run, a cost per unit when nothing was gained).
    """
    if table.empty:
        return "no scenarios to compare with the baseline"
    label = f"{100 * float(table['level'].iloc[0]):g} %"
    header = _header(str(table["currency"].iloc[0]) if pd.notna(table["currency"].iloc[0]) else "")
    blocks = [(h, rows, [_cells(i + 1, r) for i, r in enumerate(rows.itertuples(index=False))])
              for h, rows in table.groupby("horizon_months", sort=True)]
    # one set of column widths for all horizons, so that the blocks line up
    lines = iter(_aligned([header, *[c for _, _, body in blocks for c in body]]))
    head, rule = next(lines), next(lines)
    out = []
    for h, rows, body in blocks:
        n = rows["replicates"]
        runs = f"{n.min()}" if n.min() == n.max() else f"{n.min()}-{n.max()}"
        base = rows["baseline_share_adopted"].iloc[0]
        out += [f"Compared with the baseline {_when(int(h))}: baseline adoption {_share(base)}, "
                f"{runs} paired runs per scenario", head, rule, *(next(lines) for _ in body), ""]
    out.append(f"gain = scenario minus baseline, run by run with the same random seeds; interval = {label} "
               "confidence interval over runs;")
    out.append("public cost = extra public money spent up to that month; per extra firm / per m3/yr = "
               "public cost divided by the gain (– if no gain).")
    return "\n".join(out)


_NOTES = ("gain = scenario minus baseline, run by run with the same random seeds; interval = {label} "
          "confidence interval over runs; public cost = extra public money spent up to that month; "
          "per extra firm / per m3/yr = public cost divided by the gain (– if no gain).")


def _blocks(table: pd.DataFrame):
    """(caption, rows of text cells) per horizon, the same cells and captions as :func:`format_table`."""
    for h, rows in table.groupby("horizon_months", sort=True):
        n = rows["replicates"]
        runs = f"{n.min()}" if n.min() == n.max() else f"{n.min()}-{n.max()}"
        base = rows["baseline_share_adopted"].iloc[0]
        caption = (f"Compared with the baseline {_when(int(h))}: baseline adoption {_share(base)}, "
                   f"{runs} paired runs per scenario")
        yield caption, [_cells(i + 1, r) for i, r in enumerate(rows.itertuples(index=False))]


def _currency(table: pd.DataFrame) -> str:
    return str(table["currency"].iloc[0]) if pd.notna(table["currency"].iloc[0]) else ""


@dataclass
class Comparison:
    """A comparison table (:func:`compare`) that displays itself.

    ``print(c)`` is :func:`format_table`; in Jupyter it shows as an HTML table
    per horizon with the same cells. ``c.table`` is the DataFrame, unchanged.
    """

    table: pd.DataFrame

    @classmethod
    def of(cls, frame: pd.DataFrame, manifest: dict, horizons: Sequence[int] = (60, 120),
           level: float = 0.9) -> Comparison:
        """:func:`compare` of ``frame`` and ``manifest`` (what :func:`~adoptsim.sweep.load_results` returns)."""
        return cls(compare(frame, manifest, horizons=horizons, level=level))

    @classmethod
    def from_directory(cls, out_dir: str | Path, horizons: Sequence[int] = (60, 120),
                       level: float = 0.9) -> Comparison:
        """Compare the sweep in a results directory without writing anything (see :func:`compare_directory`)."""
        from .sweep import load_results

        return cls.of(*load_results(out_dir), horizons=horizons, level=level)

    def __str__(self) -> str:
        return format_table(self.table)

    def __repr__(self) -> str:
        t = self.table
        horizons = sorted(set(t["horizon_months"].tolist()))
        return f"<Comparison: {t['variant'].nunique()} scenario(s) against the baseline at months {horizons}>"

    def _notes(self) -> str:
        return _NOTES.format(label=f"{100 * float(self.table['level'].iloc[0]):g} %")

    def _repr_markdown_(self) -> str:
        if self.table.empty:
            return format_table(self.table)
        header = _header(_currency(self.table))
        out = []
        for caption, body in _blocks(self.table):
            out += [f"**{caption}**", "", "| " + " | ".join(header) + " |",
                    "|" + "|".join("---" if c in (1, len(header) - 1) else "--:" for c in range(len(header))) + "|",
                    *("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in body), ""]
        return "\n".join([*out, self._notes()])

    def _repr_html_(self) -> str:
        if self.table.empty:
            return f"<p>{html.escape(format_table(self.table))}</p>"
        header = _header(_currency(self.table))
        left = (1, len(header) - 1)

        def cell(tag: str, c: int, text: str) -> str:
            return f"<{tag} style='text-align:{'left' if c in left else 'right'}'>{html.escape(text)}</{tag}>"

        head = "<tr>" + "".join(cell("th", c, h) for c, h in enumerate(header)) + "</tr>"
        parts = []
        for caption, body in _blocks(self.table):
            rows = "".join("<tr>" + "".join(cell("td", c, x) for c, x in enumerate(row)) + "</tr>" for row in body)
            parts.append(f"<table class='adoptsim-compare'><caption style='text-align:left'>{html.escape(caption)}"
                         f"</caption><thead>{head}</thead><tbody>{rows}</tbody></table>")
        return f"<div>{''.join(parts)}<p><small>{html.escape(self._notes())}</small></p></div>"


# ---------------------------------------------------------------- files

def write_table(table: pd.DataFrame, path: Path) -> Path:
    """Write the table as CSV atomically (nothing half-written if interrupted)."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)
    return Path(path)


def compare_directory(out_dir: str | Path, horizons: Sequence[int] = (60, 120), level: float = 0.9,
                      figures: bool = True) -> tuple[pd.DataFrame, list[Path]]:
    """Compare the sweep in results directory ``out_dir`` and write ``out_dir/compare/``.

    Writes ``compare.csv`` and, if ``figures``, ``fans.png`` (adoption fan
    charts, one panel per scenario) and ``cost_effectiveness.png`` (gain
    versus public cost at the longest horizon). Every file is written
    atomically.

    Returns
    -------
    tuple
        The table of :func:`compare` and the paths written.
    """
    from .sweep import load_results

    out_dir = Path(out_dir)
    frame, manifest = load_results(out_dir)
    table = compare(frame, manifest, horizons=horizons, level=level)
    target = out_dir / COMPARE_DIR
    paths = [write_table(table, target / "compare.csv")]
    if figures:
        from .viz.curves import save_figure
        from .viz.fans import cost_effectiveness_chart, fan_chart

        paths.append(save_figure(fan_chart(frame, manifest), target / "fans.png"))
        if not table.empty:
            chart = cost_effectiveness_chart(table, int(table["horizon_months"].max()))
            paths.append(save_figure(chart, target / "cost_effectiveness.png"))
    return table, paths
