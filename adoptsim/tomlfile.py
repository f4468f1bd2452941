"""Reading user TOML files with errors that name the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .errors import format_errors

M = TypeVar("M", bound=BaseModel)


def read_model(path: str | Path, model: type[M], error: type[Exception], what: str) -> M:
    """Parse ``path`` and validate it as ``model``; every problem is reported as
    ``file: dotted.key: message (allowed: ...)`` in one ``error``."""
    raw = read_toml(path, error, what)
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        raise error(format_errors(err, str(path), model)) from None


def read_toml(path: str | Path, error: type[Exception], what: str) -> dict:
    """Parse ``path``; a missing, unreadable, non-UTF-8 or empty file or bad syntax raises ``error`` naming the file.

    ``what`` names the kind of file for the message ("scenario", "sweep", ...). A UTF-8 byte-order mark
    (as some Windows editors write) is accepted. An empty file (or one with only comments) gives the
    defaults, with a warning (it may be a truncated save).
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: no such {what} file" + (" (it is a folder)" if path.is_dir() else ""))
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise error(f"{path}: cannot read the {what} file ({err.strerror or err})") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise error(f"{path}: not UTF-8 text (byte {err.start}, line {line}); save the {what} file as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise error(f"{path}: not valid TOML: {err}") from None
    if not data:
        import warnings

        warnings.warn(f"{path}: the {what} file is empty (no keys): using the defaults for everything", stacklevel=3)
    return data
