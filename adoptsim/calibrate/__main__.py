"""``python -m adoptsim.calibrate CONFIG ...``: the same as ``adoptsim calibrate CONFIG ...``."""

import sys

from ..cli import main

sys.exit(main(["calibrate", *sys.argv[1:]]))
