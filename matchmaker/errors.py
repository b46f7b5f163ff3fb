"""Domain errors, raised by services and mapped to HTTP answers in one place. A message (and
a detail's) is a `matchmaker.i18n` Text — a message id with its parameters — so it reads in the
language of whoever it is shown to."""
from __future__ import annotations

from matchmaker.i18n import Text, shown


class DomainError(Exception):
    status = 400

    def __init__(self, message: Text | str, field: str | None = None,
                 details: list | None = None):
        super().__init__(message)
        self.message, self.field, self.details = message, field, details or []

    def to_dict(self) -> dict:
        """The JSON answer, its texts in the current language."""
        out = {"error": type(self).__name__, "message": str(self.message)}
        if self.field:
            out["field"] = self.field
        if self.details:
            out["details"] = shown(self.details)
        return out


class ValidationError(DomainError):
    status = 400


class Conflict(DomainError):
    status = 409


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403
