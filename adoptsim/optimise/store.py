"""The optimisation folder: a manifest naming the problem, and one file per evaluated candidate.

An evaluation is keyed by the candidate's lever mix on the levers' grids (and
the uncertainty draw, for ``--robust``); its file ``evaluations/<key>.json``
is written atomically once all its replicates have run. A re-run of the same
problem into the folder reads them back and evaluates only new mixes; a folder
holding another problem (its :meth:`~adoptsim.optimise.problem.Problem.digest`
differs) is refused unless ``overwrite``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from ..lock import LOCK
from ..outcomes import write_json
from .problem import Problem, ProblemError

MANIFEST = "optimise.json"
EVALUATIONS = "evaluations"


def mix_key(mix: dict[str, float | int], draw: int | None = None) -> str:
    """A short, stable key of a mix (values already on the levers' grids) and an optional draw."""
    text = json.dumps({"mix": [[k, repr(v)] for k, v in mix.items()], "draw": draw})
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class Store:
    """Evaluated candidates of one problem in ``folder`` (see the module docstring)."""

    def __init__(self, folder: str | Path, problem: Problem, *, overwrite: bool = False) -> None:
        self.folder = Path(folder)
        self.problem = problem
        self.cache: dict[str, list[dict[str, float]]] = {}
        self._open(overwrite)

    def _open(self, overwrite: bool) -> None:
        manifest = self.folder / MANIFEST
        digest = self.problem.digest()
        if manifest.exists():
            try:
                old = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                if not overwrite:
                    raise ProblemError(f"{manifest}: unreadable ({err}); use --overwrite or another --out") from None
                old = {}
            if old.get("definition_hash") != digest:
                if not overwrite:
                    raise ProblemError(
                        f"{self.folder}: holds evaluations of a different problem ({old.get('name', '?')}, hash "
                        f"{old.get('definition_hash')}; this one is {digest}: its base scenario, fixed values, "
                        "levers, replicates, seed, uncertainty draws or the model differ). Use another --out "
                        "folder, or --overwrite to replace them.")
                shutil.rmtree(self.folder / EVALUATIONS, ignore_errors=True)
        elif self.folder.exists() and any(p.name != LOCK for p in self.folder.iterdir()) and not overwrite:
            raise ProblemError(f"{self.folder}: exists and is not an optimisation folder (no {MANIFEST}); "
                               "choose an empty or new --out folder")
        (self.folder / EVALUATIONS).mkdir(parents=True, exist_ok=True)
        for stale in (self.folder / EVALUATIONS).glob(".*.tmp"):  # a write cut short by a kill
            stale.unlink()
        write_json({"name": self.problem.name, "definition_hash": digest, "problem": self.problem.definition()},
                   manifest)
        for path in (self.folder / EVALUATIONS).glob("*.json"):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                replicates = record["replicates"]
            except (OSError, ValueError, KeyError, TypeError):
                path.unlink()  # unreadable: evaluate again
                continue
            if path.stem == record.get("key") and len(replicates) == len(self.problem.units(record.get("draw"))):
                self.cache[path.stem] = replicates

    def get(self, key: str) -> list[dict[str, float]] | None:
        return self.cache.get(key)

    def put(self, key: str, mix: dict, draw: int | None, replicates: list[dict[str, float]]) -> None:
        write_json({"key": key, "mix": mix, "draw": draw, "replicates": replicates},
                   self.folder / EVALUATIONS / f"{key}.json")
        self.cache[key] = replicates
