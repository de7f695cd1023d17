import pytest
from hypothesis import given, strategies as st

from commerce.errors import InvalidInput
from commerce.phones import display_phone, normalise_phone, reversed_digits


@pytest.mark.parametrize(
    "raw",
    ["0912-345-678", "0912345678", "+886 912 345 678", "886912345678", "+886-912-345-678",
     "０９１２３４５６７８", "(0912) 345 678", "+8860912345678"],
)
def test_common_ways_of_writing_a_mobile_number_normalise_to_e164(raw):
    assert normalise_phone(raw) == "+886912345678"


@pytest.mark.parametrize(
    "raw", ["", "hello", "02-2345-6789", "091234567", "09123456789", "+1 912 345 678", "0812345678", "09-12a45678"]
)
def test_what_is_not_a_taiwanese_mobile_number_is_refused_naming_the_phone_field(raw):
    with pytest.raises(InvalidInput) as err:
        normalise_phone(raw)
    assert err.value.field == "phone"


def test_a_normalised_number_is_shown_the_local_way():
    assert display_phone("+886912345678") == "0912-345-678"


def test_reversed_digits_make_the_last_digits_a_prefix():
    assert reversed_digits("+886912345678") == "8765432190"
    assert reversed_digits("+886912345678").startswith("5678"[::-1])


@given(st.text(max_size=30))
def test_normalising_any_text_either_gives_e164_or_refuses_clearly(text):
    try:
        result = normalise_phone(text)
    except InvalidInput as err:
        assert err.field == "phone"
    else:
        assert result.startswith("+8869") and len(result) == 13 and result[1:].isdigit()


@given(st.integers(min_value=0, max_value=99_999_999))
def test_every_mobile_number_round_trips_through_its_display_form(n):
    e164 = f"+8869{n:08d}"
    assert normalise_phone(display_phone(e164)) == e164
