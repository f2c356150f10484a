"""Domain errors with stable codes. The API maps them to HTTP in one place (core.api)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message=None, *, fields: dict[str, list[str]] | None = None):
        self.message = message or self.default_message
        self.fields = fields or {}
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    code = "validation_error"
    status = 422
    default_message = _("Some fields are not valid.")

    @classmethod
    def on(cls, field: str, message) -> ValidationFailed:
        return cls(fields={field: [str(message)]})


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    default_message = _("You do not have the right to do this.")


class VersionConflict(DomainError):
    """The record changed since the client read it; nothing was written."""

    code = "version_conflict"
    status = 409
    default_message = _("This record was changed by someone else. Reload it and try again.")


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409
    default_message = _("This change is not allowed in the record's current state.")
