"""Messages for pydantic validation errors: one line per problem, naming the file, the key and what is allowed.

Used wherever a user file is validated by a pydantic model (scenarios, sweep,
sensitivity and calibration files via :func:`adoptsim.tomlfile.read_model`), so
every file reports its problems in the same form. Depends on pydantic only,
so any module can import it without an import cycle.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError


def _field_info(model: type[BaseModel], loc: tuple) -> Any:
    """The pydantic FieldInfo at a location, or None."""
    info = None
    for part in loc:
        if not isinstance(part, str) or model is None or part not in model.model_fields:
            return None
        info = model.model_fields[part]
        ann = info.annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return info


def _allowed(info: Any) -> str:
    """Human description of a field's allowed values."""
    if info is None:
        return ""
    lo = hi = None
    lo_op, hi_op = ">=", "<="
    for m in info.metadata:
        for attr, op in (("ge", ">="), ("gt", ">")):
            if getattr(m, attr, None) is not None:
                lo, lo_op = getattr(m, attr), op
        for attr, op in (("le", "<="), ("lt", "<")):
            if getattr(m, attr, None) is not None:
                hi, hi_op = getattr(m, attr), op
    ann = getattr(info.annotation, "__name__", str(info.annotation))
    parts = [f"type {ann}"]
    if lo is not None:
        parts.append(f"{lo_op} {lo}")
    if hi is not None:
        parts.append(f"{hi_op} {hi}")
    unit = (info.json_schema_extra or {}).get("unit") if isinstance(info.json_schema_extra, dict) else None
    if unit:
        parts.append(f"unit {unit}")
    return "allowed: " + ", ".join(parts)


def format_errors(err: ValidationError, origin: str, model: type[BaseModel]) -> str:
    """One line per problem of ``err`` (raised validating ``model``): ``origin: key.path: message (allowed: ...)``."""
    lines = []
    for e in err.errors():
        loc = tuple(e["loc"])
        key = ".".join(str(p) for p in loc)
        if e["type"] == "extra_forbidden":
            parent = _field_info(model, loc[:-1])
            sub = model if len(loc) == 1 else getattr(parent, "annotation", None)
            known = ", ".join(sorted(sub.model_fields)) if isinstance(sub, type) and issubclass(sub, BaseModel) else ""
            lines.append(f"{origin}: {key}: unknown key" + (f" (known keys here: {known})" if known else ""))
            continue
        allowed = _allowed(_field_info(model, loc))
        got = repr(e.get("input"))
        got = got if len(got) <= 80 else f"{got[:60]}... ({len(got)} characters)"
        lines.append(f"{origin}: {key}: {e['msg']} (got {got}" + (f"; {allowed})" if allowed else ")"))
    return "\n".join(lines)
