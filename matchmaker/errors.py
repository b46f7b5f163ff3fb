"""Domain errors, raised by services and mapped to HTTP answers in one place."""
from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None, details: list | None = None):
        super().__init__(message)
        self.message, self.field, self.details = message, field, details or []

    def to_dict(self) -> dict:
        out = {"error": type(self).__name__, "message": self.message}
        if self.field:
            out["field"] = self.field
        if self.details:
            out["details"] = self.details
        return out


class ValidationError(DomainError):
    status = 400


class Conflict(DomainError):
    status = 409


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403
