"""Money as integer fen: amounts read exactly as people and ERPs write them, shown as yuan."""
from decimal import Decimal

from hypothesis import given, strategies as st

from matchmaker import money


@given(st.decimals(min_value="0.01", max_value="999999999999.99", places=2))
def test_amount_parsing_is_exact(value):
    assert money.parse_amount_fen(f"{value:,}") == int(value * 100)


@given(st.decimals(min_value="-10000000000000", max_value="10000000000000", places=2))
def test_plain_amounts_as_erps_export_them_are_exact(value):
    """'12345.67', '-5.5', '7': the integer path, same values and limits as every other form."""
    for text in (f"{value}", f"{value}".rstrip("0"), f"{value:.0f}"):
        expected = int(Decimal(text) * 100)
        if expected:
            assert money.parse_amount_fen(text, allow_negative=True) == expected


def test_amount_parsing_rejects():
    assert money.parse_amount_fen("10000000000000") == money.MAX_AMOUNT_FEN
    for text, reason in (("1.234", "两位小数"), ("-5", "大于0"), ("abc", "不是数字"),
                         ("NaN", "不是数字"), ("0", "大于0"), ("-0.00", "大于0"),
                         ("10000000000000.01", "合理范围"), ("-10000000000000.01", "合理范围"),
                         ("1,000,000,000,000,000", "合理范围")):
        try:
            money.parse_amount_fen(text)
        except ValueError as e:
            assert reason in str(e)
        else:
            raise AssertionError(text)


def test_amounts_in_the_forms_spreadsheets_use():
    assert money.parse_amount_fen("¥40,000,000") == 4_000_000_000
    assert money.parse_amount_fen("１２３．４５") == 12_345  # full-width digits
    assert money.parse_amount_fen("(1,000.00)", allow_negative=True) == -100_000
    assert money.parse_amount_fen("1.5", scale=10_000) == 1_500_000  # a column in 万元
    assert money.parse_amount_fen("0", allow_zero=True) == 0


def test_yuan_for_people_and_spreadsheets():
    assert money.yuan(123_456_789) == "¥1,234,567.89"
    assert money.yuan(-5_000) == "-¥50"
    assert money.yuan(None) == "—"
    assert money.yuan_decimal(123_456_789) == Decimal("1234567.89")
