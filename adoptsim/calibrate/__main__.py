"""``python -m adoptsim.calibrate CONFIG ...``: the calibrate command without the main CLI."""

import sys

from .command import main

sys.exit(main())
