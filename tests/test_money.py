import pytest
from hypothesis import given, strategies as st

from commerce.errors import InvalidInput
from commerce.commands import NewPayment, parse
from commerce.money import format_money, parse_amount, totals

statuses = st.sampled_from(["reserved", "waitlisted", "cancelled"])
pay_statuses = st.sampled_from(["reported", "confirmed", "void"])
lines_st = st.lists(st.tuples(st.integers(1, 99), st.integers(0, 5000), statuses), max_size=20)
pays_st = st.lists(st.tuples(st.integers(1, 100_000), pay_statuses), max_size=10)


def test_only_reserved_lines_count_and_only_confirmed_payments_pay():
    t = totals([(2, 120, "reserved"), (1, 130, "waitlisted"), (3, 50, "cancelled")],
               [(100, "confirmed"), (140, "reported"), (999, "void")])
    assert (t.total, t.paid, t.reported, t.balance) == (240, 100, 140, 140)


@given(lines_st, pays_st)
def test_balance_is_always_total_minus_confirmed_payments(lines, pays):
    t = totals(lines, pays)
    assert t.total == sum(q * p for q, p, s in lines if s == "reserved")
    assert t.paid == sum(a for a, s in pays if s == "confirmed")
    assert t.balance == t.total - t.paid


@given(st.integers(1, 10**7), st.integers(1, 10**7))
def test_change_is_tendered_minus_amount_and_never_negative(amount, tendered):
    data = {"method": "cash", "amount": amount, "tendered": tendered}
    if tendered >= amount:
        assert parse(NewPayment, data).change == tendered - amount
    else:
        with pytest.raises(InvalidInput) as err:
            parse(NewPayment, data)
        assert err.value.field == "tendered"


def test_exact_money_gives_no_change():
    assert parse(NewPayment, {"method": "cash", "amount": 350}).change is None


@pytest.mark.parametrize("bad", [-1, 1.5, "abc", True, None, "12.5"])
def test_amounts_that_are_not_whole_positive_numbers_are_refused(bad):
    with pytest.raises(InvalidInput) as err:
        parse_amount(bad, "amount")
    assert err.value.field == "amount"


def test_money_is_shown_in_whole_dollars_with_separators():
    assert format_money(1350) == "$1,350"
    assert format_money(-20) == "-$20"
