"""Reading user TOML files with errors that name the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def read_model(path: str | Path, model: type[M], error: type[Exception], what: str) -> M:
    """Parse ``path`` and validate it as ``model``; every problem is reported as
    ``file: dotted.key: message (allowed: ...)`` in one ``error``."""
    from .scenario.load import format_errors

    raw = read_toml(path, error, what)
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        raise error(format_errors(err, str(path), model)) from None


def read_toml(path: str | Path, error: type[Exception], what: str) -> dict:
    """Parse ``path``; a missing file or bad syntax raises ``error`` naming the file.

    ``what`` names the kind of file for the message ("scenario", "sweep", ...).
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: no such {what} file")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise error(f"{path}: not valid TOML: {err}") from None
