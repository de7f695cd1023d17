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


# Handlers parse, call commerce services and answer (STYLE.md, Thin edges): the queries are
# commerce's. An import under `if TYPE_CHECKING:` names a model in annotations and runs nothing.
NOT_IN_HANDLERS = {"commerce.models", "commerce.db"}


def queried_modules(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and _is_type_checking(node.test)
                   for stmt in node.body for n in ast.walk(stmt)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found & NOT_IN_HANDLERS


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def test_no_bot_handler_queries_the_models_itself():
    files = sorted((ROOT / "bot" / "handlers").glob("*.py"))
    assert files
    wrong = {str(f.relative_to(ROOT)): sorted(queried_modules(f)) for f in files}
    assert {f: w for f, w in wrong.items() if w} == {}


def test_the_handler_check_sees_a_model_import_but_not_one_for_annotations(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from typing import TYPE_CHECKING\nfrom commerce.models import Campaign\n"
                   "from commerce import db\nif TYPE_CHECKING:\n    from commerce.models import Item\n"
                   "import commerce.models as m\n")
    assert queried_modules(bad) == {"commerce.models", "commerce.db"}
    fine = tmp_path / "y.py"
    fine.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from commerce.models import Item\n")
    assert queried_modules(fine) == set()
