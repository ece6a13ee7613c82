"""csat/domain must stay pure Python: stdlib + chinese_calendar + holidays, never Django."""

import ast
import sys
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "csat" / "domain"
ALLOWED_THIRD_PARTY = {"chinese_calendar", "holidays"}
MODULES = sorted(DOMAIN.rglob("*.py"))


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_modules_found() -> None:
    names = {p.stem for p in MODULES}
    assert {"levels", "scoring", "grading", "calendar", "deadlines", "transitions"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports_are_stdlib_or_allowed(path: Path) -> None:
    roots = imported_roots(path)
    assert "django" not in roots, f"{path.name} imports django"
    # Relative imports (level > 0) stay inside csat.domain; absolute ones must too.
    foreign = {
        r for r in roots if r not in sys.stdlib_module_names and r not in ALLOWED_THIRD_PARTY and r != "csat"
    }
    assert not foreign, f"{path.name} imports {sorted(foreign)}"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("csat."):
            assert node.module.startswith("csat.domain"), f"{path.name} imports {node.module}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("csat."):
                    assert alias.name.startswith("csat.domain"), f"{path.name} imports {alias.name}"
