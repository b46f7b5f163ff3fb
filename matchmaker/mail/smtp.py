"""Sending one message through the configured SMTP server (MATCHMAKER_SMTP_*), and telling a
failure that may pass (retry later) from one that will not (a refused recipient)."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from matchmaker import jobs

SECURITY = {"starttls": 587, "tls": 465, "none": 25}  # and each one's usual port


class SmtpConfigError(ValueError):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str
    password: str
    sender: str
    timeout: float
    ca_file: str | None

    @classmethod
    def from_config(cls, config: dict) -> "SmtpSettings | None":
        """The server to send through; None when MATCHMAKER_SMTP_HOST is unset (development:
        messages are kept in the outbox only)."""
        if not config["SMTP_HOST"]:
            return None
        security = config["SMTP_SECURITY"]
        if security not in SECURITY:
            raise SmtpConfigError(f"MATCHMAKER_SMTP_SECURITY must be one of "
                                  f"{', '.join(SECURITY)}, not {security!r}")
        return cls(host=config["SMTP_HOST"], port=config["SMTP_PORT"] or SECURITY[security],
                   security=security, user=config["SMTP_USER"],
                   password=config["SMTP_PASSWORD"], sender=sender(config),
                   timeout=config["SMTP_TIMEOUT"], ca_file=config["SMTP_CA_FILE"] or None)


def sender(config: dict) -> str:
    """The From address: MATCHMAKER_SMTP_FROM, else the SMTP user name, else noreply@host."""
    return (config["SMTP_FROM"] or (config["SMTP_USER"] if "@" in config["SMTP_USER"] else "")
            or f"noreply@{config['SMTP_HOST'] or 'localhost'}")


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Raises jobs.GiveUp when the server refuses for good (5xx to the sender, a recipient or
    the message), jobs.Retry for anything else (unreachable, busy, 4xx, bad credentials)."""
    context = ssl.create_default_context(cafile=settings.ca_file)
    try:
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                      context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.user:
                client.login(settings.user, settings.password)
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as e:
        code, text = next(iter(e.recipients.values()))
        raise _refusal(code, text) from e
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as e:
        raise _refusal(e.smtp_code, e.smtp_error) from e
    except (smtplib.SMTPException, OSError) as e:  # OSError: refused, unreachable, TLS, timeout
        raise jobs.Retry(f"{type(e).__name__}: {e}") from e


def _refusal(code: int, text: bytes | str) -> Exception:
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return (jobs.GiveUp if 500 <= code < 600 else jobs.Retry)(f"{code} {text}")
