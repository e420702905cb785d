"""The heavy tests' sizes: BEACON_TEST_SCALE is read as `full` (the default) or `reduced` and
nothing else, and CI's `make test` runs at the full scale while only its libfaketime passes run
reduced (docs/testing.md, "Test sizes")."""

from __future__ import annotations

import re

import pytest

from bot.settings import PROJECT_ROOT
from bot.testing.scale import SCALE_VARIABLE, ScaleError, current_scale, scaled

CI_RUN = PROJECT_ROOT / ".ci" / "run"
REDUCED = re.compile(r"^\s*export\s+BEACON_TEST_SCALE=[\"']?reduced[\"']?\s*(#.*)?$")
UNSET = re.compile(r"^\s*unset\s+BEACON_TEST_SCALE\s*(#.*)?$")


def code_lines() -> list[str]:
    """Return .ci/run's lines without comments and blank lines."""
    lines = CI_RUN.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_ci_runs_make_test_at_full_scale_and_the_shifted_runs_reduced() -> None:
    """In .ci/run the scale is unset before `make test` and set to `reduced` after it, before
    the first shifted pytest; nothing else names the scale."""
    lines = code_lines()
    [make_test] = [n for n, line in enumerate(lines) if line.strip() == "make test"]
    naming = [n for n, line in enumerate(lines) if SCALE_VARIABLE in line]
    unsets = [n for n in naming if UNSET.match(lines[n])]
    reduces = [n for n in naming if REDUCED.match(lines[n])]
    assert sorted(unsets + reduces) == naming, "only `unset` and `export ...=reduced` name it"
    assert unsets and max(unsets) < make_test, "make test must run at the full scale"
    assert len(reduces) == 1 and reduces[0] > make_test, "only the shifted runs are reduced"
    shifted = [n for n, line in enumerate(lines) if re.match(r"^\s*shifted_pytest\s", line)]
    assert len(shifted) == 2 and min(shifted) > reduces[0], "both shifted runs are reduced"


def test_the_scale_is_full_unless_reduced_is_asked_for() -> None:
    """Unset or empty is full; `reduced` is reduced; scaled picks the matching value."""
    assert current_scale({}) == "full"
    assert current_scale({SCALE_VARIABLE: ""}) == "full"
    assert current_scale({SCALE_VARIABLE: "full"}) == "full"
    assert current_scale({SCALE_VARIABLE: "reduced"}) == "reduced"
    assert scaled(10_000, 600, {}) == 10_000
    assert scaled((10_000, 500), (600, 100), {SCALE_VARIABLE: "reduced"}) == (600, 100)


@pytest.mark.parametrize("value", ["small", "FULL", "1", "reduce"])
def test_any_other_scale_is_refused_with_a_clear_message(value: str) -> None:
    """A value other than `full` or `reduced` raises, naming the variable and both values."""
    with pytest.raises(ScaleError) as refused:
        current_scale({SCALE_VARIABLE: value})
    message = str(refused.value)
    assert SCALE_VARIABLE in message and "'full'" in message and "'reduced'" in message
    assert repr(value) in message
