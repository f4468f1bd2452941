"""Point Numba's on-disk cache at a folder keyed by a hash of adoptsim's sources.

Numba's ``cache=True`` invalidates a cached function only when *its own*
file changes, not when a rule it calls in another module does; a stale
kernel would silently run old rules. Keying the cache folder by the hash of
every module that holds compiled code (``JIT_SOURCES``) makes any change to
them start a fresh cache.
An explicit ``NUMBA_CACHE_DIR`` set by the user is respected.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .fingerprint import source_digest


JIT_SOURCES = ("rng.py", "state.py", "outcome_table.py", "record.py", "kernel.py", "rules/*.py", "scenario/schema.py")


def configure() -> None:
    if "NUMBA_CACHE_DIR" in os.environ:
        return
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "adoptsim" / "numba"
    os.environ["NUMBA_CACHE_DIR"] = str(base / source_digest(JIT_SOURCES)[:16])
    if "numba" in sys.modules:  # numba read its config already: make it look again
        from numba.core import config

        config.reload_config()
