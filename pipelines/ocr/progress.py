"""Callbacks for each page OCR'd: progress bars, the parse workers' supervisor (a long scan is not
cut off while its pages are read), tests that count OCR calls. Imports nothing heavy: every parse
worker registers here at start, before it knows whether a file needs OCR."""

from __future__ import annotations

from collections.abc import Callable

# Called once per page read by OCR (not for a page from the cache): (page number, seconds).
PageHook = Callable[[int, float], None]
_hooks: list[PageHook] = []


def on_page(hook: PageHook) -> None:
    """Register a callback for each page OCR'd."""
    _hooks.append(hook)


def remove_page_hook(hook: PageHook) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


def page_done(number: int, seconds: float) -> None:
    """Tell every registered callback that page `number` took `seconds` of OCR."""
    for hook in list(_hooks):
        hook(number, seconds)
