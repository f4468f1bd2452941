"""Point Numba's on-disk cache at a folder keyed by a hash of adoptsim's sources.

Numba's ``cache=True`` invalidates a cached function only when *its own*
file changes, not when a rule it calls in another module does; a stale
kernel would silently run old rules. Keying the cache folder by the hash of
every module that holds compiled code (``JIT_SOURCES``) makes any change to
them start a fresh cache.

The folder is set in numba's own config (``numba.core.config.CACHE_DIR``),
not in ``os.environ``, so importing adoptsim changes nothing for other code
or child processes (each process that imports adoptsim sets it again). Numba
picks a function's cache locator when the function is decorated, so this
must run before adoptsim's compiled modules are imported
(``adoptsim/__init__`` calls it first). An explicit ``NUMBA_CACHE_DIR``
(environment or ``.numba_config.yaml``) is respected.
"""

from __future__ import annotations

import os
from pathlib import Path

from .fingerprint import source_digest

JIT_SOURCES = ("rng.py", "state.py", "outcome_table.py", "record.py", "kernel.py", "rules/*.py")


def cache_dir() -> Path:
    """The keyed cache folder: ``$XDG_CACHE_HOME/adoptsim/numba/<hash of JIT_SOURCES>``."""
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "adoptsim" / "numba"
    return base / source_digest(JIT_SOURCES)[:16]


def configure() -> None:
    """Set numba's cache folder for this process, unless the user chose one."""
    from numba.core import config

    if os.environ.get("NUMBA_CACHE_DIR") or config.CACHE_DIR:
        return
    config.CACHE_DIR = str(cache_dir())
