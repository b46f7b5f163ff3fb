"""Fixed-window rate limits on sign-in, registration and token creation, counted in the graph.

flask-limiter would need Redis, Memcached or MongoDB to share its counts between gunicorn
workers and web machines; the deployment already has one store they all share, the graph."""
from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass

from graph import limits as limit_store
from matchmaker.errors import DomainError
from matchmaker.i18n import _l


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


# Per client address, per account, or both; sign-in failures count per account so that one
# address cannot lock an account out for everyone else (the account-wide limit is far higher).
DEFAULTS = {
    "login_ip": Limit(30, 300),             # sign-in attempts from one address
    "login_failures": Limit(5, 900),        # wrong passwords for one account from one address
    "login_account_failures": Limit(50, 3600),  # wrong passwords for one account, all addresses
    "register_ip": Limit(10, 3600),
    "token_user": Limit(20, 3600),
}


class RateLimited(DomainError):
    status = 429

    def __init__(self, retry_after: int):
        super().__init__(_l("请求过于频繁，请稍后再试"))
        self.retry_after = retry_after


def parse(text: str) -> dict[str, Limit]:
    """'login_ip=30/300,register_ip=10/3600' → overrides of DEFAULTS (operators, load tests)."""
    out = {}
    for item in filter(None, (p.strip() for p in (text or "").split(","))):
        name, _, value = item.partition("=")
        count, _, seconds = value.partition("/")
        if name not in DEFAULTS or not count.isdigit() or not seconds.isdigit():
            raise ValueError(f"MATCHMAKER_RATE_LIMITS: cannot read “{item}” "
                             f"(name=count/seconds, names: {', '.join(DEFAULTS)})")
        out[name] = Limit(int(count), int(seconds))
    return out


class Limiter:
    def __init__(self, graph, limits: dict[str, Limit]):
        self.graph, self.limits = graph, {**DEFAULTS, **limits}

    def _window(self, name: str, ident: str) -> tuple[str, int, Limit]:
        limit = self.limits[name]
        now = int(time.time())
        start = now - now % limit.seconds
        digest = hashlib.sha256(ident.encode()).hexdigest()[:24]  # no addresses or e-mails kept
        return f"{name}|{digest}|{start}", start + limit.seconds, limit

    def check(self, name: str, ident: str) -> None:
        """Raise RateLimited when the window is already full (nothing counted)."""
        key, ends, limit = self._window(name, ident)
        if self.graph.read(limit_store.count, key) >= limit.count:
            raise RateLimited(max(1, ends - int(time.time())))

    def hit(self, name: str, ident: str) -> None:
        """Count one request; raise RateLimited once the window holds more than allowed."""
        key, ends, limit = self._window(name, ident)
        if random.random() < 0.01:  # keep the counters from piling up
            self.graph.write(limit_store.delete_expired, int(time.time()))
        if self.graph.write(limit_store.hit, key, ends) > limit.count:
            raise RateLimited(max(1, ends - int(time.time())))
