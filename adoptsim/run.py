"""One scenario, start to finish: simulate, tabulate, summarise, write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .model import AdoptionModel, Engine
from .outcomes import format_summary, provenance, series_frame, summarise, write_frame, write_json
from .scenario import Scenario


@dataclass
class RunResult:
    """A finished run: the monthly table, its headline summary and the model."""

    frame: pd.DataFrame
    summary: dict
    model: AdoptionModel

    @property
    def scenario(self) -> Scenario:
        return self.model.config

    def __str__(self) -> str:
        return format_summary(self.summary)


def tabulate(model: AdoptionModel) -> pd.DataFrame:
    """The model's monthly series as a DataFrame (group shares over group sizes)."""
    f, prof = model.firms, model.profile
    return series_frame(
        model.series, prof, model.n_firms,
        np.bincount(f.sector, minlength=len(prof.sectors)),
        np.bincount(f.size_class, minlength=3),
        np.bincount(f.member.astype(np.int64), minlength=2),
    )


def run(scenario: Scenario | str | Path | None = None, *, engine: Engine = "numba", **overrides) -> RunResult:
    """Run a scenario (object, TOML path, or None for the default) to its horizon."""
    model = AdoptionModel(scenario, engine=engine, **overrides).run()
    frame = tabulate(model)
    return RunResult(frame, summarise(frame, model.config, model.profile), model)


def write_run(result: RunResult, out_dir: str | Path, *, figure: bool = True) -> list[Path]:
    """Write series (Parquet + CSV), summary JSON and the adoption-curve figure."""
    out_dir = Path(out_dir)
    meta = provenance(result.scenario, result.model.profile)
    paths = write_frame(result.frame, out_dir, "series", meta)
    paths.append(write_json({**result.summary, "provenance": meta}, out_dir / "summary.json"))
    if figure:
        from .viz import adoption_figure, save_figure

        fig = adoption_figure(result.frame, result.model.profile, title=result.scenario.name)
        paths.append(save_figure(fig, out_dir / "adoption.png"))
    return paths
