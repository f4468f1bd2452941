"""Fingerprints of the code and data that decide a run's numbers.

A resumable job (a sweep, a calibration) must never mix results of two
definitions. Its definition hash therefore covers, beside its own settings,
the model's sources and shipped data (:func:`model_digest`) and the content of
any profile file it reads (:func:`file_digest`).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).parent

#: What decides a run's numbers: the compiled rules, the state layout, synthesis, the schema, the shipped profiles.
MODEL_SOURCES = ("rng.py", "state.py", "outcome_table.py", "record.py", "kernel.py", "rules/*.py", "population.py", "scenario/*.py",
                 "profiles/*.py", "profiles/data/*.toml", "outcomes.py", "sweep/work.py")


def source_digest(patterns: tuple[str, ...], root: Path = ROOT) -> str:
    """SHA-256 (hex) over the relative paths and bytes of the files matching ``patterns`` under ``root``."""
    digest = hashlib.sha256()
    for path in sorted({p for pattern in patterns for p in root.glob(pattern)}):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def model_digest() -> str:
    """A short digest of the model's sources and shipped data (changes with any edit to them)."""
    return source_digest(MODEL_SOURCES)[:16]


def file_digest(path: str | Path) -> str:
    """SHA-256 (hex) of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
