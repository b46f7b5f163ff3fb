"""Who receives e-mail, and what each user chose: `mail_off` (the topics they turned off;
absent = every topic) and `mail_language` ('zh', 'en', or absent = Chinese with English below)
on the User node."""
from __future__ import annotations

RECIPIENT = "u {.email, .name, .mail_language, mail_off: coalesce(u.mail_off, [])}"


def company_recipients(tx, companies: list[str]) -> list[dict]:
    """The active users of these companies, each with `audience`: their company's code."""
    return [dict(r["user"], audience=r["audience"]) for r in tx.run(f"""
        MATCH (u:User)-[:MEMBER_OF]->(c:Company) WHERE c.credit_code IN $companies AND u.active
        RETURN c.credit_code AS audience, {RECIPIENT} AS user""", companies=companies)]


def organizer_recipients(tx) -> list[dict]:
    return [dict(r["user"], audience="organizers") for r in tx.run(f"""
        MATCH (u:User) WHERE u.role IN ['organizer', 'admin'] AND u.active
        RETURN {RECIPIENT} AS user""")]


def preferences(tx, email: str) -> dict | None:
    record = tx.run(f"MATCH (u:User {{email: $email}}) RETURN {RECIPIENT} AS user",
                    email=email).single()
    return dict(record["user"]) if record else None


def set_preferences(tx, email: str, mail_off: list[str], language: str | None) -> None:
    tx.run("MATCH (u:User {email: $email}) SET u.mail_off = $off, u.mail_language = $language",
           email=email, off=mail_off, language=language).consume()
