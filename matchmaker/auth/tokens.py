"""Per-company API tokens for ERP integration: issued by a user of the company, scoped, hashed at
rest (only SHA-256 of a 256-bit random secret is stored, so a leaked database reveals no token),
revocable. A request with a token acts as its user, limited to the token's scopes."""
from __future__ import annotations

import hashlib
import secrets
import time

from graph import tokens as token_store
from matchmaker.errors import ValidationError
from matchmaker.i18n import _l

SCOPES = {
    "companies:read": _l("读取企业名录"),
    "needs:read": _l("读取采购需求"),
    "needs:write": _l("发布和修改采购需求"),
    "capabilities:read": _l("读取能力档案"),
    "capabilities:write": _l("修改能力档案"),
    "matches:read": _l("读取匹配结果"),
    "rates:read": _l("读取配套率与奖励"),
    "purchases:write": _l("上报采购记录"),
}
PREFIX = "mmk_"
LIFETIMES_DAYS = (30, 90, 365)  # the token form's choices; a leaked token stops working in time
DEFAULT_DAYS = 365


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(graph, email: str, name: str, scopes: list[str], days: int = DEFAULT_DAYS) -> str:
    """Create a token valid for `days` and return its secret; it is shown once and never
    stored."""
    if days not in LIFETIMES_DAYS:
        raise ValidationError(_l("有效期应为 %(join)s 天之一", join='/'.join(map(str, LIFETIMES_DAYS))),
                              field="days")
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ValidationError(_l("令牌名称不能为空，且不超过50字"), field="name")
    unknown = sorted(set(scopes) - SCOPES.keys())
    if unknown or not scopes:
        raise ValidationError(_l("请选择有效的权限范围%(n)s",
                              n='：未知 ' + ', '.join(unknown) if unknown else ''),
                              field="scopes")
    secret = PREFIX + secrets.token_urlsafe(32)
    graph.write(token_store.create_token, email, {
        "token_hash": _hash(secret), "prefix": secret[:12], "name": name,
        "scopes": sorted(set(scopes)), "expires_at": int((time.time() + days * 86400) * 1000)})
    return secret


def authenticate(graph, secret: str) -> tuple[str, frozenset] | None:
    """(user email, scopes) for a live token; None for unknown, revoked or expired ones."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    found = graph.read(token_store.find_token, _hash(secret), int(time.time() * 1000))
    if not found:
        return None
    graph.write(token_store.touch_token, _hash(secret), int(time.time()))
    return found["email"], frozenset(found["scopes"])


def revoke(graph, email: str, prefix: str) -> bool:
    return graph.write(token_store.revoke_token, email, prefix)


def tokens_of(graph, email: str) -> list[dict]:
    return graph.read(token_store.tokens_of, email)
