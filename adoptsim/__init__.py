"""adoptsim: how MSMEs in industrial clusters adopt cleaner production, and what changes it.

>>> from adoptsim import AdoptionModel
>>> model = AdoptionModel(cluster="lahore", capex_subsidy_share=0.3).run()
>>> model.series.adopters[-1]  # doctest: +SKIP
"""

__version__ = "0.1.0"

from . import _numba_cache  # noqa: E402

_numba_cache.configure()

import sys as _sys  # noqa: E402
import types as _types  # noqa: E402

__all__ = ["AdoptionModel", "EnsembleResult", "RunResult", "Scenario", "load_scenario", "run", "run_ensemble",
           "__version__"]

# The public names are imported on first use, so that ``import adoptsim`` (and ``adoptsim --help``) does not
# import numba, mesa or pandas. ``run`` is both a function and a submodule: a property keeps ``adoptsim.run``
# the function even after the import system sets the submodule on the package.
_LAZY = {"AdoptionModel": ".model", "RunResult": ".run", "Scenario": ".scenario", "load_scenario": ".scenario",
         "EnsembleResult": ".ensemble", "run_ensemble": ".ensemble"}


def _run_function():
    from .run import run as function

    return function


class _Package(_types.ModuleType):
    run = property(lambda self: _run_function(), lambda self, value: None)

    def __getattr__(self, name):
        if name in _LAZY:
            import importlib

            value = getattr(importlib.import_module(_LAZY[name], __name__), name)
            setattr(self, name, value)
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(__all__))


_sys.modules[__name__].__class__ = _Package
