"""One self-contained HTML report of a results directory, and figures sized for slides.

``adoptsim report DIR --out OUT`` reads what ``DIR`` holds and writes

* ``OUT/report.html``: one file, every figure embedded as a base64 PNG, no
  script, no stylesheet or font to fetch, no link to another host: it opens
  offline and can be mailed as it is;
* ``OUT/figures/NN-name.png`` and ``.svg``: the same figures at 16:9 slide
  size (13.33 x 7.5 in) with large fonts, to drop into a presentation.

``DIR`` may be

* a sweep results directory (``manifest.json`` and ``runs/``, from ``adoptsim
  sweep``): adoption fan charts of every scenario (best first, six panels a
  slide), the gain of each scenario over the baseline (chart and table, via
  :func:`adoptsim.compare.compare`), and what each buys for its public cost;
* a sensitivity directory (``sensitivity.json``, ``indices.csv``): the indices
  chart (its design sweep in ``sweep/`` is not a set of scenarios to compare);
* any other results directory, e.g. a calibration: its ``report.md`` summary,
  its PNG figures and, without a summary, its small tables.

Sweeps found one or two levels below ``DIR`` are reported too.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from .outcomes import atomic_path  # noqa: E402

SLIDE = (40 / 3, 7.5)  # inches: 16:9
SLIDE_DPI = 150        # 2000 x 1125 pixels
FONT_SCALE = 1.7       # the library's figures are sized for A4 pages; a slide is read from across a room
MIN_FONT = 15.0        # points, after scaling
PANELS_PER_SLIDE = 6   # baseline + five scenarios: a 2 x 3 grid
BARS_PER_SLIDE = 12


class ReportError(ValueError):
    """A directory that holds nothing to report; the message says what was looked for."""


# ---------------------------------------------------------------- figures


def slide(fig: plt.Figure, *, scale: float = FONT_SCALE, min_font: float = MIN_FONT) -> plt.Figure:
    """Resize a library figure to a 16:9 slide and enlarge every text in it.

    Text sizes are multiplied by ``scale`` and raised to at least
    ``min_font`` points; the layout is then redone, leaving room at the
    bottom for a figure legend if there is one.
    """
    fig.set_size_inches(*SLIDE)
    ticks = set()
    for ax in fig.axes:  # tick labels via tick_params, so ticks made later get the size too
        for axis in ("x", "y"):
            labels = getattr(ax, f"get_{axis}ticklabels")()
            ticks |= {id(t) for t in labels}
            size = labels[0].get_fontsize() if labels else MIN_FONT / scale
            ax.tick_params(axis=axis, labelsize=max(min_font, size * scale))
    for text in fig.findobj(Text):
        if text.get_text() and id(text) not in ticks:
            text.set_fontsize(max(min_font, text.get_fontsize() * scale))
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.get_ylabel()]
    labels = {ax.get_ylabel() for ax in axes}
    if len(axes) > 1 and len(labels) == 1:  # one label for a grid of panels, not one squeezed beside each row
        size = axes[0].yaxis.label.get_fontsize()
        for ax in axes:
            ax.set_ylabel("")
        fig.supylabel(labels.pop(), fontsize=size)
    for ax in fig.axes:  # panel titles re-wrapped to the panel's width at their new size
        title = ax.get_title(loc="left")
        if title and ax.get_visible():
            size = ax.title.get_fontsize() if ax.get_title() else ax._left_title.get_fontsize()
            width_pt = ax.get_position().width * SLIDE[0] * 72
            ax.set_title(textwrap.fill(title.replace("\n", " "), max(20, int(width_pt / (0.55 * size)))),
                         loc="left", fontsize=size)
    engine = fig.get_layout_engine()
    if engine is None or type(engine).__name__ != "ConstrainedLayoutEngine":
        bottom = 0.0
        if fig.legends:
            fig.canvas.draw()
            bottom = max(lg.get_window_extent().height for lg in fig.legends) / fig.bbox.height + 0.01
        fig.tight_layout(rect=(0, bottom, 1, 1))
    for ax in fig.axes:
        _declutter(ax)
    return fig


def _declutter(ax: plt.Axes, pad: float = 2.0) -> None:
    """Move point labels (annotations in offset points) down until none overlaps another."""
    from matplotlib.text import Annotation

    notes = [t for t in ax.texts if isinstance(t, Annotation) and t.get_text()
             and getattr(t, "_textcoords", None) == "offset points"]
    if len(notes) < 2:
        return
    fig = ax.figure
    fig.canvas.draw()
    to_points = 72 / fig.dpi
    placed = []
    for note in sorted(notes, key=lambda t: -t.get_window_extent().y1):
        for _ in range(50):
            box = note.get_window_extent().expanded(1.0, 1.0)
            hit = next((b for b in placed if box.overlaps(b)), None)
            if hit is None:
                break
            dx, dy = note.xyann
            note.xyann = (dx, dy - (box.y1 - hit.y0) * to_points - pad)
        placed.append(note.get_window_extent())


def comparison_chart(table: pd.DataFrame, horizon: int, names: Sequence[str] | None = None,
                     numbers: Sequence[int] | None = None) -> plt.Figure:
    """Gain in the share of firms that adopted, per scenario, with its confidence interval.

    One horizontal bar per scenario of ``table`` (the output of
    :func:`adoptsim.compare.compare`) at ``horizon``, best first; ``names``
    restricts and orders the scenarios shown, ``numbers`` prefixes their labels.
    """
    rows = table.loc[table["horizon_months"] == horizon]
    if names is not None:
        rows = rows.set_index("variant_name").loc[list(names)].reset_index()
    gain = 100 * rows["gain_share_adopted"].to_numpy(float)
    lo = 100 * rows["gain_share_adopted_lo"].to_numpy(float)
    hi = 100 * rows["gain_share_adopted_hi"].to_numpy(float)
    y = np.arange(len(rows))[::-1]
    fig, ax = plt.subplots(figsize=SLIDE)
    colors = ["tab:blue" if g >= 0 else "tab:red" for g in np.nan_to_num(gain)]
    ax.barh(y, gain, color=colors, alpha=0.8, height=0.6)
    err = np.vstack([gain - lo, hi - gain])
    ok = np.all(np.isfinite(err), axis=0)
    ax.errorbar(gain[ok], y[ok], xerr=err[:, ok], fmt="none", ecolor="black", elinewidth=1.5, capsize=5)
    width = 60 if len(rows) > 6 else 45
    labels = [textwrap.shorten(f"{n}", 2 * width if len(rows) > 6 else 3 * width, placeholder=" ...")
              for n in rows["variant_name"]]
    labels = [textwrap.fill(t, width, break_long_words=False) for t in labels]
    if numbers is not None:
        labels = [f"{k}. {t}" for k, t in zip(numbers, labels)]
    ax.set_yticks(y, labels, fontsize=12 if len(rows) > 8 else 14)
    for yi, g, h in zip(y, gain, np.where(np.isfinite(hi), hi, gain)):
        if np.isfinite(g):
            ax.annotate(f"{g:+.1f}", (max(g, h, 0), yi), xytext=(8, 0), textcoords="offset points", va="center",
                        fontsize=15)
    ax.axvline(0, color="grey", lw=1)
    right = np.nanmax(np.concatenate([hi[np.isfinite(hi)], gain[np.isfinite(gain)], [0.0]]))
    left = np.nanmin(np.concatenate([lo[np.isfinite(lo)], gain[np.isfinite(gain)], [0.0]]))
    if right - left < 1e-6:  # nothing gained anywhere: a readable axis around zero
        left, right = -1.0, 1.0
    ax.set_xlim(left - 0.05 * (right - left), right + 0.15 * (right - left))
    level = float(rows["level"].iloc[0]) if len(rows) else 0.9
    ax.set_xlabel("percentage points more firms adopting than with no intervention", fontsize=16)
    ax.tick_params(axis="x", labelsize=15)
    ax.set_title(f"What each scenario adds to adoption after {_when(horizon)}\n(bar: average over paired runs; "
                 f"black line: {100 * level:g} % confidence interval)", fontsize=17, loc="left")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def _key(fig: plt.Figure, entries: list[str], max_lines: int = 30) -> None:
    """A numbered key of scenario names at the right of a one-panel slide (as many as fit)."""
    shown, lines = [], 0
    for i, entry in enumerate(entries):
        text = textwrap.fill(entry, 46, subsequent_indent="    ")
        if lines + text.count("\n") + 1 > max_lines - 1:
            shown.append(f"... and {len(entries) - i} more: see the table")
            break
        shown.append(text)
        lines += text.count("\n") + 1
    fig.subplots_adjust(right=0.64)
    fig.text(0.66, fig.axes[0].get_position().y1, "\n".join(shown), va="top", ha="left", fontsize=12,
             linespacing=1.25)


def _when(months: int) -> str:
    years = months / 12
    return f"{years:g} year{'s' if years != 1 else ''}" if months % 12 == 0 else f"{months} months"


@dataclass
class Figure:
    """A finished figure: its slide files and its PNG for the page."""

    title: str
    caption: str
    png: bytes
    paths: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Output:
    """Where and how the slide figures are written."""

    folder: Path
    formats: tuple[str, ...] = ("png", "svg")
    dpi: int = SLIDE_DPI


def _finish(fig: plt.Figure, name: str, out: Output, title: str, caption: str) -> Figure:
    paths = []
    for fmt in out.formats:
        path = out.folder / f"{name}.{fmt}"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=out.dpi)
        paths.append(path)
    if "png" in out.formats:  # the page embeds the slide's own PNG
        png = paths[list(out.formats).index("png")].read_bytes()
    else:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        png = buf.getvalue()
    plt.close(fig)
    return Figure(title, caption, png, paths)


# ---------------------------------------------------------------- sections


@dataclass
class Section:
    """A part of the report: a heading, paragraphs of HTML, figures and tables (HTML)."""

    title: str
    intro: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def sweep_section(directory: Path, out: Output, *, horizons: Sequence[int],
                  level: float, counter: list[int]) -> Section:
    """Fans, comparison and cost-effectiveness of one sweep results directory."""
    from .compare import BASELINE, compare, variant_names
    from .profiles import load_profile
    from .sweep import load_results
    from .viz import cost_effectiveness_chart, fan_chart

    frame, manifest = load_results(directory)
    sweep = manifest.get("sweep", {})
    base = sweep.get("base", {})
    try:
        profile = load_profile(base["cluster"])
        cluster = profile.profile.title
    except (KeyError, TypeError, ValueError, OSError):
        profile, cluster = None, str(base.get("cluster", ""))
    frame, manifest = with_plain_names(frame, manifest, profile)
    names = variant_names(frame, manifest)
    runs = int(frame.groupby("variant")["replicate"].nunique().max())
    months = int(frame["month"].max())
    sec = Section(f"Sweep {sweep.get('name', directory.name)}")
    sec.intro.append(f"{_e(cluster)}. {len(names)} scenarios (the first is the baseline: no intervention), "
                     f"{runs} runs each, {months} months ({_when(months)}). Every scenario's run <i>r</i> uses "
                     "the same random numbers as the baseline's run <i>r</i>, so differences between scenarios "
                     "come from the levers, not from luck.")
    has_base = (frame["variant"] == BASELINE).any()
    table = compare(frame, manifest, horizons=horizons, level=level) if has_base else None
    last = int(table["horizon_months"].max()) if table is not None and len(table) else None
    order = [v for v in names if v != BASELINE]
    if last is not None:  # best first, as in the table
        ranked = list(table.loc[table["horizon_months"] == last, "variant"])
        order = ranked + [v for v in order if v not in ranked]

    def number() -> str:
        counter[0] += 1
        return f"{counter[0]:02d}"

    chunks = _chunks(order, PANELS_PER_SLIDE - (1 if has_base else 0))
    for i, chunk in enumerate(chunks):
        fig = slide(fan_chart(frame, manifest, variants=chunk))
        part = f" ({i + 1} of {len(chunks)})" if len(chunks) > 1 else ""
        sec.figures.append(_finish(
            fig, f"{number()}-adoption-fans{'-' + str(i + 1) if len(chunks) > 1 else ''}", out,
            f"Share of firms that adopted, scenario by scenario{part}",
            "Each panel is one scenario: the line is its median run, the dark band holds the middle half of its "
            "runs and the light band 90 % of them. The dashed grey line repeats the baseline for comparison."))
    if table is not None and len(table):
        number_of = {v: i + 1 for i, v in enumerate(order)}
        shown = [names[v] for v in order[:BARS_PER_SLIDE]]
        # long or many names do not fit beside points: label them by number, as in the bars and the table
        by_number = len(order) > 8 or max(len(names[v]) for v in order) > 60
        ce_table = (table.assign(variant_name=table["variant"].map(lambda v: str(number_of[v])))
                    if by_number else table)
        note = (f" The {BARS_PER_SLIDE} largest gains are shown; the table lists all {len(order)}."
                if len(order) > BARS_PER_SLIDE else "")
        sec.figures.append(_finish(
            comparison_chart(table, last, shown, [number_of[v] for v in order[:BARS_PER_SLIDE]]),
            f"{number()}-comparison", out,
            f"What each scenario adds after {_when(last)}",
            "Gain in the share of firms that adopted, against the baseline, in percentage points. The black line "
            f"is the {100 * level:g} % confidence interval over the paired runs." + note))
        ce = slide(cost_effectiveness_chart(ce_table, last))
        if by_number:
            _key(ce, [f"{number_of[v]}. {names[v]}" for v in order])
        sec.figures.append(_finish(
            ce, f"{number()}-cost-effectiveness", out,
            f"What each scenario buys for its public money, after {_when(last)}",
            "Each point is a scenario: to the right it costs more public money, higher up it adds more adopters. "
            "Up and to the left is better."
            + (" Points are numbered as in the chart above and the table below." if by_number else "")))
        sec.tables.append(comparison_table(table, names, number_of))
    elif not has_base:
        sec.intro.append("The baseline has no finished runs yet, so scenarios are not compared with it.")
    return sec


def _parse(text: str):
    """A value as :func:`adoptsim.sweep.spec` wrote it into a variant name."""
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def plain_name(name: str, profile) -> str:
    """``capex_subsidy_share=0.3, green_finance_guarantee=0.8`` -> ``Capex subsidy share 30 %; Green finance
    guarantee 80 %`` (values of one lever grouped after its name).

    Names a sweep file gave its variants are kept as they are.
    """
    from .dashboard.controls import describe, lever_title
    from .scenario import flat_keys

    parts = [p.split("=", 1) for p in name.split(", ")]
    keys = flat_keys()
    if profile is None or not all(len(p) == 2 and p[0] in keys for p in parts):
        return name
    groups: dict[str, list[str]] = {}
    for key, value in parts:
        path = keys[key]
        lever = lever_title(path[1]) if path[0] == "levers" else ""
        text = describe(key, _parse(value), profile)
        if lever and text.startswith(lever + " "):
            text = text[len(lever) + 1:]
        groups.setdefault(lever, []).append(text)
    return "; ".join((f"{lever} " if lever else "") + ", ".join(texts) for lever, texts in groups.items())


def with_plain_names(frame: pd.DataFrame, manifest: dict, profile) -> tuple[pd.DataFrame, dict]:
    """The results with generated variant names (``key=value, ...``) put into words."""
    variants = manifest.get("sweep", {}).get("variants", [])
    plain = {v["id"]: plain_name(v["name"], profile) for v in variants}
    for vid, name in frame[["variant", "variant_name"]].drop_duplicates("variant").itertuples(index=False):
        plain.setdefault(vid, plain_name(name, profile))
    frame = frame.assign(variant_name=frame["variant"].map(plain))
    sweep = {**manifest.get("sweep", {}), "variants": [{**v, "name": plain[v["id"]]} for v in variants]}
    return frame, {**manifest, "sweep": sweep}


def sensitivity_section(directory: Path, out: Output, counter: list[int]) -> Section:
    """The indices chart of a sensitivity directory."""
    from .viz import indices_chart

    info = json.loads((directory / "sensitivity.json").read_text())
    table = pd.read_csv(directory / "indices.csv", index_col=0)
    sec = Section(f"Sensitivity {info.get('name', directory.name)}")
    sec.intro.append(f"{_e(str(info.get('method', '')).capitalize())} indices of <b>{_e(info.get('outcome', ''))}</b>"
                     f" at month {_e(str(info.get('month', '')))}, from {_e(str(info.get('runs', '?')))} runs: "
                     "which uncertain parameters move the outcome most.")
    counter[0] += 1
    fig = slide(indices_chart(table, info.get("method", "sobol"), info.get("outcome", ""), month=info.get("month")))
    sec.figures.append(_finish(fig, f"{counter[0]:02d}-sensitivity", out,
                               "Which parameters drive the outcome", ""))
    sec.tables.append(frame_table(table.round(3), index=True))
    return sec


def files_section(directory: Path, skip: set[Path]) -> Section | None:
    """A results directory's own summary (``report.md``), PNG figures and small tables, e.g. a calibration."""
    md = directory / "report.md"
    sec = Section("Summary" if md.is_file() else "Figures and tables")
    if md.is_file():
        sec.intro.append(markdown(md.read_text()))
    for path in sorted(directory.glob("*")):
        if path in skip or not path.is_file():
            continue
        if path.suffix.lower() == ".png":
            sec.figures.append(Figure(path.stem.replace("_", " "), path.name, path.read_bytes()))
        elif path.suffix.lower() == ".csv" and not md.is_file():
            frame = pd.read_csv(path)
            if len(frame) <= 50 and frame.shape[1] <= 14:
                sec.tables.append(f"<h4>{_e(path.name)}</h4>" + frame_table(frame))
    return sec if (sec.intro or sec.figures or sec.tables) else None


# ---------------------------------------------------------------- HTML pieces


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _pct(x: float) -> str:
    return "–" if pd.isna(x) else f"{100 * x:.1f} %"


def _pp(x: float) -> str:
    return "–" if pd.isna(x) else f"{100 * x:+.1f}"


def _num(x: float, decimals: int = 0, signed: bool = False) -> str:
    return "–" if pd.isna(x) or not math.isfinite(x) else f"{x:{'+' if signed else ''},.{decimals}f}"


def comparison_table(table: pd.DataFrame, names: dict[str, str], numbers: dict[str, int] | None = None) -> str:
    """The comparison as HTML, one block per horizon, best scenario first; ``#`` from ``numbers``."""
    cur = str(table["currency"].iloc[0]) if len(table) and pd.notna(table["currency"].iloc[0]) else ""
    money = f" ({_e(cur)})" if cur else ""
    level = f"{100 * float(table['level'].iloc[0]):g} %" if len(table) else ""
    out = []
    for horizon, rows in table.groupby("horizon_months", sort=True):
        base = rows["baseline_share_adopted"].iloc[0]
        out.append(f"<h4>After {_when(int(horizon))}: baseline {_pct(base)} of firms adopted</h4>")
        head = ["#", "scenario", "adopted", "gain (points)", f"{level} interval", "extra firms",
                "extra water saved (m³/yr)", f"public money{money}", "per extra firm", "per m³/yr",
                "comply", "closed", "moved", "treatment running", "load (t COD/yr)"]
        body = []
        for i, r in enumerate(rows.itertuples(index=False), 1):
            i = numbers.get(r.variant, i) if numbers else i
            interval = ("–" if pd.isna(r.gain_share_adopted_lo)
                        else f"{_pp(r.gain_share_adopted_lo)} to {_pp(r.gain_share_adopted_hi)}")
            body.append([str(i), _e(r.variant_name), _pct(r.share_adopted), _pp(r.gain_share_adopted), interval,
                         _num(r.extra_adopters, 1, True), _num(r.gain_water_m3_per_year, 0, True),
                         _num(r.public_cost), _num(r.cost_per_extra_adopter),
                         _num(r.cost_per_m3_per_year, 2), _pct(r.share_compliant), _pct(r.share_closed),
                         _pct(r.share_relocated), _pct(r.share_treatment_operating),
                         _num(r.organic_load_cod_t_per_year)])
        out.append(_html_table(head, body, left=(1,)))
    out.append("<p class='note'>gain = scenario minus baseline, run by run with the same random numbers; interval ="
               f" {level} confidence interval over the paired runs; public money = extra public money spent up to "
               "that month; per extra firm and per m³/yr = public money divided by the gain (– when there is no "
               "gain); comply, closed and moved (to the park or away) are shares of the firms at the start; treatment "
               "running = running over installed treatment capacity (own and common plants); load = organic "
               "load discharged.</p>")
    missing = [n for v, n in names.items() if v != "s000" and v not in set(table["variant"])]
    if missing:
        out.append("<p class='note'>Scenarios without finished runs: " + ", ".join(_e(n) for n in missing) + "</p>")
    return "\n".join(out)


def frame_table(frame: pd.DataFrame, index: bool = False) -> str:
    """A small DataFrame as an HTML table (numbers to 4 significant digits)."""
    frame = frame.reset_index() if index else frame

    def cell(v) -> str:
        if isinstance(v, float):
            return "–" if math.isnan(v) else f"{v:.4g}"
        return _e(v)

    return _html_table([_e(c) for c in frame.columns], [[cell(v) for v in row] for row in frame.itertuples(index=False)])


def _html_table(head: list[str], body: list[list[str]], left: tuple[int, ...] = ()) -> str:
    def td(i: int, v: str, tag: str) -> str:
        cls = " class='l'" if i in left or tag == "th" else ""
        return f"<{tag}{cls}>{v}</{tag}>"

    rows = ["<tr>" + "".join(td(i, h, "th") for i, h in enumerate(head)) + "</tr>"]
    rows += ["<tr>" + "".join(td(i, v, "td") for i, v in enumerate(r)) + "</tr>" for r in body]
    return "<table>\n" + "\n".join(rows) + "\n</table>"


def markdown(text: str) -> str:
    """A small Markdown subset as HTML: headings, paragraphs, pipe tables, lists, `code`, **bold**.

    Links are kept as plain text (the report must not point anywhere).
    """
    def inline(s: str) -> str:
        s = _e(s)
        s = re.sub(r"`([^`]+)`", r"<code>\1</code>", s)
        s = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", s)
        return re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", s)

    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            i += 1
        elif line.startswith("#"):
            level = min(len(line) - len(line.lstrip("#")) + 2, 6)
            out.append(f"<h{level}>{inline(line.lstrip('#').strip())}</h{level}>")
            i += 1
        elif line.lstrip().startswith("|"):
            block = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                block.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            rows = [r for r in block if not all(re.fullmatch(r":?-+:?", c or "-") for c in r)]
            if rows:
                out.append(_html_table([inline(c) for c in rows[0]], [[inline(c) for c in r] for r in rows[1:]],
                                       left=tuple(range(len(rows[0])))))
        elif re.match(r"\s*[-*] ", line):
            items = []
            while i < len(lines) and re.match(r"\s*[-*] ", lines[i]):
                items.append(f"<li>{inline(re.sub(r'^\s*[-*] ', '', lines[i]))}</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not re.match(r"\s*([#|]|[-*] )", lines[i]):
                para.append(inline(lines[i].strip()))
                i += 1
            out.append("<p>" + " ".join(para) + "</p>")
    return "\n".join(out)


CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.9em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 2px solid #ddd; }
figure { margin: 1.5em 0; } figure img { width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.95em; } figcaption b { color: #222; font-size: 1.05em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: right; vertical-align: top; }
th { background: #f4f4f4; } .l { text-align: left; }
.note, .meta { color: #666; font-size: 0.9em; } code { background: #f4f4f4; padding: 0 3px; }
"""


def render_html(title: str, sections: list[Section], source: Path) -> str:
    """The whole page: figures as data URIs, inline CSS, no scripts, no external references."""
    from . import __version__

    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>",
             f"<style>{CSS}</style></head><body>", f"<h1>{_e(title)}</h1>",
             f"<p class='meta'>From <code>{_e(source)}</code>, made {dt.date.today().isoformat()} by adoptsim "
             f"{_e(__version__)}. Every figure is also saved at slide size (16:9) next to this file.</p>"]
    for sec in sections:
        parts.append(f"<h2>{_e(sec.title)}</h2>")
        parts += [f"<p>{p}</p>" if not p.lstrip().startswith("<") else p for p in sec.intro]
        for f in sec.figures:
            src = "data:image/png;base64," + base64.b64encode(f.png).decode()
            caption = f"<b>{_e(f.title)}</b>" + (f"<br>{_e(f.caption)}" if f.caption else "")
            parts.append(f"<figure><img src='{src}' alt='{_e(f.title)}'><figcaption>{caption}</figcaption></figure>")
        parts += sec.tables
    parts.append("</body></html>")
    return "\n".join(parts)


# ---------------------------------------------------------------- entry point


def _sweeps_below(directory: Path, depth: int = 2) -> list[Path]:
    found = []
    if (directory / "manifest.json").is_file() and (directory / "runs").is_dir():
        return [directory]
    if depth:
        for sub in sorted(p for p in directory.iterdir() if p.is_dir() and p.name not in ("runs", "figures")):
            found += _sweeps_below(sub, depth - 1)
    return found


def write_report(directory: str | Path, out: str | Path | None = None, *, horizons: Sequence[int] = (60, 120),
                 level: float = 0.9, formats: Sequence[str] = ("png", "svg"), dpi: int = SLIDE_DPI) -> Path:
    """Write ``OUT/report.html`` and ``OUT/figures/`` for the results in ``directory``.

    Parameters
    ----------
    directory
        A sweep, sensitivity or calibration results directory (see the module docstring).
    out
        Output folder (default ``directory/report``).
    horizons, level
        Months and confidence level of the scenario comparison
        (:func:`adoptsim.compare.compare`).
    formats, dpi
        Formats and resolution of the slide figures (150 dpi: 2000 x 1125 pixels).

    Returns
    -------
    pathlib.Path
        The HTML file.

    Raises
    ------
    ReportError
        If ``directory`` holds nothing to report.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ReportError(f"{directory}: no such directory")
    out = Path(out) if out is not None else directory / "report"
    target = Output(out / "figures", tuple(formats), dpi)
    target.folder.mkdir(parents=True, exist_ok=True)
    counter = [0]
    sections: list[Section] = []
    is_sensitivity = (directory / "sensitivity.json").is_file() and (directory / "indices.csv").is_file()
    skip: set[Path] = set()
    if is_sensitivity:
        sections.append(sensitivity_section(directory, target, counter))
        skip |= {directory / "indices.png", directory / "indices.csv", directory / "design.csv"}
    else:
        for sweep_dir in _sweeps_below(directory):
            sections.append(sweep_section(sweep_dir, target, horizons=horizons, level=level,
                                          counter=counter))
    if not (directory / "manifest.json").is_file():
        own = files_section(directory, skip)
        if own is not None:
            sections.append(own)
    if not sections:
        raise ReportError(f"{directory}: nothing to report: no sweep results (manifest.json and runs/), no "
                          "sensitivity (sensitivity.json, indices.csv), no report.md, figures or tables")
    title = f"adoptsim report: {directory.resolve().name}"
    path = out / "report.html"
    with atomic_path(path) as tmp:
        Path(tmp).write_text(render_html(title, sections, directory), encoding="utf-8")
    return path


__all__ = ["ReportError", "comparison_chart", "markdown", "render_html", "slide", "write_report"]
