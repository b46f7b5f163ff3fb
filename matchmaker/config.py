"""Configuration: defaults, then MATCHMAKER_* environment variables, then test overrides."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from matchmaker import ratelimit

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    if (PROJECT_ROOT / "pyproject.toml").exists():  # a source checkout
        return PROJECT_ROOT / "var"
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "matchmaker"


class InsecureConfiguration(RuntimeError):
    pass


def load(overrides: dict | None = None) -> dict:
    overrides = overrides or {}
    data_dir = Path(overrides.get("DATA_DIR") or os.environ.get("MATCHMAKER_DATA_DIR")
                    or default_data_dir())
    data_dir.mkdir(parents=True, exist_ok=True)
    production = os.environ.get("MATCHMAKER_ENV", "development") == "production"
    config = {
        "DATA_DIR": data_dir,
        "PRODUCTION": production,
        "NEO4J_DATABASE": os.environ.get("NEO4J_DATABASE") or None,
        "EMBEDDING_MODEL": os.environ.get("EMBEDDING_MODEL")
        or str(data_dir / "models" / "multilingual-e5-small"),
        "POLICY_FILE": os.environ.get("MATCHMAKER_POLICY_FILE")
        or str(Path(__file__).parent / "policy.toml"),
        "PERMANENT_SESSION_LIFETIME": timedelta(
            minutes=int(os.environ.get("MATCHMAKER_SESSION_MINUTES", "480"))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Production is served over HTTPS (behind a proxy: set MATCHMAKER_PROXY_HOPS).
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PROXY_HOPS": int(os.environ.get("MATCHMAKER_PROXY_HOPS", "0")),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "RATE_LIMITS": ratelimit.parse(os.environ.get("MATCHMAKER_RATE_LIMITS", "")),
        "BABEL_DEFAULT_LOCALE": "zh",
        "LANGUAGES": ["zh", "en"],
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "FAIR_SOLVER_SECONDS": float(os.environ.get("MATCHMAKER_FAIR_SOLVER_SECONDS", "10")),
        "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session does
        # Outgoing e-mail (matchmaker/mail): off while MATCHMAKER_SMTP_HOST is unset, as in
        # development, where the outbox page shows what would be sent. SECURITY: starttls,
        # tls (implicit, port 465) or none; PORT 0 = that one's usual port.
        "SMTP_HOST": os.environ.get("MATCHMAKER_SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("MATCHMAKER_SMTP_PORT") or 0),
        "SMTP_SECURITY": os.environ.get("MATCHMAKER_SMTP_SECURITY") or "starttls",
        "SMTP_USER": os.environ.get("MATCHMAKER_SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("MATCHMAKER_SMTP_PASSWORD", ""),
        "SMTP_FROM": os.environ.get("MATCHMAKER_SMTP_FROM", ""),  # default: the user name
        "SMTP_TIMEOUT": float(os.environ.get("MATCHMAKER_SMTP_TIMEOUT") or 30),
        "SMTP_CA_FILE": os.environ.get("MATCHMAKER_SMTP_CA_FILE", ""),  # a private CA (PEM)
        "BASE_URL": os.environ.get("MATCHMAKER_BASE_URL") or "http://127.0.0.1:5000",  # links
        # The worker (`matchmaker worker`): a claimed job whose worker stops renewing its lease
        # (it died) is claimed again after JOB_LEASE_SECONDS.
        "JOB_LEASE_SECONDS": float(os.environ.get("MATCHMAKER_JOB_LEASE_SECONDS") or 120),
        "JOB_FIRST_RETRY_SECONDS": float(os.environ.get("MATCHMAKER_JOB_FIRST_RETRY_SECONDS")
                                         or 60),
        "WORKER_POLL_SECONDS": float(os.environ.get("MATCHMAKER_WORKER_POLL_SECONDS") or 2),
        "WORKER_TICK_SECONDS": float(os.environ.get("MATCHMAKER_WORKER_TICK_SECONDS") or 300),
    }
    config.update(overrides)
    config["SECRET_KEY"] = (overrides.get("SECRET_KEY") or os.environ.get("MATCHMAKER_SECRET_KEY")
                            or _development_secret(data_dir, production))
    return config


def _development_secret(data_dir: Path, production: bool) -> str:
    if production:
        raise InsecureConfiguration(
            "MATCHMAKER_SECRET_KEY must be set when MATCHMAKER_ENV=production")
    path = data_dir / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()
