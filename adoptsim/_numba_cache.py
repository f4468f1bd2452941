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

Importing adoptsim does not import numba (``adoptsim --help`` and ``adoptsim
list`` start in a blink): if numba is not imported yet, :func:`configure`
waits for it, setting the folder the moment ``numba.core.config`` has run,
which is before any of adoptsim's compiled modules can decorate a function.
"""

from __future__ import annotations

import importlib.abc
import os
import sys
from pathlib import Path

from .fingerprint import source_digest

JIT_SOURCES = ("rng.py", "state.py", "outcome_table.py", "record.py", "kernel.py", "rules/*.py")


def cache_dir() -> Path:
    """The keyed cache folder: ``$XDG_CACHE_HOME/adoptsim/numba/<hash of JIT_SOURCES>``."""
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "adoptsim" / "numba"
    return base / source_digest(JIT_SOURCES)[:16]


def configured_dir() -> str:
    """The folder numba caches compiled code in for this process (imports numba)."""
    from numba.core import config

    return str(config.CACHE_DIR or cache_dir())


def is_cold() -> bool:
    """True when this version's compiled code is not cached yet (the first run compiles, about a minute)."""
    folder = Path(configured_dir())
    return not (folder.is_dir() and any(folder.rglob("*.nbi")))


def _set(config) -> None:
    if os.environ.get("NUMBA_CACHE_DIR") or config.CACHE_DIR:
        return
    config.CACHE_DIR = str(cache_dir())


class _AfterNumbaConfig(importlib.abc.MetaPathFinder):
    """Runs :func:`_set` right after ``numba.core.config`` is executed, wherever numba is first imported."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "numba.core.config":
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_then_set(module):
            exec_module(module)
            _set(module)

        loader.exec_module = exec_then_set  # this spec's own loader instance
        return spec


def configure() -> None:
    """Set numba's cache folder for this process, unless the user chose one (now, or once numba is imported)."""
    if "numba.core.config" in sys.modules:
        _set(sys.modules["numba.core.config"])
    elif not any(isinstance(f, _AfterNumbaConfig) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterNumbaConfig())
