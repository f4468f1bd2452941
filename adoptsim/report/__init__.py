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
  its PNG figures and, without a summary, its small tables;
* an ``adoptsim optimise`` or ``adoptsim discover`` folder (also given with
  ``--optimise`` / ``--discover``, or found below ``DIR``): the Pareto front or
  the PRIM boxes in sentences and a table, after the sweeps' answers and
  before their fans (``front``, ``boxes``, ``files``).

Sweeps found one or two levels below ``DIR`` are reported too.

One concept per module: ``write`` (the entry point, :func:`write_report`),
``sections`` (a sweep, a sensitivity study, other files), ``slides`` (16:9
figures), ``page`` (HTML from the jinja2 templates in ``templates/``),
``names`` (variant names in words) and ``text`` (numbers as readers see them).
"""

from __future__ import annotations

from .names import plain_name, with_plain_names
from .page import comparison_table, frame_table, markdown, render_html
from .sections import Section, files_section, sensitivity_section, sweep_section
from .slides import SLIDE, SLIDE_DPI, Figure, Output, comparison_chart, slide
from .write import ReportError, write_report

__all__ = ["SLIDE", "SLIDE_DPI", "Figure", "Output", "ReportError", "Section", "comparison_chart",
           "comparison_table", "files_section", "frame_table", "markdown", "plain_name", "render_html",
           "sensitivity_section", "slide", "sweep_section", "with_plain_names", "write_report"]
