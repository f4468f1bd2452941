"""An ``adoptsim discover`` folder in the report: each PRIM box as a plain sentence, then the table of boxes.

"adoption stays below 30 % when Q imitation 0.49 per month or more and ...: 67 % of such runs are inside the
box (coverage), all runs inside it fail (density 1.00)".
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from .files import DISCOVER_FILES, ReportError, profile_near, read_csv, read_json
from .names import key_words, value_words
from .page import frame_table
from .sections import Section
from .slides import Figure
from .text import percent


def _threshold(outcome: str, x: float) -> str:
    return percent(x) if outcome.startswith("share_") else f"{x:,.4g}"


def limit_words(key: str, limit: dict, profile) -> str:
    """One input's range in a box, in words: ``Q imitation 0.49 per month or more``, ``Capex subsidy share
    10 % to 30 %``, ``Cluster: lahore or kanpur``."""
    from ..discover import restricted

    words = key_words(key)
    end = restricted(limit)
    if end == "values":
        return f"{words}: {' or '.join(map(str, limit['values']))}"
    low, high = (value_words(key, float(limit[k]), profile) for k in ("min", "max"))
    if end == "min":
        return f"{words} {low} or more"
    if end == "max":
        return f"{words} {high} or less"
    return f"{words} {low} to {high}"


def box_sentence(info: dict, box: dict, profile) -> str:
    """A box as the sentence a strategist reads (the outcome, the ranges, coverage and density)."""
    from ..viz.fans import column_label

    outcome = str(info["outcome"])
    verb = "stays below" if info.get("direction") == "below" else "goes above"
    limits = box.get("limits") or {}
    where = " and ".join(limit_words(k, lim, profile) for k, lim in limits.items()) or "anywhere"
    density = float(box["density"])
    inside = ("all runs inside it fail" if density >= 1 else
              "no run inside it fails" if density <= 0 else f"{100 * density:.0f} % of the runs inside it fail")
    return (f"{column_label(outcome).capitalize()} {verb} {_threshold(outcome, float(info['threshold']))} when "
            f"{where}: {100 * float(box['coverage']):.0f} % of such runs are inside the box (coverage), {inside} "
            f"(density {density:.2f}).")


def discover_section(folder: Path) -> Section:
    """The boxes of one discover folder (``discover.json``, ``boxes.csv``, box figures if there)."""
    info = read_json(folder / DISCOVER_FILES[1])
    table = read_csv(folder / DISCOVER_FILES[0], ["box", "input", "coverage", "density"])
    boxes = info.get("boxes")
    if not isinstance(boxes, list) or not all(k in info for k in ("outcome", "threshold")):
        raise ReportError(f"{folder / DISCOVER_FILES[1]}: no 'outcome', 'threshold' and 'boxes' (not written by "
                          "adoptsim discover?)")
    profile = profile_near(folder)
    sec = Section(f"Where it fails: {info.get('failure_rule') or folder.name}")
    sec.intro.append(Markup("{} of {} runs fail ({}). PRIM boxes: ranges of a few inputs that hold many of the "
                            "failing runs (coverage) and few others (density).")
                     .format(str(info.get("failures", "?")), str(info.get("runs", "?")),
                             str(info.get("failure_rule", ""))))
    try:
        sec.intro += [Markup("<b>{}</b>").format(box_sentence(info, b, profile)) for b in boxes]
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ReportError(f"{folder / DISCOVER_FILES[1]}: a box cannot be read ({type(err).__name__}: {err})") \
            from None
    if not boxes:
        sec.intro.append("No box was found.")
    table = table.assign(input=[key_words(str(k)) if isinstance(k, str) else "" for k in table["input"]])
    sec.tables.append(frame_table(table, heading=f"The boxes ({DISCOVER_FILES[0]})"))
    for b in boxes:
        png = folder / f"box{b.get('box')}.png"
        if png.is_file():
            sec.figures.append(Figure(f"Box {b.get('box')}", "The runs inside the box against its inputs.",
                                      png.read_bytes()))
    return sec
