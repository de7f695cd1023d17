"""Domain errors. Each carries a stable ``code`` the edges map to a reply or an HTTP status."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    status = 409  # the HTTP status an API edge answers with

    def __init__(self, message: str, *, field: str | None = None, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.data = data

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update({k: v for k, v in self.data.items() if v is not None})
        return body


class InvalidInput(DomainError):
    code = "invalid"
    status = 400


class NotFound(DomainError):
    code = "not_found"
    status = 404


class SoldOut(DomainError):
    code = "sold_out"


class CampaignClosed(DomainError):
    code = "campaign_closed"


class OverLimit(DomainError):
    code = "over_limit"


class BalanceDue(DomainError):
    code = "balance_due"


class AlreadyHandedOver(DomainError):
    code = "already_handed_over"


class InvalidState(DomainError):
    code = "invalid_state"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
