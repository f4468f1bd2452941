"""Variant names in words: ``capex_subsidy_share=0.3`` becomes ``Capex subsidy share 30 %``."""

from __future__ import annotations

import pandas as pd


def _parse(text: str):
    """A value as :func:`adoptsim.sweep.spec` wrote it into a variant name."""
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def plain_name(name: str, profile) -> str:
    """``capex_subsidy_share=0.3, green_finance_guarantee=0.8`` -> ``Capex subsidy share 30 %; Green finance
    guarantee 80 %`` (values of one lever grouped after its name).

    Names a sweep file gave its variants are kept as they are.
    """
    from ..dashboard.controls import describe, lever_title
    from ..scenario import flat_keys

    parts = [p.split("=", 1) for p in name.split(", ")]
    keys = flat_keys()
    if profile is None or not all(len(p) == 2 and p[0] in keys for p in parts):
        return name
    groups: dict[str, list[str]] = {}
    for key, value in parts:
        path = keys[key]
        lever = lever_title(path[1]) if path[0] == "levers" else ""
        text = describe(key, _parse(value), profile)
        if lever and text.startswith(lever + " "):
            text = text[len(lever) + 1:]
        groups.setdefault(lever, []).append(text)
    return "; ".join((f"{lever} " if lever else "") + ", ".join(texts) for lever, texts in groups.items())


def with_plain_names(frame: pd.DataFrame, manifest: dict, profile) -> tuple[pd.DataFrame, dict]:
    """The results with generated variant names (``key=value, ...``) put into words."""
    variants = manifest.get("sweep", {}).get("variants", [])
    plain = {v["id"]: plain_name(v["name"], profile) for v in variants}
    for vid, name in frame[["variant", "variant_name"]].drop_duplicates("variant").itertuples(index=False):
        plain.setdefault(vid, plain_name(name, profile))
    frame = frame.assign(variant_name=frame["variant"].map(plain))
    sweep = {**manifest.get("sweep", {}), "variants": [{**v, "name": plain[v["id"]]} for v in variants]}
    return frame, {**manifest, "sweep": sweep}


def key_words(key: str) -> str:
    """A flat scenario key in words, as :func:`plain_name` says it: ``capex_subsidy_share`` -> ``Capex subsidy
    share``; an unknown key as it is."""
    from ..dashboard.controls import describe
    from ..scenario import flat_keys

    if key not in flat_keys():
        return key
    return describe(key, True, None).removesuffix(": yes")  # a yes/no value is said without the profile


def value_words(key: str, value, profile) -> str:
    """A value of a flat key as :func:`plain_name` says it, without the key: ``capex_subsidy_share``, 0.3 ->
    ``30 %``; to 4 significant digits when the key or the profile (for units) is unknown."""
    from ..dashboard.controls import describe
    from ..scenario import flat_keys

    if isinstance(value, float) and value.is_integer():
        value = _parse(f"{value:g}")  # a whole number read back from a CSV file as a float
    if profile is None or key not in flat_keys():
        return f"{value:.4g}" if isinstance(value, float) else str(value)
    text, words = describe(key, value, profile), key_words(key)
    return text[len(words):].lstrip(": ") if text.startswith(words) else text
