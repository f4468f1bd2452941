"""CSV rows validated by pydantic models, with errors that name the file, the row and the column.

A row model declares one field per column (cells arrive as text) with the
annotated cell types below; cross-column rules go in a ``model_validator`` that
raises :func:`cell_error`. :func:`read_csv` checks the header, :func:`validate_row`
turns any failure into one :class:`CalibrationError`, a line per problem::

    FILE: row N (line L): column C: problem (allowed: ...)
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic_core import PydanticCustomError

from .errors import CalibrationError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Row:
    """One data row of a CSV file: its number (1 = first data row), its line and its cells by column."""

    path: Path
    index: int
    line: int
    cells: dict[str, str]

    @property
    def where(self) -> str:
        return f"{self.path}: row {self.index} (line {self.line})"

    def error(self, column: str, message: str, allowed: str = "") -> CalibrationError:
        """The error for a problem found outside the row model (e.g. a repeat of another row)."""
        return CalibrationError(_line(self.where, column, message, allowed))


def _line(where: str, column: str, message: str, allowed: str) -> str:
    return f"{where}: column '{column}': {message}" + (f" (allowed: {allowed})" if allowed else "")


def cell_error(column: str | None, message: str, allowed: str = "") -> PydanticCustomError:
    """A validation error of one cell; ``column`` names it when raised by a model validator."""
    return PydanticCustomError("csv_cell", "{message}", {"message": message, "allowed": allowed, "column": column})


def validate_row(model: type[M], row: Row, context: dict[str, Any] | None = None) -> M:
    """``model`` validated from ``row``'s cells; every problem becomes a line of one CalibrationError."""
    try:
        return model.model_validate(row.cells, context=context)
    except ValidationError as err:
        lines = []
        for e in err.errors(include_url=False):
            ctx = e.get("ctx") or {}
            column = str(e["loc"][0]) if e["loc"] else str(ctx.get("column", ""))
            if e["type"] == "csv_cell":
                lines.append(_line(row.where, column, ctx["message"], ctx["allowed"]))
            else:  # not raised by the cell types here (a programming slip or an unknown column)
                lines.append(_line(row.where, column, e["msg"], ""))
        raise CalibrationError("\n".join(lines)) from None


def read_csv(path: str | Path, required: tuple[str, ...], optional: tuple[str, ...],
             what: str) -> tuple[list[str], list[Row]]:
    """The header and the non-blank data rows of a CSV file, after checking its header."""
    path = Path(path)
    if not path.is_file():
        raise CalibrationError(f"{path}: no such {what} file")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise CalibrationError(f"{path}: empty {what} file "
                                   f"(expected a header row: {', '.join(required)})") from None
        missing = [c for c in required if c not in header]
        if missing:
            raise CalibrationError(f"{path}: line 1: missing column(s) {', '.join(missing)} "
                                   f"(required: {', '.join(required)}; optional: {', '.join(optional) or 'none'})")
        unknown = [c for c in header if c not in required + optional]
        if unknown:
            raise CalibrationError(f"{path}: line 1: unknown column(s) {', '.join(unknown)} "
                                   f"(allowed: {', '.join(required + optional)})")
        dup = sorted({c for c in header if header.count(c) > 1})
        if dup:
            raise CalibrationError(f"{path}: line 1: duplicate column(s) {', '.join(dup)}")
        rows = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            row = Row(path, len(rows) + 1, reader.line_num, dict(zip(header, cells)))
            if len(cells) != len(header):
                raise CalibrationError(f"{row.where}: {len(cells)} cells but the header has {len(header)} columns")
            rows.append(row)
    return header, rows


# --------------------------------------------------------------------------- cell types
def value_range(lo: float | None, hi: float | None) -> str:
    """The allowed range in words: ``0 to 1``, ``>= 1``, ``any number``."""
    if lo is not None and hi is not None:
        return f"{lo} to {hi}"
    if lo is not None:
        return f">= {lo}"
    if hi is not None:
        return f"<= {hi}"
    return "any number"


def integer_range(lo: int | None, hi: int | None) -> str:
    return "an integer " + value_range(lo, hi)


def _strip(value: object) -> str:
    return "" if value is None else str(value).strip()


def _required(value: object) -> str:
    text = _strip(value)
    if not text:
        raise cell_error(None, "missing value", "non-empty text")
    return text


def _parse_number(value: object, lo: float | None, hi: float | None, allowed: str) -> float | None:
    raw = _strip(value)
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError:
        raise cell_error(None, f"{raw!r} is not a number", allowed or "a number") from None
    if not math.isfinite(number):
        raise cell_error(None, f"{raw!r} is not finite", allowed or "a finite number")
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise cell_error(None, f"{raw} is out of range", allowed or value_range(lo, hi))
    return number


def number(lo: float | None = None, hi: float | None = None, allowed: str = "") -> Any:
    """A cell holding a finite number (blank: None), optionally within ``[lo, hi]``."""
    return Annotated[float | None, BeforeValidator(lambda v: _parse_number(v, lo, hi, allowed))]


def integer(lo: int | None = None, hi: int | None = None) -> Any:
    """A cell holding an integer (blank: None), optionally within ``[lo, hi]``."""
    allowed = integer_range(lo, hi)

    def parse(value: object) -> int | None:
        number = _parse_number(value, lo, hi, allowed)
        if number is None:
            return None
        if number != int(number):
            raise cell_error(None, f"{_strip(value)!r} is not an integer", allowed)
        return int(number)

    return Annotated[int | None, BeforeValidator(parse)]


def choice(allowed: tuple[str, ...] | Callable[[], tuple[str, ...]]) -> Any:
    """A cell holding one of ``allowed`` (a tuple, or a function giving it when a row is read)."""
    def check(value: object) -> str:
        text = _required(value)
        options = allowed() if callable(allowed) else allowed
        if text not in options:
            raise cell_error(None, f"{text!r} is not allowed", ", ".join(options))
        return text

    return Annotated[str, BeforeValidator(check)]


def matching(pattern, what: str, allowed: str) -> Any:
    """A non-empty cell that matches the compiled regular expression ``pattern``."""
    def check(value: object) -> str:
        text = _required(value)
        if not pattern.match(text):
            raise cell_error(None, f"{text!r} is not {what}", allowed)
        return text

    return Annotated[str, BeforeValidator(check)]


#: A non-empty text cell, and a text cell that may be blank.
Text = Annotated[str, BeforeValidator(_required)]
OptionalText = Annotated[str, BeforeValidator(_strip)]
