"""Domain errors. Each carries a stable ``code`` (one of ``states.ErrorCode``) the edges map
to a reply or an HTTP status."""
from __future__ import annotations

from typing import Any

from commerce.states import ErrorCode


class DomainError(Exception):
    code = ErrorCode.DOMAIN_ERROR
    status = 409  # the HTTP status an API edge answers with

    def __init__(self, message: str, *, field: str | None = None, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.data = data

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": str(self.code), "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update({k: v for k, v in self.data.items() if v is not None})
        return body


class InvalidInput(DomainError):
    """Bad input. ``fields`` lists every bad field as ``{"field", "message"}``; ``field`` and
    the message are the first of them."""
    code = ErrorCode.INVALID
    status = 400

    def __init__(self, message: str, *, field: str | None = None,
                 fields: list[dict[str, str]] | None = None, **data: Any) -> None:
        if fields is None and field:
            fields = [{"field": field, "message": message}]
        super().__init__(message, field=field, fields=fields, **data)

    @classmethod
    def of(cls, fields: list[dict[str, str]]) -> InvalidInput:
        first = fields[0]
        return cls(first["message"], field=first["field"], fields=fields)


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND
    status = 404


class SoldOut(DomainError):
    code = ErrorCode.SOLD_OUT


class CampaignClosed(DomainError):
    code = ErrorCode.CAMPAIGN_CLOSED


class OverLimit(DomainError):
    code = ErrorCode.OVER_LIMIT


class BalanceDue(DomainError):
    code = ErrorCode.BALANCE_DUE


class AlreadyHandedOver(DomainError):
    code = ErrorCode.ALREADY_HANDED_OVER


class InvalidState(DomainError):
    code = ErrorCode.INVALID_STATE


class Unauthorized(DomainError):
    code = ErrorCode.UNAUTHORIZED
    status = 401


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN
    status = 403
