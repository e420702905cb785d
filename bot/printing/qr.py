"""QR codes (segno, error correction M) as module rows and as rectangles of dark runs."""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["QrBox", "dark_runs", "qr_modules", "qr_rectangles"]

QrBox = tuple[float, float, float]
"""Left, top and side of a square QR code."""


def qr_modules(payload: str) -> list[list[bool]]:
    """The QR code of `payload` as rows of dark (True) and light modules, quiet zone excluded."""
    import segno  # imported when a code is drawn, not when Beacon starts

    qr = segno.make(payload, error="m", micro=False)
    return [[bool(module) for module in row] for row in qr.matrix_iter(border=0)]


def dark_runs(row: list[bool]) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    start = None
    for index, dark in enumerate([*row, False]):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            yield start, index - start
            start = None


def qr_rectangles(payload: str, box: QrBox) -> Iterator[tuple[float, float, float, float]]:
    """(left, top, width, height) of each dark run of the QR code of `payload` filling `box`."""
    modules = qr_modules(payload)
    left, top, side = box
    unit = side / len(modules)
    for y, row in enumerate(modules):
        for x, length in dark_runs(row):
            yield left + x * unit, top + y * unit, length * unit, unit
