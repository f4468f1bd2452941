"""What a report reads besides sweeps: optimisation and discovery folders, found or given, read with errors
that name the file.

An ``adoptsim optimise`` folder holds ``pareto.csv`` and ``summary.json`` (``pareto.png`` unless run without
figures); an ``adoptsim discover`` folder holds ``boxes.csv`` and ``discover.json``. ``adoptsim report DIR``
reports the ones given with ``--optimise`` / ``--discover`` and, as it does for sweeps, every one it finds in
``DIR`` itself or up to two levels below it or below a sweep it reports (``SWEEP/discover/<rule>/`` is where
discover writes by default).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

OPTIMISE_FILES = ("pareto.csv", "summary.json")
DISCOVER_FILES = ("boxes.csv", "discover.json")
#: every file an optimise or discover folder may hold: the report shows them in their own section, not again
#: among a folder's other figures and tables
OWN_FILES = {"optimise": (*OPTIMISE_FILES, "pareto.png", "evaluations.csv", "robust.csv"),
             "discover": (*DISCOVER_FILES, "trajectory.csv", "trajectory.png")}
NOT_SEARCHED = ("runs", "figures", "report")


class ReportError(ValueError):
    """A directory that holds nothing to report, or a file the report cannot read; the message names it."""


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def read_json(path: Path) -> dict:
    """A JSON object, or a ReportError naming the file (missing, not JSON, not an object)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path}: missing") from None
    except (OSError, ValueError) as err:
        raise ReportError(f"{path}: cannot be read as JSON ({_one_line(err)})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: not a JSON object")
    return data


def read_csv(path: Path, columns: Sequence[str] = ()) -> pd.DataFrame:
    """A CSV table holding ``columns``, or a ReportError naming the file (missing, unreadable, a column short)."""
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise ReportError(f"{path}: missing") from None
    except (OSError, ValueError) as err:  # pandas' parser and empty-data errors are ValueErrors
        raise ReportError(f"{path}: cannot be read as CSV ({_one_line(err)})") from None
    short = [c for c in columns if c not in frame.columns]
    if short:
        raise ReportError(f"{path}: no column {short[0]!r} (columns: {', '.join(map(str, frame.columns))})")
    return frame


def kind_of(folder: Path) -> str | None:
    """``"optimise"`` (a ``pareto.csv``) or ``"discover"`` (``boxes.csv`` or ``discover.json``) for a results folder."""
    if any((folder / f).is_file() for f in OPTIMISE_FILES[:1]):  # summary.json alone is too common a name
        return "optimise"
    if any((folder / f).is_file() for f in DISCOVER_FILES):
        return "discover"
    return None


def found(directory: Path, depth: int = 2) -> list[tuple[str, Path]]:
    """Optimise and discover folders in ``directory`` and up to ``depth`` levels below it, sorted by path."""
    kind = kind_of(directory)
    out = [(kind, directory)] if kind else []
    if depth:
        for sub in sorted(p for p in directory.iterdir() if p.is_dir() and p.name not in NOT_SEARCHED
                          and not p.name.startswith(".")):
            out += found(sub, depth - 1)
    return out


def searches(roots: Sequence[Path], optimise: Sequence[str | Path] = (), discover: Sequence[str | Path] = ()
             ) -> list[tuple[str, Path]]:
    """The folders to report: those given (each must exist), then those :func:`found` in each of ``roots`` (the
    report's folder and its sweeps), each once."""
    given = [("optimise", Path(p)) for p in optimise] + [("discover", Path(p)) for p in discover]
    for kind, path in given:
        if not path.is_dir():
            raise ReportError(f"{path}: no such directory (--{kind} takes a folder written by adoptsim {kind})")
    out, seen = [], set()
    for kind, path in given + [f for root in roots for f in found(root)]:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            out.append((kind, path))
    return out


def cluster_near(folder: Path, levels: int = 3) -> str | None:
    """The cluster of the results in or above ``folder``: an optimise summary's, else a sweep manifest's."""
    for place in [folder, *folder.resolve().parents][:levels + 1]:
        for name, keys in (("summary.json", ("cluster",)), ("manifest.json", ("sweep", "base", "cluster"))):
            try:
                value = json.loads((place / name).read_text(encoding="utf-8"))
                for key in keys:
                    value = value[key]
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if isinstance(value, str):
                return value
    return None


def profile_near(folder: Path):
    """The cluster profile of :func:`cluster_near` (None if there is none or it cannot be loaded): lever values
    and money are then said in its units."""
    from ..profiles import load_profile

    cluster = cluster_near(folder)
    try:
        return load_profile(cluster) if cluster else None
    except (KeyError, TypeError, ValueError, OSError):
        return None
