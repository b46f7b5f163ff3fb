"""Money: integer fen everywhere. Amounts are read from what people type or ERPs export, and
shown as yuan; never a float in between."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from matchmaker.i18n import _l

MAX_AMOUNT_FEN = 10**15  # ¥10 trillion: anything above is a typo, not a purchase


_PLAIN_AMOUNT = re.compile(r"(-?[0-9]{1,16})(?:\.([0-9]{1,2}))?")


def parse_amount_fen(text: str, allow_zero: bool = False, allow_negative: bool = False,
                     scale: int = 1) -> int:
    """'1,234.5' yuan → 123450 fen; also '¥40,000,000', full-width digits, '(1,000.00)' (an
    accounting negative), and `scale` 10,000 for a column in 万元. Exact: integers or Decimal,
    never float. Raises ValueError with a message for the user."""
    plain = _PLAIN_AMOUNT.fullmatch(text or "") if scale == 1 else None
    if plain:  # what ERPs export, '12345.6': read as integers, a few times faster than Decimal
        fen = int(plain[1] + (plain[2] or "").ljust(2, "0"))
        if abs(fen) > MAX_AMOUNT_FEN:
            raise ValueError(_l("金额超出合理范围"))
    else:
        fen = _exact_fen(text, scale)
    if (fen < 0 and not allow_negative) or (fen == 0 and not allow_zero):
        raise ValueError(_l("金额必须大于0"))
    return fen


def _exact_fen(text: str, scale: int) -> int:
    raw = unicodedata.normalize("NFKC", text or "").strip()
    negative = raw.startswith("(") and raw.endswith(")")
    cleaned = re.sub(r"[,\s¥$]|rmb|cny|元", "", raw.strip("()"), flags=re.IGNORECASE)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_l("金额“%(text)s”不是数字", text=text)) from None
    if not value.is_finite():
        raise ValueError(_l("金额“%(text)s”不是数字", text=text))
    if abs(value) * scale * 100 > MAX_AMOUNT_FEN:  # before quantize, which fails on huge exponents
        raise ValueError(_l("金额超出合理范围"))
    value = -value * scale if negative else value * scale
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(_l("金额最多保留两位小数（元）"))
    return int(value * 100)


def yuan(fen: int | None) -> str:
    """¥1,234,567.89 from integer fen (display only)."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}" + (f".{cents:02d}" if cents else "")


def yuan_decimal(fen: int) -> Decimal:
    """Exact yuan for spreadsheets: Decimal, never float."""
    return Decimal(fen).scaleb(-2)
