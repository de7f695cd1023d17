"""Every status, method and role the core stores, and every error code the edges answer with.

StrEnums: a member is its stored string (``CampaignStatus.OPEN == "open"``), so rows, raw SQL
and JSON keep their values while code names them once. The OpenAPI document lists these as
enums, and the pages' scripts read ``ErrorCode`` values from it instead of spelling them.
"""
from __future__ import annotations

from enum import StrEnum


class CampaignStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class OrderStatus(StrEnum):
    OPEN = "open"
    PICKED_UP = "picked_up"
    CANCELLED = "cancelled"


class LineStatus(StrEnum):
    RESERVED = "reserved"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class PaymentStatus(StrEnum):
    REPORTED = "reported"  # a transfer the buyer says they made; the bank has not shown it yet
    CONFIRMED = "confirmed"
    VOID = "void"
    SPLIT = "split"  # a transfer shared out over a buyer's orders: its parts (payments.parent) count, it does not


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    LINEPAY = "linepay"
    JKOPAY = "jkopay"
    TRANSFER = "transfer"
    CREDIT = "credit"  # money already paid, moved from one order's credit to another (commerce/credits.py)


class DiscountKind(StrEnum):
    DISCOUNT = "discount"
    ROUNDING = "rounding"  # 抹零: the odd dollars of a balance let go


class DiscountStatus(StrEnum):
    ACTIVE = "active"
    VOID = "void"


class AuditAction(StrEnum):
    LINE_CHANGED = "line_changed"  # a counter correction: qty lowered or the line voided
    DISCOUNT_VOIDED = "discount_voided"


class InboundStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    REFUSED = "refused"  # a replay or an event past its life: stored, never applied


class NoticeStatus(StrEnum):
    """A LINE message in the outbox."""
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    HELD = "held"  # over the month's push budget, or LINE's monthly limit: a manager decides
    DROPPED = "dropped"


class PrintStatus(StrEnum):
    QUEUED = "queued"
    PRINTED = "printed"
    FAILED = "failed"


class Role(StrEnum):
    """Staff roles, each granting what the one before it does."""
    CASHIER = "cashier"
    MANAGER = "manager"
    ADMIN = "admin"


class StaffAction(StrEnum):
    """What an audit row of staff management (``staff_changes``) records."""
    CREATED = "created"
    ROLE_CHANGED = "role_changed"
    PASSWORD_RESET = "password_reset"
    DISABLED = "disabled"
    ENABLED = "enabled"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"


class ErrorCode(StrEnum):
    """The ``error.code`` of every refusal the API (and the pages' scripts) can see."""
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    CSRF = "csrf"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    LAST_ADMIN = "last_admin"
    USERNAME_TAKEN = "username_taken"
    SOLD_OUT = "sold_out"
    CAMPAIGN_CLOSED = "campaign_closed"
    OVER_LIMIT = "over_limit"
    OVERPAYMENT = "overpayment"
    PAYMENT_MISMATCH = "payment_mismatch"
    OTHER_BUYER = "other_buyer"
    CREDIT_TOO_LARGE = "credit_too_large"
    REFUND_TOO_LARGE = "refund_too_large"
    TOO_MANY_REPORTS = "too_many_reports"
    BALANCE_DUE = "balance_due"
    DISCOUNT_TOO_LARGE = "discount_too_large"
    SHIFT_OPEN = "shift_open"
    NO_SHIFT = "no_shift"
    ALREADY_HANDED_OVER = "already_handed_over"
    INVALID_STATE = "invalid_state"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    PRINTER_UNAVAILABLE = "printer_unavailable"
    TOO_LARGE = "too_large"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    HTTP_ERROR = "http_error"
    INTERNAL = "internal"
    DOMAIN_ERROR = "domain_error"
