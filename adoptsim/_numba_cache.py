"""Point Numba's on-disk cache at a folder keyed by a hash of adoptsim's sources.

Numba's ``cache=True`` invalidates a cached function only when *its own*
file changes, not when a rule it calls in another module does; a stale
kernel would silently run old rules. Keying the cache folder by the hash of
every module that holds compiled code (``JIT_SOURCES``) makes any change to
them start a fresh cache.
An explicit ``NUMBA_CACHE_DIR`` set by the user is respected.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path


JIT_SOURCES = ("rng.py", "state.py", "kernel.py", "rules/*.py")


def configure() -> None:
    if "NUMBA_CACHE_DIR" in os.environ:
        return
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(p for pattern in JIT_SOURCES for p in root.glob(pattern)):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "adoptsim" / "numba"
    os.environ["NUMBA_CACHE_DIR"] = str(base / digest.hexdigest()[:16])
    if "numba" in sys.modules:  # numba read its config already: make it look again
        from numba.core import config

        config.reload_config()
