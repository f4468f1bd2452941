"""The entry point: find what a results directory holds, build its sections, write the page and the slides."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..outcomes import atomic_path
from .boxes import discover_section
from .files import OWN_FILES, ReportError, searches
from .front import optimise_section
from .page import render_html
from .sections import Section, files_section, sensitivity_section, sweep_section
from .slides import SLIDE_DPI, Output


def _sweeps_below(directory: Path, depth: int = 2) -> list[Path]:
    found = []
    if (directory / "manifest.json").is_file() and (directory / "runs").is_dir():
        return [directory]
    if depth:
        for sub in sorted(p for p in directory.iterdir() if p.is_dir() and p.name not in ("runs", "figures")):
            found += _sweeps_below(sub, depth - 1)
    return found


def write_report(directory: str | Path, out: str | Path | None = None, *, horizons: Sequence[int] = (60, 120),
                 level: float = 0.9, formats: Sequence[str] = ("png", "svg"), dpi: int = SLIDE_DPI,
                 by: str = "adoption", optimise: Sequence[str | Path] = (),
                 discover: Sequence[str | Path] = ()) -> Path:
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
    by
        The outcome a sweep's headline, ranking and cost-effectiveness answer: a ``compare --by`` name
        (``adoption``, ``compliance``, ``water``, ``pollution``, ``public-cost``, ``cost-per-adopter``,
        ``cost-per-m3``; :data:`adoptsim.compare.MEASURES`).
    optimise, discover
        ``adoptsim optimise`` and ``adoptsim discover`` folders to report, right after the sweeps' answers and
        before their fans; those in ``directory`` itself or up to two levels below it (or below a sweep it
        reports) are found and reported too, each once (see :mod:`adoptsim.report.files`).

    Returns
    -------
    pathlib.Path
        The HTML file.

    Raises
    ------
    ReportError
        If ``directory`` holds nothing to report, or an optimise or discover folder's file is missing or
        cannot be read (the message names the file).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ReportError(f"{directory}: no such directory")
    out = Path(out) if out is not None else directory / "report"
    target = Output(out / "figures", tuple(formats), dpi)
    target.folder.mkdir(parents=True, exist_ok=True)
    counter = [0]
    sections: list[Section] = []
    fans: list[Section] = []
    is_sensitivity = (directory / "sensitivity.json").is_file() and (directory / "indices.csv").is_file()
    skip: set[Path] = set()
    if is_sensitivity:
        sections.append(sensitivity_section(directory, target, counter))
        skip |= {directory / "indices.png", directory / "indices.csv", directory / "design.csv"}
    sweeps = [] if is_sensitivity else _sweeps_below(directory)
    if not is_sensitivity:
        for sweep_dir in sweeps:
            answer, runs = sweep_section(sweep_dir, target, horizons=horizons, level=level, counter=counter, by=by)
            sections.append(answer)
            fans += [runs] if runs.figures else []
    for kind, folder in searches([directory, *sweeps], optimise, discover):
        sections.append(optimise_section(folder) if kind == "optimise" else discover_section(folder))
        if folder.resolve() == directory.resolve():  # its files are in that section, not again below
            skip |= {folder / name for name in OWN_FILES[kind]} | set(folder.glob("box*.png"))
    sections += fans
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

