"""No test module imports another: tests import only bot.* and libraries, and share fixtures
through conftest.py files (which pytest shares without imports) and helpers through bot.testing."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def imports_of_tests(path: Path) -> list[str]:
    """Return each import in a file that reaches into the tests package, as `line: source`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = ["tests" if node.level else node.module or ""]
        else:
            continue
        if any(name == "tests" or name.startswith("tests.") for name in names):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_test_file_imports_from_tests() -> None:
    """Every Python file under tests/ imports nothing from `tests` (absolute or relative)."""
    offenders = {
        str(path.relative_to(TESTS)): found
        for path in sorted(TESTS.rglob("*.py"))
        if (found := imports_of_tests(path))
    }
    assert offenders == {}, "move shared helpers into bot.testing"


def test_the_check_sees_every_form(tmp_path: Path) -> None:
    """The check catches `import tests...`, `from tests... import` and relative imports."""
    forms = ["import tests.conftest", "from tests import conftest", "from .conftest import x"]
    for number, source in enumerate(forms):
        path = tmp_path / f"m{number}.py"
        path.write_text(f"def f() -> None:\n    {source}\n", encoding="utf-8")
        assert imports_of_tests(path) == [f"2: {source}"]
    clean = tmp_path / "clean.py"
    clean.write_text("import testsuite\nfrom bot.testing import user\n", encoding="utf-8")
    assert imports_of_tests(clean) == []
