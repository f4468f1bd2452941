"""The one error type of the calibration package (kept free of heavy imports)."""

from __future__ import annotations


class CalibrationError(ValueError):
    """A calibration config, target file, user data file or database that cannot be used.

    The message names the file and, where there is one, the key or the row and
    column, and says what is allowed.
    """
