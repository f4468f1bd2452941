"""The comparison written beside a sweep's results: ``compare/compare.csv`` and figures, atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..outcomes import atomic_path
from .effects import compare

COMPARE_DIR = "compare"


def write_table(table: pd.DataFrame, path: Path) -> Path:
    """Write the table as CSV atomically (nothing half-written if interrupted)."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)
    return Path(path)


def compare_directory(out_dir: str | Path, horizons: Sequence[int] = (60, 120), level: float = 0.9,
                      figures: bool = True, by: str = "adoption") -> tuple[pd.DataFrame, list[Path]]:
    """Compare the sweep in results directory ``out_dir`` and write ``out_dir/compare/``.

    Writes ``compare.csv`` (every measure with its intervals, rows ranked by
    ``by``) and, if ``figures``, ``fans.png`` (adoption fan charts, one panel
    per scenario) and ``cost_effectiveness.png`` (gain versus public cost at
    the longest horizon). Every file is written atomically.

    Returns
    -------
    tuple
        The table of :func:`~adoptsim.compare.compare` and the paths written.
    """
    from ..sweep import load_results

    out_dir = Path(out_dir)
    frame, manifest = load_results(out_dir)
    table = compare(frame, manifest, horizons=horizons, level=level, by=by)
    target = out_dir / COMPARE_DIR
    paths = [write_table(table, target / "compare.csv")]
    if figures:
        from ..viz.curves import save_figure
        from ..viz.fans import cost_effectiveness_chart, fan_chart

        paths.append(save_figure(fan_chart(frame, manifest), target / "fans.png"))
        if not table.empty:
            chart = cost_effectiveness_chart(table, int(table["horizon_months"].max()))
            paths.append(save_figure(chart, target / "cost_effectiveness.png"))
    return table, paths
