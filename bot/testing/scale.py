"""How big the heaviest tests run, read from BEACON_TEST_SCALE: `full` (the default, the
issue's sizes, as `make test` runs them) or `reduced` (smaller bursts and broadcasts, for CI's
libfaketime passes, which re-run the suite only to catch wall-clock reads). Any other value is
refused with a message naming both."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TypeVar

SCALE_VARIABLE = "BEACON_TEST_SCALE"
"""The environment variable that chooses the scale."""
FULL = "full"
REDUCED = "reduced"
SCALES = (FULL, REDUCED)

T = TypeVar("T")


class ScaleError(ValueError):
    """BEACON_TEST_SCALE holds something other than `full` or `reduced`."""


def current_scale(environ: Mapping[str, str] | None = None) -> str:
    """Return `full` or `reduced` from BEACON_TEST_SCALE in `environ` (the process's when
    None); unset or empty means `full`; any other value raises ScaleError."""
    value = (os.environ if environ is None else environ).get(SCALE_VARIABLE, "").strip()
    if not value:
        return FULL
    if value not in SCALES:
        raise ScaleError(
            f"{SCALE_VARIABLE} must be {FULL!r} (the default) or {REDUCED!r}, not {value!r}"
        )
    return value


def scaled(full: T, reduced: T, environ: Mapping[str, str] | None = None) -> T:
    """Return `full` at the full scale and `reduced` at the reduced one."""
    return full if current_scale(environ) == FULL else reduced
