"""User accounts. A user belongs to one company, or to the organizer office (no company)."""
from __future__ import annotations

import json

RETURN_USER = """
OPTIONAL MATCH (u)-[:MEMBER_OF]->(c:Company)
RETURN u { .email, .name, .role, .password_hash, .active,
           session_version: coalesce(u.session_version, 0),
           company: c.credit_code, company_name: c.name, company_status: c.status } AS user
"""


def create_user(tx, user: dict) -> None:
    """user: email, name, role, password_hash, company (credit code or None).

    Raises ConstraintError when the email is taken."""
    tx.run("""
        CREATE (u:User {email: $email, name: $name, role: $role, password_hash: $password_hash,
                        active: true, session_version: 0, created_at: datetime()})
        WITH u
        OPTIONAL MATCH (c:Company {credit_code: $company})
        FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END | CREATE (u)-[:MEMBER_OF]->(c))
    """, **user).consume()


def get_user(tx, email: str) -> dict | None:
    record = tx.run("MATCH (u:User {email: $email})" + RETURN_USER, email=email).single()
    return record["user"] if record else None


def record_login(tx, email: str) -> None:
    tx.run("MATCH (u:User {email: $email}) SET u.last_login = datetime()", email=email).consume()


def end_sessions(tx, email: str) -> None:
    """Every session signed in before now stops working (the user loader compares versions)."""
    tx.run("MATCH (u:User {email: $email}) "
           "SET u.session_version = coalesce(u.session_version, 0) + 1", email=email).consume()


def end_company_sessions(tx, company: str) -> None:
    tx.run("MATCH (u:User)-[:MEMBER_OF]->(:Company {credit_code: $company}) "
           "SET u.session_version = coalesce(u.session_version, 0) + 1", company=company).consume()


def set_password_hash(tx, email: str, password_hash: str) -> bool:
    """A new password ends every session of the user."""
    return tx.run("""
        MATCH (u:User {email: $email})
        SET u.password_hash = $h, u.session_version = coalesce(u.session_version, 0) + 1
        RETURN u.email AS email""", email=email, h=password_hash).single() is not None


def column_map(tx, email: str) -> dict[str, str]:
    """{normalized header: importer column} the user chose for files the importer could not
    read by itself."""
    record = tx.run("MATCH (u:User {email: $email}) RETURN u.column_map AS m",
                    email=email).single()
    return json.loads(record["m"]) if record and record["m"] else {}


def remember_columns(tx, email: str, mapping: dict[str, str]) -> None:
    kept = column_map(tx, email)
    kept.update(mapping)
    tx.run("MATCH (u:User {email: $email}) SET u.column_map = $m", email=email,
           m=json.dumps(kept, ensure_ascii=False)).consume()
