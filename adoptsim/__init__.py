"""adoptsim: how MSMEs in industrial clusters adopt cleaner production, and what changes it.

>>> from adoptsim import AdoptionModel
>>> model = AdoptionModel(cluster="lahore", capex_subsidy_share=0.3).run()
>>> model.series.adopters[-1]  # doctest: +SKIP
"""

__version__ = "0.1.0"

from . import _numba_cache  # noqa: E402

_numba_cache.configure()

from .model import AdoptionModel  # noqa: E402
from .run import RunResult, run  # noqa: E402
from .scenario import Scenario, load_scenario  # noqa: E402

__all__ = ["AdoptionModel", "RunResult", "Scenario", "load_scenario", "run", "__version__"]
