"""The one message catalogue (commerce.words): both languages, one word per shared thing,
English plurals, and every id the code asks for exists."""
import ast
import pathlib
import re
import unicodedata

import pytest

from commerce import words
from commerce.words import glossary
from devices.i18n import label, payment_method
from pickup_counter.i18n import strings, translate

ROOT = pathlib.Path(__file__).resolve().parent.parent
HAN = re.compile(r"[\u3400-\u9fff]")


def specs(text: str) -> list[tuple[str, str]]:
    return [(name, spec) for _, name, spec, _ in words._FORMATTER.parse(text) if name and spec]


def test_every_id_has_both_languages_with_the_same_placeholders():
    for key, pair in words.CATALOGUE.items():
        assert len(pair) == len(words.LOCALES) and all(p.strip() for p in pair), key
        assert words.placeholders(pair[0]) == words.placeholders(pair[1]), key


def test_only_english_has_plural_forms_and_each_has_one_and_other():
    for key, (zh, en) in words.CATALOGUE.items():
        assert specs(zh) == [], key
        assert all(spec.count("|") == 1 and all(spec.split("|")) for _, spec in specs(en)), key


@pytest.mark.parametrize(("key", "params", "one", "two"), [
    ("host_closed", {"title": "T", "code": "K7QX"}, "1 order.", "2 orders."),
    ("orders_head", {"title": "T", "code": "K7QX"}, "K7QX), 1 order", "K7QX), 2 orders"),
    ("picklist_buyers", {}, "[Per buyer] 1 buyer", "[Per buyer] 2 buyers"),
    ("recon_campaign", {"title": "T", "code": "K7QX", "total": "$9"}, "1 order, $9", "2 orders, $9"),
    ("mgr.orders.count", {}, "1 order", "2 orders"),
    ("mgr.new.members", {}, "1 member", "2 members"),
    ("nav.pushes", {}, "1 push this month", "2 pushes this month"),
    ("mgr.import.duplicates", {}, "1 row was imported before and is not", "2 rows were imported before and are not"),
    ("mgr.import.hint", {}, "within 1 day.", "within 2 days."),
    ("mgr.pushes.month", {"billed": 9}, "(1 push)", "(2 pushes)"),
])
def test_an_english_count_takes_the_singular_for_one_and_the_plural_otherwise(key, params, one, two):
    count = next(iter(words.placeholders(words.CATALOGUE[key][1]) - set(params)))
    assert one in words.t("en", key, **params, **{count: 1})
    assert two in words.t("en", key, **params, **{count: 2})
    assert words.t("en", key, **params, **{count: 0}) == words.t("en", key, **params, **{count: 2}).replace("2", "0")


def test_a_count_with_two_nouns_takes_each_its_own_form():
    assert words.t("en", "recon_totals", campaigns=1, orders=3, total="$9") == "[All] 1 campaign, 3 orders, $9 in all"
    assert words.t("en", "counter.found", members=2, orders=1) == "2 buyers, 1 open order"
    assert words.t("zh-TW", "counter.found", members=2, orders=1) == "找到 2 位買家、1 筆未取訂單"


def test_no_text_uses_a_word_the_glossary_replaced():
    for key, (zh, en) in words.CATALOGUE.items():
        for term, (zh_avoid, en_avoid) in glossary.AVOID.items():
            assert not re.search(zh_avoid, zh), (key, zh, term)
            assert not re.search(en_avoid, en), (key, en, term)


def test_bot_counter_manager_and_receipt_name_a_payment_method_with_the_glossary_word():
    for method in ("cash", "card", "linepay", "jkopay", "transfer"):
        for locale in words.LOCALES:
            word = words.t(locale, f"method.{method}")
            assert translate(locale, f"counter.method.{method}") == word
            assert strings(locale, "counter")[f"counter.method.{method}"] == word
            assert translate(locale, f"mgr.method.{method}") == word
            assert payment_method(locale, method) == word
    assert [payment_method("zh-TW", m) for m in ("card", "jkopay")] == ["信用卡", "街口支付"]
    assert [payment_method("en", m) for m in ("card", "jkopay")] == ["Credit card", "JKO Pay"]


def test_the_balance_and_states_are_one_word_everywhere():
    for locale in words.LOCALES:
        due = words.t(locale, "money.balance_due")
        assert label(locale, "balance_due") == translate(locale, "counter.balance") == due
        assert translate(locale, "mgr.orders.balance") == due
        for state in ("open", "picked_up", "cancelled"):
            assert translate(locale, f"counter.status.{state}") == translate(locale, f"mgr.order.{state}")
        assert words.t(locale, "orders_waitlisted") == translate(locale, "counter.waitlisted") \
            == translate(locale, "mgr.line.waitlisted") == words.t(locale, "line.waitlisted")


def test_an_unknown_locale_is_the_shops_default_traditional_chinese():
    assert words.t("fr", "money.total") == words.t("zh-TW", "money.total") == "合計"


def ids_asked_for(path: pathlib.Path) -> set[str]:
    """Ids passed as a literal to t(locale, "id", ...) or t('id') in a template."""
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r"""\bt\((?:[\w.]+, )?["']([\w.]+)["']""", text))


def test_every_id_the_code_and_the_templates_ask_for_is_in_the_catalogue():
    files = [p for d in ("bot", "scheduler", "pickup_counter", "devices", "commerce") for p in (ROOT / d).rglob("*.py")]
    files += list((ROOT / "pickup_counter").rglob("*.html")) + list((ROOT / "pickup_counter").rglob("*.js"))
    asked = set().union(*(ids_asked_for(p) for p in files))
    assert len(asked) > 300
    assert sorted(i for i in asked if i not in words.CATALOGUE and not i.endswith(".")) == []


def test_the_bot_handlers_hold_no_user_facing_words():
    for path in sorted((ROOT / "bot" / "handlers").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                      and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        found = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                 and id(n) not in docstrings and HAN.search(n.value)]
        assert found == [], path.name


def test_receipt_labels_have_no_ambiguous_width_characters_a_big5_printer_widens():
    for key, pair in words.CATALOGUE.items():
        if key.startswith("receipt."):
            assert [ch for text in pair for ch in text if unicodedata.east_asian_width(ch) == "A"] == [], key
