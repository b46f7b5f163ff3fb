"""Accounts and companies: registration, login checks, approval. No Flask, no Cypher here."""
from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass

from flask_login import UserMixin
from neo4j.exceptions import ConstraintError
from werkzeug.security import check_password_hash, generate_password_hash

from graph import audit
from graph import companies as company_store
from graph import notifications as notification_store
from graph import users as user_store
from matchmaker import credit_code, notifications, regions
from matchmaker.errors import Conflict, NotFound, ValidationError
from matchmaker.i18n import _l

ROLES = ("anchor", "supplier", "organizer", "admin")
COMPANY_ROLES = ("anchor", "supplier")
MIN_PASSWORD = 10


@dataclass
class User(UserMixin):
    email: str
    name: str
    role: str
    company: str | None
    company_name: str | None = None
    company_status: str | None = None
    active: bool = True
    session_version: int = 0
    scopes: frozenset | None = None  # None for a browser session; an API token's scopes otherwise
    unread: int = 0  # unread notifications, shown in the page header

    def get_id(self) -> str:
        """What the session cookie keeps: the version makes ended sessions fail to load."""
        return f"{self.session_version}:{self.email}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_organizer(self) -> bool:
        return self.role in ("organizer", "admin")

    @classmethod
    def from_record(cls, rec: dict) -> "User":
        return cls(email=rec["email"], name=rec["name"], role=rec["role"],
                   company=rec.get("company"), company_name=rec.get("company_name"),
                   company_status=rec.get("company_status"), active=bool(rec.get("active")),
                   session_version=rec.get("session_version") or 0)


def load_user(graph, email: str) -> User | None:
    """The user behind a request, with the unread count the page header shows: one
    transaction, since every request makes it."""
    def work(tx):
        rec = user_store.get_user(tx, email)
        if not rec:
            return None
        user = User.from_record(rec)
        user.unread = notification_store.unread_count(tx, notifications.audiences(user))
        return user
    return graph.read(work)


def load_session_user(graph, session_id: str) -> User | None:
    """The user of a session cookie (`version:email`), None once that session was ended."""
    version, _, email = (session_id or "").partition(":")
    user = load_user(graph, email) if version.isdigit() and email else None
    return user if user and user.session_version == int(version) else None


def end_sessions(graph, email: str) -> None:
    graph.write(user_store.end_sessions, email)


@functools.cache
def _decoy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def authenticate(graph, limiter, email: str, password: str, address: str) -> User | None:
    """The user for these credentials, None if wrong. Known and unknown e-mails take the same
    path (a password hash is checked either way) so neither answer nor timing tells them apart.
    Raises RateLimited: too many attempts from `address`, or too many failures for the account."""
    email = (email or "").strip().lower()[:120]
    limiter.hit("login_ip", address)
    limiter.check("login_failures", f"{email}|{address}")
    limiter.check("login_account_failures", email)
    rec = graph.read(user_store.get_user, email)
    valid = check_password_hash(rec["password_hash"] if rec else _decoy_hash(), password)
    if not (rec and valid and rec.get("active")):
        limiter.hit("login_failures", f"{email}|{address}")
        limiter.hit("login_account_failures", email)
        return None
    graph.write(user_store.record_login, email)
    return User.from_record(rec)


def set_password(graph, email: str, password: str) -> None:
    """A new password; every session of the user ends."""
    if not graph.write(user_store.set_password_hash, email.strip().lower(),
                       hash_password(password)):
        raise NotFound(_l("没有这个用户"), field="email")


def hash_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(_l("密码至少%(MIN_PASSWORD)s位", MIN_PASSWORD=MIN_PASSWORD),
                              field="password")
    return generate_password_hash(password)  # scrypt


def company_row(data: dict, status: str, policy_region: str) -> dict:
    """Validate and normalize a company's fields into the shape the graph layer stores."""
    try:
        code = credit_code.normalize(data.get("credit_code", ""))
    except credit_code.InvalidCreditCode as e:
        raise ValidationError(_l("统一社会信用代码%(e)s", e=e), field="credit_code") from e
    name = (data.get("name") or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(_l("企业名称不能为空，且不超过100字"), field="name")
    role = data.get("role") or "supplier"
    if role not in COMPANY_ROLES:
        raise ValidationError(_l("企业类型应为 anchor 或 supplier，而不是“%(role)s”", role=role), field="role")
    try:
        region = regions.resolve(data.get("region") or "", prefer_within=policy_region)
    except regions.UnknownRegion as e:
        raise ValidationError(e.args[0], field="region") from e
    clusters = [c for c in (data.get("clusters") or []) if c]
    return {"credit_code": code, "name": name, "role": role, "status": status,
            "address": _optional(data, "address", 200),
            "contact_name": _optional(data, "contact_name", 50),
            "contact_phone": _optional(data, "contact_phone", 30),
            "legal_representative": _optional(data, "legal_representative", 50),
            "region": region.code, "park": data.get("park") or None,
            "clusters": clusters if role == "anchor" else [],
            "local": regions.is_within(region.code, policy_region)}


def _optional(data: dict, key: str, limit: int) -> str | None:
    """None when the caller did not send the field, so an update keeps the stored value."""
    return (data[key] or "").strip()[:limit] if key in data else None


def register_company(graph, company: dict, user: dict, policy_region: str) -> dict | None:
    """A new company (pending approval) with its first user, in one transaction; None, with
    nothing stored, when the e-mail already has an account — the caller answers the same either
    way, so registration does not tell who has an account. Possible duplicates are shown to the
    organizer beside the pending company in the directory."""
    row = company_row(company, "pending", policy_region)
    email = (user.get("email") or "").strip().lower()
    if "@" not in email or len(email) > 120:
        raise ValidationError(_l("请输入有效的邮箱地址"), field="email")
    account = {"email": email, "name": (user.get("name") or "").strip()[:50] or email,
               "role": row["role"], "password_hash": hash_password(user.get("password", "")),
               "company": row["credit_code"]}

    def work(tx):
        # Credit codes of registered companies are public (the directory, invoices): saying
        # one is taken reveals nothing about accounts.
        if company_store.get_company(tx, row["credit_code"]):
            raise Conflict(_l("该统一社会信用代码已注册，请联系本企业管理员或园区工作人员"),
                           field="credit_code")
        if user_store.get_user(tx, email):
            return False
        company_store.create_company(tx, row)
        user_store.create_user(tx, account)
        return True

    try:
        created = graph.write(work)
    except ConstraintError as e:  # a concurrent registration won the race
        raise Conflict(_l("该统一社会信用代码已注册，请联系本企业管理员或园区工作人员"),
                       field="credit_code") from e
    return row if created else None


COMPANY_STATUSES = ("pending", "approved", "rejected")


def set_company_status(graph, credit_code: str, status: str, reason: str, actor: str) -> None:
    """The office's decision on a company. Rejection needs a reason, which the company reads in
    its inbox; rejecting (or reopening) ends its users' sessions so that nothing they opened
    while approved stays usable."""
    if status not in COMPANY_STATUSES:
        raise ValidationError(_l("未知状态"), field="status")
    reason = (reason or "").strip()
    if status == "rejected" and not reason:
        raise ValidationError(_l("请填写不通过的原因，企业会在消息中看到"), field="reason")
    if len(reason) > 500:
        raise ValidationError(_l("原因不能超过500字"), field="reason")

    def work(tx):
        before = company_store.set_status(tx, credit_code, status, reason or None)
        if before is None:
            raise NotFound(_l("企业不存在"))
        if status != "approved":
            user_store.end_company_sessions(tx, credit_code)
        audit.record(tx, [audit.event(actor, "company.status", f"company:{credit_code}",
                                      {"status": before}, {"status": status, "reason": reason})])
    graph.write(work)
    if status in ("approved", "rejected"):
        notifications.send(graph, [(credit_code, status, reason, "/")])


def create_user(graph, email: str, name: str, role: str, password: str,
                company: str | None = None) -> None:
    if role not in ROLES:
        raise ValidationError(_l("未知角色“%(role)s”", role=role), field="role")
    if role in COMPANY_ROLES and not company:
        raise ValidationError(_l("企业用户必须属于一个企业"), field="company")
    try:
        graph.write(user_store.create_user, {"email": email.strip().lower(), "name": name,
                                             "role": role, "password_hash": hash_password(password),
                                             "company": company})
    except ConstraintError as e:
        raise Conflict(_l("该邮箱已注册"), field="email") from e
