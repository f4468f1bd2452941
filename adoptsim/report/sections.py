"""The parts of a report, one per kind of results directory: a sweep, a sensitivity study, other files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from .headline import headline
from .measures import WORDING, ranked_by
from .names import with_plain_names
from .page import comparison_table, frame_table, markdown
from .slides import Figure, Output, comparison_chart, finish, slide
from .text import when

PANELS_PER_SLIDE = 6   # baseline + five scenarios: a 2 x 3 grid
BARS_PER_SLIDE = 12


@dataclass
class Section:
    """A part of the report: a heading, paragraphs, figures and tables.

    ``intro`` holds text (escaped on the page) or :class:`~markupsafe.Markup` (HTML as it is;
    an item that is not a block element is put in a paragraph); ``tables`` holds rendered HTML.
    """

    title: str
    intro: list[str | Markup] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Markup] = field(default_factory=list)


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def sweep_section(directory: Path, out: Output, *, horizons: Sequence[int],
                  level: float, counter: list[int], by: str = "adoption") -> tuple[Section, Section]:
    """One sweep results directory as two parts: the answer (the headline sentences, the ranking,
    cost-effectiveness and the table, all for the outcome ``by``, a ``compare --by`` name), and the fans
    (every scenario's runs), which the report puts after any optimisation and discovery."""
    from ..compare import compare
    from ..sweep import BASELINE, variant_names
    from ..profiles import load_profile
    from ..sweep import load_results
    from ..viz import cost_effectiveness_chart, fan_chart
    from ..viz.fans import number_key, place_labels

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
    worlds = [c for c in ("sample", "draw") if c in frame.columns]
    runs = int(frame.groupby("variant")[[*worlds, "replicate"]].value_counts().groupby(level=0).size().max())
    months = int(frame["month"].max())
    sec = Section(f"Sweep {sweep.get('name', directory.name)}")
    if len(names) > 1:
        sec.intro.append(Markup("{}. {} scenarios (the first is the baseline: no intervention), {} runs each, {} "
                                "months ({}). Every scenario's run <i>r</i> uses the same random numbers as the "
                                "baseline's run <i>r</i>, so differences between scenarios come from the levers, not "
                                "from luck.").format(cluster, len(names), runs, months, when(months)))
    else:
        sec.intro.append(f"{cluster}. One scenario, {runs} runs, {months} months ({when(months)}).")
    posterior = sweep.get("posterior")
    if posterior and "draw" in frame.columns:
        sec.intro.append(f"Each scenario runs in {frame['draw'].nunique()} weighted draws of a calibrated posterior "
                         f"({posterior.get('file', 'posterior')}) x {frame['replicate'].nunique()} replicates: its "
                         "bands and "
                         "intervals hold what the calibration leaves unknown about how firms behave as well as "
                         "run-to-run luck (not errors of the model's structure or of the cluster data).")
        if len(names) == 1:  # a scenario alone over the posterior (adoptsim run --posterior): its ranges
            from ..ensemble import ensemble_table, summarise_ensemble

            currency = profile.profile.currency if profile is not None else ""
            sec.tables.append(frame_table(
                ensemble_table(summarise_ensemble(frame, level=level), currency),
                heading=f"Median run and {100 * level:g} % range of all runs; beside it the range the parameter "
                        "draws alone make and run-to-run luck"))
    has_base = (frame["variant"] == BASELINE).any()
    table = compare(frame, manifest, horizons=horizons, level=level, by=by) if has_base else None
    last = int(table["horizon_months"].max()) if table is not None and len(table) else None
    order = [v for v in names if v != BASELINE]
    if last is not None:  # best first, as in the table
        ranked = list(table.loc[table["horizon_months"] == last, "variant"])
        order = ranked + [v for v in order if v not in ranked]
        sec.intro[:0] = [Markup("<b>{}</b>").format(s) for s in headline(table, names)]

    def number() -> str:
        counter[0] += 1
        return f"{counter[0]:02d}"

    if table is not None and len(table):
        number_of = {v: i + 1 for i, v in enumerate(order)}
        shown = [names[v] for v in order[:BARS_PER_SLIDE]]
        note = (f" The {BARS_PER_SLIDE} largest gains are shown; the table lists all {len(order)}."
                if len(order) > BARS_PER_SLIDE else "")
        m = ranked_by(table)
        w = WORDING[m.name]
        sec.figures.append(finish(
            comparison_chart(table, last, shown, [number_of[v] for v in order[:BARS_PER_SLIDE]]),
            f"{number()}-comparison", out,
            f"{w.title} after {when(last)}",
            f"{w.axis[0].upper() + w.axis[1:]}, per scenario, best first. The black line "
            f"is the {100 * level:g} % confidence interval over the paired runs." + note))
        ce = slide(cost_effectiveness_chart(table, last, gain=w.gain, numbers=number_of, key=False))
        number_key(ce.axes[0], [f"{number_of[v]}. {names[v]}" for v in order], fontsize=12, width=46)
        ce.canvas.draw()
        place_labels(ce.axes[0])  # again: the slide's fonts and the key changed the figure
        sec.figures.append(finish(
            ce, f"{number()}-cost-effectiveness", out,
            f"What each scenario buys for its public money, after {when(last)}",
            "Each point is a scenario: to the right it costs more public money, higher up it adds more "
            f"{'adopters' if w.gain == 'adoption' else WORDING[w.gain].noun}. "
            "Up and to the left is better."
            " Points are numbered as in the chart above and the table below."))
        sec.tables.append(comparison_table(table, names, number_of))
    elif not has_base:
        sec.intro.append("The baseline has no finished runs yet, so scenarios are not compared with it.")
    fans = Section(f"{sec.title}: the runs of every scenario")
    chunks = _chunks(order, PANELS_PER_SLIDE - (1 if has_base else 0))
    for i, chunk in enumerate(chunks):
        fig = slide(fan_chart(frame, manifest, variants=chunk))
        part = f" ({i + 1} of {len(chunks)})" if len(chunks) > 1 else ""
        fans.figures.append(finish(
            fig, f"{number()}-adoption-fans{'-' + str(i + 1) if len(chunks) > 1 else ''}", out,
            f"Share of firms that adopted, scenario by scenario{part}",
            "Each panel is one scenario: the line is its median run, the dark band holds the middle half of its "
            "runs and the light band 90 % of them. The dashed grey line repeats the baseline for comparison."))
    return sec, fans


def sensitivity_section(directory: Path, out: Output, counter: list[int]) -> Section:
    """The indices chart of a sensitivity directory."""
    from ..viz import indices_chart

    info = json.loads((directory / "sensitivity.json").read_text())
    table = pd.read_csv(directory / "indices.csv", index_col=0)
    sec = Section(f"Sensitivity {info.get('name', directory.name)}")
    sec.intro.append(Markup("{} indices of <b>{}</b> at month {}, from {} runs: which uncertain parameters move the "
                            "outcome most.").format(str(info.get("method", "")).capitalize(), info.get("outcome", ""),
                                                    str(info.get("month", "")), str(info.get("runs", "?"))))
    counter[0] += 1
    fig = slide(indices_chart(table, info.get("method", "sobol"), info.get("outcome", ""), month=info.get("month")))
    sec.figures.append(finish(fig, f"{counter[0]:02d}-sensitivity", out,
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
                sec.tables.append(frame_table(frame, heading=path.name))
    return sec if (sec.intro or sec.figures or sec.tables) else None
