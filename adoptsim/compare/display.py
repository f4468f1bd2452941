"""The comparison as text: a terminal table that fits 100 columns, and Jupyter's HTML and Markdown.

The terminal table leads with the measure the rows are ranked by and its
interval (and, with posterior draws or an uncertainty sample, the noise and
parameter parts of it), then as many other measures as fit, then the
scenario's name, shortened if needed (the names are listed in full below).
Jupyter's tables hold every measure with its interval.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Sequence

import pandas as pd

from .effects import BY, MEASURES, Measure, compare, measure

DASH = "–"
#: the order in which the terminal table adds measures beside the ranking one, as far as they fit
PRIORITY = ("adoption", "compliance", "water", "public-cost", "cost-per-adopter", "pollution", "cost-per-m3")
WIDTH = 100  # terminal tables fit this many columns


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


def compact(x: float, signed: bool = False) -> str:
    """A number in at most ~7 characters: 12.3M, 127k, 4,350, 0.66 (``–`` for undefined)."""
    if pd.isna(x):
        return DASH
    sign = "+" if signed and x > 0 else ("-" if x < 0 else "")
    a = abs(x)
    if a >= 1e9:
        body = f"{a / 1e9:.3g}bn"
    elif a >= 1e6:
        body = f"{a / 1e6:.3g}M"
    elif a >= 1e5:
        body = f"{a / 1e3:.0f}k"
    elif a >= 100:
        body = f"{a:,.0f}"
    elif a == 0:
        body = "0"
    else:
        body = f"{a:.3g}"
    return sign + body


def _fmt(m: Measure, full: bool) -> Callable[[float], str]:
    """Cell format of a measure's values: points for shares, separators (Jupyter) or compact (terminal)."""
    if m.name in ("adoption", "compliance"):
        return _pp
    signed = m.name in ("water", "pollution")
    if full:
        return (lambda x: _num(x, signed=True)) if signed else _money
    return lambda x: compact(x, signed=signed)


def _interval(lo: float, hi: float, fmt) -> str:
    if pd.isna(lo) and pd.isna(hi):
        return DASH
    return f"[{fmt(lo) if not pd.isna(lo) else DASH}, {fmt(hi) if not pd.isna(hi) else 'no bound'}]"


def _when(months: int) -> str:
    years = f"{months / 12:g}" if months % 12 == 0 else f"{months / 12:.1f}"
    return f"after {months} months ({years} year{'' if years == '1' else 's'})"


def _label(m: Measure, currency: str, full: bool = True) -> str:
    text = m.label if full else (m.short or m.label)
    return f"{text} ({currency})" if m.name == "public-cost" and currency else text


def _currency(table: pd.DataFrame) -> str:
    return str(table["currency"].iloc[0]) if pd.notna(table["currency"].iloc[0]) else ""


def _by(table: pd.DataFrame) -> Measure:
    return measure(str(table["ranked_by"].iloc[0])) if "ranked_by" in table and len(table) else BY["adoption"]


def _parts(table: pd.DataFrame) -> bool:
    """Whether the rows have several worlds (so noise and parameter parts differ)."""
    return bool((table["worlds"] > 1).any()) if "worlds" in table else False


@dataclass(frozen=True)
class Col:
    header: str
    cell: Callable  # row tuple -> text
    left: bool = False


def _columns(table: pd.DataFrame, full: bool) -> list[Col]:
    """The columns of a table view: the ranking measure first, then the others (every one when ``full``)."""
    by, currency, parts = _by(table), _currency(table), _parts(table)

    def value(m: Measure) -> Col:
        f = _fmt(m, full)
        return Col(_label(m, currency, full), lambda r, c=m.column: f(getattr(r, c)))

    def interval(m: Measure, part: str = "", header: str = "interval") -> Col:
        f = _fmt(m, full)
        return Col(header, lambda r, c=m.column: _interval(getattr(r, f"{c}_{part}lo"), getattr(r, f"{c}_{part}hi"), f))

    cols = [Col("#", lambda r: str(r.position)), Col("id", lambda r: r.variant, left=True)]
    if full:
        cols.append(Col("adopted", lambda r: _share(r.share_adopted)))
    cols += [value(by), interval(by)]
    if parts:
        cols += [interval(by, "noise_", "noise part"), interval(by, "param_", "parameter part")]
    others = MEASURES if full else [BY[n] for n in PRIORITY]
    for m in (m for m in others if m is not by):
        cols.append(value(m))
        if full:
            cols.append(interval(m))
    if full:
        cols += [Col("closed", lambda r: _share(r.share_closed)),
                 Col("treat. running", lambda r: _share(r.share_treatment_operating))]
    return cols


def _caption(h: int, rows: pd.DataFrame) -> str:
    n, w = rows["replicates"], rows["worlds"] if "worlds" in rows else pd.Series([1])
    runs = f"{n.min()}" if n.min() == n.max() else f"{n.min()}-{n.max()}"
    worlds = "" if w.max() <= 1 else f" in each of {w.min() if w.min() == w.max() else f'{w.min()}-{w.max()}'} worlds"
    base, comply = rows["baseline_share_adopted"].iloc[0], rows["baseline_share_compliant"].iloc[0]
    return (f"Compared with the baseline {_when(int(h))}: baseline adoption {_share(base)}"
            + (f", compliance {_share(comply)}" if pd.notna(comply) else "")
            + f", {runs} paired runs per scenario{worlds}")


def _notes(table: pd.DataFrame) -> list[str]:
    by = _by(table)
    label = f"{100 * float(table['level'].iloc[0]):g} %"
    out = [f"ranked by {by.name}: {by.means} ({'higher' if by.better == 'higher' else 'lower'} is better).",
           "gain = scenario minus baseline, run by run with the same random seeds; interval = "
           f"{label} paired bootstrap interval;"]
    if _parts(table):
        out.append("noise part = replicates resampled (run-to-run luck), parameter part = posterior draws / "
                   "uncertainty sample resampled;")
    out.append("public cost = extra public money up to that month; per extra firm / per m3/yr = public cost "
               "over the gain (– if no gain; 'no bound' when the gain's interval reaches zero).")
    return out


def _rows(rows: pd.DataFrame):
    return [r._replace(position=i + 1) for i, r in enumerate(rows.assign(position=0).itertuples(index=False))]


def _fit(lines: list[list[str]], cols: list[Col], width: int) -> list[str]:
    """Columns padded to a common width (text left, numbers right), with a rule after the header."""
    widths = [max(len(line[c]) for line in lines) for c in range(len(cols))]

    def fmt(line: list[str]) -> str:
        return "  ".join(s.ljust(w) if cols[c].left else s.rjust(w) for c, (s, w) in enumerate(zip(line, widths)))

    return [fmt(lines[0]).rstrip(), "  ".join("-" * w for w in widths)[:width], *(fmt(line).rstrip() for line in lines[1:])]


def format_table(table: pd.DataFrame, width: int = WIDTH) -> str:
    """The comparison as aligned plain text at most ``width`` columns wide, one block per horizon, best first.

    Shares are percentages and gains percentage points (pp); money and water
    are compact (``12.3M``, ``127k``); ``–`` marks a number that is not
    defined (an interval from a single run, a cost per unit when nothing was
    gained). Measures that do not fit are left out (``compare.csv`` has all);
    long scenario names are shortened and listed in full below.
    """
    if table.empty:
        return "no scenarios to compare with the baseline"
    blocks = [(h, _rows(rows)) for h, rows in table.groupby("horizon_months", sort=True)]
    every = [r for _, rows in blocks for r in rows]
    cols = _columns(table, full=False)
    name_min = 18
    while True:  # drop trailing measures until the numbers leave room for a name
        lines = [[c.header for c in cols], *[[c.cell(r) for c in cols] for r in every]]
        used = sum(max(len(line[i]) for line in lines) for i in range(len(cols))) + 2 * len(cols)
        if used + name_min <= width or len(cols) <= 4 + 2 * _parts(table):
            break
        cols = cols[:-1]
    room = max(width - used, 8)
    short = {}
    for r in every:
        name = str(r.variant_name)
        short[r.variant] = name if len(name) <= room else name[:room - 1] + "…"
    cols = [*cols, Col("scenario", lambda r: short[r.variant], left=True)]
    lines = iter(_fit([[c.header for c in cols], *[[c.cell(r) for c in cols] for r in every]], cols, width))
    head, rule = next(lines), next(lines)
    out = []
    for h, rows in blocks:
        out += [*textwrap.wrap(_caption(h, table[table["horizon_months"] == h]), width), head, rule,
                *(next(lines) for _ in rows), ""]
    out += textwrap.wrap(" ".join(_notes(table)), width)
    cut = {r.variant: str(r.variant_name) for r in every if short[r.variant] != str(r.variant_name)}
    if cut:
        out += ["", "scenarios:"] + [line for vid, name in cut.items() for line in textwrap.wrap(
            name, width, initial_indent=f"  {vid}  ", subsequent_indent=" " * (len(vid) + 4))]
    return "\n".join(out)


def _blocks(table: pd.DataFrame, cols: list[Col]):
    """(caption, rows of text cells) per horizon, the captions of :func:`format_table`."""
    for h, rows in table.groupby("horizon_months", sort=True):
        yield _caption(h, rows), [[c.cell(r) for c in cols] for r in _rows(rows)]


@dataclass
class Comparison:
    """A comparison table (:func:`compare`) that displays itself.

    ``print(c)`` is :func:`format_table`; in Jupyter it shows as an HTML table
    per horizon with every measure and interval. ``c.table`` is the DataFrame, unchanged.
    """

    table: pd.DataFrame

    @classmethod
    def of(cls, frame: pd.DataFrame, manifest: dict, horizons: Sequence[int] = (60, 120),
           level: float = 0.9, by: str = "adoption") -> Comparison:
        """:func:`compare` of ``frame`` and ``manifest`` (what :func:`~adoptsim.sweep.load_results` returns)."""
        return cls(compare(frame, manifest, horizons=horizons, level=level, by=by))

    @classmethod
    def from_directory(cls, out_dir: str | Path, horizons: Sequence[int] = (60, 120),
                       level: float = 0.9, by: str = "adoption") -> Comparison:
        """Compare the sweep in a results directory without writing anything (see :func:`compare_directory`)."""
        from ..sweep import load_results

        return cls.of(*load_results(out_dir), horizons=horizons, level=level, by=by)

    def __str__(self) -> str:
        return format_table(self.table)

    def __repr__(self) -> str:
        t = self.table
        horizons = sorted(set(t["horizon_months"].tolist()))
        return f"<Comparison: {t['variant'].nunique()} scenario(s) against the baseline at months {horizons}>"

    def _cols(self) -> list[Col]:
        return [*_columns(self.table, full=True), Col("scenario", lambda r: str(r.variant_name), left=True)]

    def _repr_markdown_(self) -> str:
        if self.table.empty:
            return format_table(self.table)
        cols = self._cols()
        out = []
        for caption, body in _blocks(self.table, cols):
            out += [f"**{caption}**", "", "| " + " | ".join(c.header for c in cols) + " |",
                    "|" + "|".join("---" if c.left else "--:" for c in cols) + "|",
                    *("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in body), ""]
        return "\n".join([*out, " ".join(_notes(self.table))])

    def _repr_html_(self) -> str:
        if self.table.empty:
            return f"<p>{html.escape(format_table(self.table))}</p>"
        cols = self._cols()

        def cell(tag: str, c: Col, text: str) -> str:
            return f"<{tag} style='text-align:{'left' if c.left else 'right'}'>{html.escape(text)}</{tag}>"

        head = "<tr>" + "".join(cell("th", c, c.header) for c in cols) + "</tr>"
        parts = []
        for caption, body in _blocks(self.table, cols):
            rows = "".join("<tr>" + "".join(cell("td", c, x) for c, x in zip(cols, row)) + "</tr>" for row in body)
            parts.append(f"<table class='adoptsim-compare'><caption style='text-align:left'>{html.escape(caption)}"
                         f"</caption><thead>{head}</thead><tbody>{rows}</tbody></table>")
        return f"<div>{''.join(parts)}<p><small>{html.escape(' '.join(_notes(self.table)))}</small></p></div>"
