"""Sizes for people, the same in the terminal, the Deck pages and the web page."""

from __future__ import annotations

import typing


def human_size(size: typing.Any) -> str:
    """``size`` bytes as text with a binary unit (``512 B``, ``1.5 MiB``); ``?`` for something that is no number."""
    if isinstance(size, bool) or not isinstance(size, (int, float)):
        return "?"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover
