"""User accounts. A user belongs to one company, or to the organizer office (no company)."""
from __future__ import annotations

RETURN_USER = """
OPTIONAL MATCH (u)-[:MEMBER_OF]->(c:Company)
RETURN u { .email, .name, .role, .password_hash, .active, .failed_logins,
           .locked_until, company: c.credit_code, company_name: c.name,
           company_status: c.status } AS user
"""


def create_user(tx, user: dict) -> None:
    """user: email, name, role, password_hash, company (credit code or None).

    Raises ConstraintError when the email is taken."""
    tx.run("""
        CREATE (u:User {email: $email, name: $name, role: $role, password_hash: $password_hash,
                        active: true, failed_logins: 0, created_at: datetime()})
        WITH u
        OPTIONAL MATCH (c:Company {credit_code: $company})
        FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END | CREATE (u)-[:MEMBER_OF]->(c))
    """, **user).consume()


def get_user(tx, email: str) -> dict | None:
    record = tx.run("MATCH (u:User {email: $email})" + RETURN_USER, email=email).single()
    return record["user"] if record else None


def record_login_failure(tx, email: str, max_failures: int, lock_until: int) -> None:
    """lock_until: epoch seconds."""
    tx.run("""
        MATCH (u:User {email: $email})
        SET u.failed_logins = coalesce(u.failed_logins, 0) + 1
        WITH u WHERE u.failed_logins >= $max_failures
        SET u.locked_until = $lock_until, u.failed_logins = 0
    """, email=email, max_failures=max_failures, lock_until=lock_until).consume()


def record_login_success(tx, email: str) -> None:
    tx.run("MATCH (u:User {email: $email}) SET u.failed_logins = 0, u.locked_until = null, "
           "u.last_login = datetime()", email=email).consume()


def set_password_hash(tx, email: str, password_hash: str) -> None:
    tx.run("MATCH (u:User {email: $email}) SET u.password_hash = $h",
           email=email, h=password_hash).consume()
