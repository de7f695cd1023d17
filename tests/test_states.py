"""Statuses, methods and roles are named through commerce.states, never spelled out where a
rule compares or writes them (raw SQL keeps its literals)."""
from __future__ import annotations

import ast
import pathlib

from commerce import states

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("commerce", "bot", "devices", "pickup_counter", "scheduler", "plusone")
VALUES = {m.value for enum in (states.CampaignStatus, states.OrderStatus, states.LineStatus, states.PaymentStatus,
                               states.PaymentMethod, states.InboundStatus, states.NoticeStatus, states.PrintStatus,
                               states.Role) for m in enum}
NAMES = {"status", "method", "role"}


def _spelled(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in VALUES
    return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and any(_spelled(e) for e in node.elts)


def _names_a_state(node: ast.AST) -> bool:
    return ((isinstance(node, ast.Attribute) and node.attr in NAMES) or (isinstance(node, ast.Name) and node.id in NAMES)
            or (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value in NAMES))


def spelled_states(source: str) -> list[int]:
    """Lines where a status, method or role is a bare string: ``status="open"`` (also
    ``status__in=(…)``) or a comparison such as ``order.status == "open"``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg and node.arg.split("__")[0] in NAMES and _spelled(node.value):
            found.append(node.value.lineno)
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_names_a_state(s) for s in sides) and any(_spelled(s) for s in sides):
                found.append(node.lineno)
    return found


def test_no_status_method_or_role_is_spelled_out_in_product_code():
    spelled = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts and (lines := spelled_states(path.read_text(encoding="utf-8"))):
                spelled[str(path.relative_to(ROOT))] = lines
    assert spelled == {}


def test_the_check_sees_a_spelled_status():
    source = ('Order.filter(status="open")\nif job.status != "printed": pass\nrole = x if line["status"] in '
              '("reserved", "waitlisted") else y\nPayment.filter(method=PaymentMethod.CASH)\n')
    assert sorted(spelled_states(source)) == [1, 2, 3]


def test_the_order_search_offers_every_order_status_and_all():
    from typing import get_args

    from commerce.commands import OrderSearch
    from commerce.states import OrderStatus

    assert set(get_args(OrderSearch.model_fields["status"].annotation)) == {*OrderStatus, "all"}
