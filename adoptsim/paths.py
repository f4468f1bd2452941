"""Names are names: a scenario, sweep or study name becomes a safe single folder name.

Default output folders are ``adoptsim-out/<name>``; a name from a user file
could hold ``../``, an absolute path, control characters or 100,000
characters. :func:`safe_name` keeps ``[A-Za-z0-9._-]``, replaces every other
run of characters by ``-``, drops leading dots and dashes (no hidden or
parent folders) and cuts to 80 characters, so the folder is always one
component inside its parent.
"""

from __future__ import annotations

import re
from pathlib import Path

MAX_NAME = 80


def safe_name(name: str, fallback: str = "unnamed") -> str:
    """``name`` as one safe path component (``[A-Za-z0-9._-]``, no leading dot, at most 80 characters)."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", str(name))
    text = text.lstrip(".-")[:MAX_NAME].rstrip(".-")
    return text or fallback


def default_out(name: str, root: str | Path = "adoptsim-out") -> Path:
    """``root/<safe name>``: the default output folder of a named run."""
    return Path(root) / safe_name(name)
