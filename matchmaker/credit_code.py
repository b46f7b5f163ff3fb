"""Unified social credit code (统一社会信用代码, GB 32100-2015) validation."""
from __future__ import annotations

import functools
from matchmaker.i18n import _l

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


class InvalidCreditCode(ValueError):
    pass


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code: str) -> str:
    """Upper-cased, stripped code if valid; raises InvalidCreditCode with the reason."""
    return _normalized((code or "").strip().upper())


@functools.lru_cache(maxsize=1 << 16)
def _normalized(code: str) -> str:
    """Cached: a ledger of a million rows names a few thousand companies."""
    if len(code) != 18:
        raise InvalidCreditCode(_l("应为18位，实际%(count)s位", count=len(code)))
    bad = [c for c in code if c not in ALPHABET]
    if bad:
        raise InvalidCreditCode(_l("含有不允许的字符“%(n)s”", n=bad[0]))
    if check_character(code[:17]) != code[17]:
        raise InvalidCreditCode(_l("校验位不正确"))
    return code


def is_valid(code: str) -> bool:
    try:
        normalize(code)
        return True
    except InvalidCreditCode:
        return False


def make(region_code: str, serial: int, registry: str = "91") -> str:
    """A valid code for demo data and tests: registry '91' (enterprise), region, serial."""
    body = f"{registry}{region_code[:6]:0<6}{serial:09d}"[:17]
    body = "".join(c if c in ALPHABET else "0" for c in body)
    return body + check_character(body)
