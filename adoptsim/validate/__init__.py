r"""Pattern-oriented validation: which of the patterns of docs/PATTERNS.md the model reproduces.

A credible model reproduces several qualitative patterns at once (Grimm et
al. 2005). docs/PATTERNS.md lists nine; each has a small check (:mod:`.patterns`) that
runs a replicated experiment with fixed seeds under one **parameter set** (flat
scenario values, usually the behaviour parameters of a posterior draw) and
returns a :class:`PatternResult`: reproduced or not, the statistics behind the
verdict, the criterion in words, one plain sentence, and the data of its
figure panel. A verdict on one set of seeds can flip on another, so every
check runs on several independent seed sets (:func:`.experiments.seed_set`)
and the report gives each pattern a pass rate with a Wilson interval and an
effect size with a bootstrap interval; for the two contrast patterns (1: social
influence makes the S; 4: finance helps small firms more than medium ones) the
effect is the contrast and its sign is the test.

:func:`validate` runs every check for one parameter set (the scenario
defaults) or for a few weighted draws of a posterior (:mod:`.posterior`),
compares held-out Kanpur and Taihu figures where a target file gives them
(:mod:`.heldout`), and writes (:mod:`.report`)::

    OUT/patterns.csv   one row per pattern, parameter set and seed set
    OUT/heldout.csv    held-out rows: compared, prediction only, or skipped (with the reason)
    OUT/patterns.png   one panel per pattern, title green / red (orange: some draws)
    OUT/report.md      pass rates, effects, held-out coverage, in plain language

One concept per module:

==================  ===========================================================
``results``         PatternResult, Panel, the pattern registry, ValidateError
``experiments``     seeds, scenario layers and replicated runs the checks share
``patterns``        the nine checks (and the frictionless profile of pattern 9)
``posterior``       reading a posterior CSV and drawing parameter sets from it
``heldout``         held-out Kanpur and Taihu figures against predictions
``report``          ValidationReport, report.md, and writing the files
``run``             run_patterns and validate, the entry point of the CLI
==================  ===========================================================

References
----------
Grimm, V. et al. (2005). Pattern-oriented modeling of agent-based complex
systems. Science 310, 987-991.
"""

from __future__ import annotations

from . import patterns as _patterns  # noqa: F401  (registers the nine checks in PATTERNS)
from .experiments import SEED
from .heldout import HELDOUT, classify_target, heldout_check
from .patterns import FRICTIONLESS, frictionless_profile
from .posterior import DRAWS, draw_parameter_sets, read_posterior
from .report import ValidationReport, markdown, write_report
from .results import PATTERNS, Panel, Pattern, PatternResult, ValidateError, check_pattern
from .run import run_patterns, validate

__all__ = ["DRAWS", "FRICTIONLESS", "HELDOUT", "PATTERNS", "SEED", "Panel", "Pattern", "PatternResult",
           "ValidateError", "ValidationReport", "check_pattern", "classify_target", "draw_parameter_sets",
           "frictionless_profile", "heldout_check", "markdown", "read_posterior", "run_patterns", "validate",
           "write_report"]
