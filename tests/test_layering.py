"""Imports point one way: commerce knows nothing of the edges (DESIGN.md, Parts)."""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
ALLOWED = {
    "commerce": {"commerce"},
    "bot": {"commerce", "bot"},
    "devices": {"commerce", "devices"},
    "pickup_counter": {"commerce", "devices", "pickup_counter"},
    "scheduler": {"commerce", "bot", "devices", "scheduler"},
}
OURS = {"commerce", "bot", "pickup_counter", "devices", "scheduler", "plusone"}


def imported_packages(path: pathlib.Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_what_design_allows(package):
    files = list((ROOT / package).rglob("*.py"))
    assert files, package
    wrong = {str(f.relative_to(ROOT)): sorted(imported_packages(f) - ALLOWED[package]) for f in files}
    assert {f: w for f, w in wrong.items() if w} == {}


def test_the_check_sees_a_wrong_import(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from bot.grammar import parse_group\nimport plusone.app\n")
    assert imported_packages(bad) == {"bot", "plusone"}
