"""Golden outputs of every shipped scenario: one SHA-256 per series column.

A refactor must not move a number. ``tests/test_golden.py`` re-runs every
scenario file in ``adoptsim/experiments/`` (and the built-in default) with the shipped
calibrated defaults and compares each column of its monthly series, bit for
bit, with ``digests.json``. A model change that moves numbers on purpose
regenerates the file and says why in its commit::

    .venv/bin/python -m tests.golden.record
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = ROOT / "adoptsim" / "experiments"
DIGESTS = Path(__file__).with_name("digests.json")
ENVIRONMENT = Path(__file__).with_name("environment.json")
#: Packages whose release can move the last bits of a float (pinned in constraints.txt).
NUMERICAL_STACK = ("numpy", "numba", "llvmlite", "scipy", "pandas", "pyarrow", "mesa")
HEADLINES = ("share_adopted", "firms_compliant", "firms_relocated_out", "firms_closed", "public_cost_cumulative",
             "water_saved_m3_per_year")


def scenario_files() -> list[Path]:
    """The shipped scenario files (sweep and sensitivity study files excluded)."""
    return sorted(p for p in EXPERIMENTS.glob("*.toml")
                  if not p.stem.startswith(("sweep-", "smoke-sweep", "sensitivity-")))


def column_digest(values: np.ndarray) -> str:
    arr = np.ascontiguousarray(np.asarray(values))
    h = hashlib.sha256(str(arr.dtype).encode())
    h.update(arr.tobytes())
    return h.hexdigest()[:20]


def digests_of(frame) -> dict[str, str]:
    return {name: column_digest(frame[name].to_numpy()) for name in frame.columns}


def run_all() -> dict[str, dict]:
    from adoptsim import load_scenario, run
    from adoptsim.scenario import default_scenario

    cases = {"default": default_scenario()} | {p.stem: load_scenario(p) for p in scenario_files()}
    out = {}
    for name, scenario in cases.items():
        frame = run(scenario).frame
        last = frame.iloc[-1]
        out[name] = {"columns": digests_of(frame),
                     "headline": {k: float(last[k]) for k in HEADLINES if k in frame}}
    return out


def environment() -> dict[str, str]:
    """Python's and the numerical stack's versions, as installed."""
    from importlib.metadata import version

    return {"python": sys.version.split()[0]} | {name: version(name) for name in NUMERICAL_STACK}


def main() -> int:
    DIGESTS.write_text(json.dumps(run_all(), indent=1, sort_keys=True) + "\n")
    ENVIRONMENT.write_text(json.dumps(environment(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {DIGESTS.relative_to(ROOT)} and {ENVIRONMENT.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
