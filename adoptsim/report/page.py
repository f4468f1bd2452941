"""The report as HTML, rendered from the jinja2 templates in ``templates/`` (package data).

Everything a template shows is escaped unless it is :class:`markupsafe.Markup`:
section introductions built with ``Markup(...).format(...)``, tables rendered
here, and a results directory's own ``report.md`` converted by :func:`markdown`.
"""

from __future__ import annotations

import base64
import datetime as dt
import xml.etree.ElementTree as etree
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import markdown as markdown_lib
import pandas as pd
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from ..sweep.spec import BASELINE
from .text import cell, number, percent, points, when

if TYPE_CHECKING:
    from .sections import Section

_ENV = jinja2.Environment(loader=jinja2.PackageLoader("adoptsim.report", "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_ENV.filters["b64"] = lambda data: base64.b64encode(data).decode()


def render(template: str, **context) -> Markup:
    """``templates/<template>`` rendered with ``context`` (safe HTML, to place in another template)."""
    return Markup(_ENV.get_template(template).render(**context))


#: cells that carry no information: undefined, or zero in any of the formats below
EMPTY_CELLS = frozenset({"–", "0.0 %", "+0.0", "-0.0", "0", "+0", "-0", "0.00", "+0.0", "0 to 0"})
ALWAYS_SHOWN = 5  # #, scenario, adopted, gain, interval: the answer, even when it is zero


def comparison_table(table: pd.DataFrame, names: dict[str, str], numbers: dict[str, int] | None = None) -> Markup:
    """The comparison as HTML, one block per horizon, best scenario first; ``#`` from ``numbers``."""
    cur = str(table["currency"].iloc[0]) if len(table) and pd.notna(table["currency"].iloc[0]) else ""
    level = f"{100 * float(table['level'].iloc[0]):g} %" if len(table) else ""
    head = ["#", "scenario", "adopted", "gain (points)", f"{level} interval", "extra firms",
            "extra water saved (m³/yr)", f"public money{f' ({cur})' if cur else ''}", "per extra firm", "per m³/yr",
            "comply", "closed", "moved", "treatment running", "load (t COD/yr)"]
    blocks = []
    for horizon, rows in table.groupby("horizon_months", sort=True):
        body = []
        for i, r in enumerate(rows.itertuples(index=False), 1):
            i = numbers.get(r.variant, i) if numbers else i
            interval = ("–" if pd.isna(r.gain_share_adopted_lo)
                        else f"{points(r.gain_share_adopted_lo)} to {points(r.gain_share_adopted_hi)}")
            body.append([str(i), r.variant_name, percent(r.share_adopted), points(r.gain_share_adopted), interval,
                         number(r.extra_adopters, 1, True), number(r.gain_water_m3_per_year, 0, True),
                         number(r.public_cost), number(r.cost_per_extra_adopter),
                         number(r.cost_per_m3_per_year, 2), percent(r.share_compliant), percent(r.share_closed),
                         percent(r.share_relocated), percent(r.share_treatment_operating),
                         number(r.organic_load_cod_t_per_year)])
        blocks.append(dict(when=when(int(horizon)), baseline=percent(rows["baseline_share_adopted"].iloc[0]),
                           rows=body))
    # a column that says nothing (zero or undefined for every scenario at every horizon) is left out
    cells = [row for b in blocks for row in b["rows"]]
    keep = [j for j in range(len(head)) if j < ALWAYS_SHOWN or any(row[j] not in EMPTY_CELLS for row in cells)]
    head = [head[j] for j in keep]
    for b in blocks:
        b["rows"] = [[row[j] for j in keep] for row in b["rows"]]
    missing = [n for v, n in names.items() if v != BASELINE and v not in set(table["variant"])]
    return render("comparison.html.j2", head=head, blocks=blocks, level=level, missing=missing)


def frame_table(frame: pd.DataFrame, index: bool = False, heading: str = "") -> Markup:
    """A small DataFrame as an HTML table (numbers to 4 significant digits), under an optional heading."""
    frame = frame.reset_index() if index else frame
    return render("frame.html.j2", heading=heading, head=[str(c) for c in frame.columns],
                  rows=[[cell(v) for v in row] for row in frame.itertuples(index=False)])


class _Offline(Treeprocessor):
    """Keep a converted summary inside the page: links and images become their text, headings go two
    levels down (the page's own h1 and h2 stay above them), table cells are left-aligned."""

    def run(self, root: etree.Element) -> None:
        for el in root.iter():
            if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                el.tag = f"h{min(int(el.tag[1]) + 2, 6)}"
            elif el.tag in ("a", "img"):
                alt = el.get("alt", "") if el.tag == "img" else None
                el.tag = "span"
                el.attrib.clear()
                if alt is not None:
                    el.text = alt
            elif el.tag in ("th", "td"):
                el.attrib.clear()
                el.set("class", "l")


class _OfflineExtension(Extension):
    def extendMarkdown(self, md: markdown_lib.Markdown) -> None:
        md.preprocessors.deregister("html_block")  # raw HTML is shown as text, never passed through
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_Offline(md), "offline", 0)


def markdown(text: str) -> Markup:
    """Markdown (a results directory's ``report.md``) as HTML: tables, lists, `code`, **bold**.

    Links and images are kept as their text and raw HTML is escaped: the report must not point
    anywhere. Uses Python-Markdown with its ``tables`` extension.
    """
    return Markup(markdown_lib.markdown(text, extensions=["tables", "fenced_code", _OfflineExtension()]))


def render_html(title: str, sections: list[Section], source: Path) -> str:
    """The whole page: figures as data URIs, inline CSS, no scripts, no external references."""
    from .. import __version__

    return _ENV.get_template("page.html.j2").render(title=title, sections=sections, source=str(source),
                                                    date=dt.date.today().isoformat(), version=__version__) + "\n"
