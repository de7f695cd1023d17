"""Commands: every write the edges ask of the core, as pydantic models (``extra="forbid"``).

An edge turns what it was sent into a command with ``parse`` (every bad field at once, as
one InvalidInput); services take the command and check only what needs the database or the
clock. The OpenAPI document's request schemas are these models'.
"""
from __future__ import annotations

import re
import unicodedata
import datetime as dt
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, ValidationError,
    field_validator, model_validator,
)

from commerce.errors import InvalidInput
from commerce.states import CampaignStatus, DiscountKind, OrderStatus, PaymentMethod, PaymentStatus, Role

MAX_QTY = 99  # one line of one item: the chat, the counter and walk-in sales alike
# Amounts are stored as 32-bit integers; no counter takes a hundred million dollars at once.
MAX_AMOUNT = 100_000_000


def _amount(value: Any) -> Any:
    """A whole amount as typed: 1000, "1000", "1,000", full-width "１０００". Booleans and
    floats (cents, NaN, infinities) are left for the int check to refuse."""
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace(",", "")
        # A long string is refused before int() (which refuses past 4,300 digits).
        return int(text) if re.fullmatch(r"-?\d{1,18}", text) else value
    return value


# Constraints before validators: the JSON schema is the inner type's, with its bounds.
Amount = Annotated[StrictInt, Field(ge=1, le=MAX_AMOUNT), BeforeValidator(_amount)]
Cash = Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT), BeforeValidator(_amount)]  # a drawer's count: 0 is one
Price = Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT)]  # a JSON number: a campaign is set up, not typed in a hurry
Qty = Annotated[StrictInt, Field(ge=1, le=MAX_QTY)]
Text = Annotated[str, Field(max_length=200)]
Name = Annotated[str, Field(min_length=1, max_length=200),
                 BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)]
Note = Annotated[str, Field(max_length=1000), BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)]
Reason = Annotated[str, Field(min_length=1, max_length=500),
                   BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemSpec(Command):
    label: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,8}$", description="1–8 letters or digits, upper-cased"),
                     BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v)]
    name: Name
    price: Price
    stock: Annotated[StrictInt, Field(ge=0)] | None = Field(None, description="units for sale; null: no cap")
    limit_per_buyer: Annotated[StrictInt, Field(ge=1, le=MAX_QTY)] | None = None
    barcode: Annotated[str, Field(max_length=64),
                       BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v)
                       ] | None = None

    @field_validator("barcode")
    @classmethod
    def _blank_barcode(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class CampaignSpec(Command):
    """Open a campaign (``POST /api/campaigns``, the host's 開團, the manager's form)."""
    title: Name
    items: Annotated[list[ItemSpec], Field(min_length=1, max_length=50)]
    closes_at: AwareDatetime = Field(description="in the future, with a zone: 2026-11-30T20:00:00+08:00")
    pickup_from: date | None = None
    pickup_until: date | None = None
    pickup_place: Text = ""
    note: Note = Field("", description="shown under the items in the announcement (要預付喔)")
    host_user_id: Annotated[str, Field(max_length=64)] | None = Field(None, description="the host's LINE user id")
    group_ids: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=50)] = []
    announce: StrictBool = True

    @model_validator(mode="after")
    def _consistent(self) -> CampaignSpec:
        seen: set[str] = set()
        for i, item in enumerate(self.items):
            if item.label in seen:
                raise _at(f"items[{i}].label", f"label {item.label} is used twice")
            seen.add(item.label)
        if self.pickup_from and self.pickup_until and self.pickup_until < self.pickup_from:
            raise _at("pickup_until", "pickup_until is before pickup_from")
        return self


class CampaignEdit(Command):
    """``PATCH /api/campaigns/{id}``: any of these; the others stay as they are. The campaign's
    groups are told by the reply to their next message (free)."""
    title: Name | None = None
    note: Note | None = None
    closes_at: AwareDatetime | None = Field(None, description="open campaigns only")
    pickup_from: date | None = None
    pickup_until: date | None = None
    pickup_place: Text | None = None

    @model_validator(mode="after")
    def _something(self) -> CampaignEdit:
        if not self.model_fields_set - {name for name, v in self if v is None}:
            raise _at("body", "send title, note, closes_at, pickup_from, pickup_until or pickup_place")
        return self


class ItemEdit(Command):
    """``PATCH /api/campaigns/{id}/items/{item_id}``: any of these. A stock raise gives the new
    units to the waitlist in stamp order; a cut below what is sold waitlists the newest lines.
    A new price applies to lines booked from now on (a buyer keeps the price they said +1 to)."""
    name: Name | None = None
    price: Price | None = None
    stock: Annotated[StrictInt, Field(ge=0)] | None = Field(None, description="units for sale")
    uncapped: StrictBool = Field(False, description="true: no stock cap any more (stock must be absent)")

    @model_validator(mode="after")
    def _something(self) -> ItemEdit:
        if self.uncapped and self.stock is not None:
            raise _at("stock", "send stock or uncapped, not both")
        if self.name is None and self.price is None and self.stock is None and not self.uncapped:
            raise _at("body", "send name, price, stock or uncapped")
        return self


class CampaignCancel(Command):
    """``POST /api/campaigns/{id}/cancel``: why, told to the groups and kept on the campaign."""
    reason: Reason
    notify: Literal["reply", "push"] = Field(
        "reply", description="reply: each group is told by the reply to its next message (free); "
                             "push: told now, billed per member (see notice_cost)")


class ItemRef(Command):
    """An item by its barcode or its id; qty defaults to 1."""
    barcode: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    item_id: StrictInt | None = None
    qty: Qty = 1

    @model_validator(mode="after")
    def _one(self) -> ItemRef:
        if self.barcode is None and self.item_id is None:
            raise _at("barcode", "give a barcode or an item_id")
        return self


class SaleLine(Command):
    """A walk-in sale's line: an item by its barcode or id, or a custom amount that no campaign
    lists (``name`` and ``price``: a gift wrap, a bag, yesterday's cake)."""
    barcode: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    item_id: StrictInt | None = None
    name: Name | None = Field(None, description="a custom line: what it is (with price)")
    price: Amount | None = Field(None, description="a custom line: its unit price")
    qty: Qty = 1

    @model_validator(mode="after")
    def _one(self) -> SaleLine:
        custom = self.name is not None or self.price is not None
        if custom and (self.barcode is not None or self.item_id is not None):
            raise _at("name", "a line is an item (barcode or item_id) or a custom amount (name and price), not both")
        if custom and self.name is None:
            raise _at("name", "say what the custom amount is for")
        if custom and self.price is None:
            raise _at("price", "give the custom amount's price")
        if not custom and self.barcode is None and self.item_id is None:
            raise _at("barcode", "give a barcode or an item_id, or a name and price")
        return self

    @property
    def custom(self) -> bool:
        return self.name is not None

    def ref(self) -> ItemRef:
        return ItemRef(barcode=self.barcode, item_id=self.item_id, qty=self.qty)


class NewPayment(Command):
    method: PaymentMethod
    amount: Amount
    tendered: Amount | None = Field(None, description="cash handed over; the answer carries the change")

    @model_validator(mode="after")
    def _tendered(self) -> NewPayment:
        if self.tendered is not None and self.method != PaymentMethod.CASH:
            raise _at("tendered", "only cash is tendered")
        if self.tendered is not None and self.tendered < self.amount:
            raise _at("tendered", f"tendered {self.tendered} is less than the amount {self.amount}")
        if self.method == PaymentMethod.CREDIT:
            raise _at("method", "credit is moved between orders by a manager, not taken")
        return self

    @property
    def change(self) -> int | None:
        return None if self.tendered is None else self.tendered - self.amount


Reason = Annotated[str, Field(min_length=1, max_length=150), BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)]


class LineChange(Command):
    """``PATCH /api/orders/{number}/lines/{line}``: lower a line's quantity; 0 removes it."""
    qty: Annotated[StrictInt, Field(ge=0, le=MAX_QTY)]
    reason: Reason | None = Field(None, description="why (kept with who and when); none: a mistaken tap")


class LineVoid(Command):
    """``POST /api/orders/{number}/lines/{line}/void``: take a line off the order."""
    reason: Reason | None = Field(None, description="why (kept with who and when); none: a mistaken tap")


class NewDiscount(Command):
    """Money off an order's total: a discount, or 抹零 (``rounding``: the odd dollars let go)."""
    amount: Amount
    kind: DiscountKind = DiscountKind.DISCOUNT
    reason: Reason


class VoidDiscount(Command):
    reason: Reason


class ShiftOpen(Command):
    float: Annotated[Cash, Field(description="the cash put in the drawer to give change from")]


class ShiftClose(Command):
    counted_cash: Annotated[Cash, Field(description="the cash counted in the drawer at the end")]


class Refund(Command):
    """Money given back on an order, by a manager, with why."""
    method: PaymentMethod
    amount: Amount
    reason: Annotated[str, Field(min_length=1, max_length=150)]

    @model_validator(mode="after")
    def _not_credit(self) -> Refund:
        if self.method == PaymentMethod.CREDIT:
            raise _at("method", "money goes back by a real method")
        return self


class NewCheckout(Command):
    """Several open orders of one buyer settled at once: the payments add up to their balances."""
    orders: Annotated[list[Annotated[str, Field(max_length=12), BeforeValidator(
        lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v)]],
        Field(min_length=1, max_length=20, description="order numbers")]
    payments: Annotated[list[NewPayment], Field(max_length=10)]
    hand_over: StrictBool = Field(False, description="hand the orders over once paid")


class SplitPart(Command):
    number: Annotated[str, Field(max_length=12), BeforeValidator(
        lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v)]
    amount: Amount


class SplitTransfer(Command):
    """A transfer shared out over the buyer's open orders: the amounts add up to the transfer."""
    orders: Annotated[list[SplitPart], Field(min_length=2, max_length=20)]


class MoveCredit(Command):
    """Credit (paid beyond the total) moved to another open order of the same buyer, by a manager."""
    to: Annotated[str, Field(max_length=12), BeforeValidator(
        lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v)]
    amount: Amount
    reason: Annotated[str, Field(min_length=1, max_length=150)]


class VoidPayment(Command):
    """A payment taken by mistake (the wrong method, a double entry), by a manager, with why."""
    reason: Annotated[str, Field(min_length=1, max_length=150)]


class Handover(Command):
    force: StrictBool = Field(False, description="hand over with a balance due (manager only)")


class NewSale(Command):
    """A walk-in sale, paid in full: the payments add up to the total."""
    lines: Annotated[list[SaleLine], Field(min_length=1, max_length=100)]
    payments: Annotated[list[NewPayment], Field(max_length=10)]


class NewNote(Command):
    """A staff note on a buyer; kept with who wrote it and when, never deleted."""
    text: Annotated[str, Field(min_length=1, max_length=500),
                    BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)]


class VoidTransfer(Command):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class PrintReceipt(Command):
    copy_: StrictBool = Field(False, alias="copy", description="a reprint, marked COPY")
    open_drawer: StrictBool = Field(False, description="open the cash drawer with the receipt (not with a copy)")


# Queries: what a read takes from its query string.
Flag = Annotated[bool, BeforeValidator(lambda v: str(v).lower() in ("1", "true", "yes"))]


MIN_PASSWORD = 8  # the CLI's rule (plusone staff add) and the staff page's alike


def _username(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _password_long_enough(value: str) -> str:
    if len(value) < MIN_PASSWORD:
        raise _at("", f"password needs at least {MIN_PASSWORD} characters")
    return value


Username = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$",
                                description="1–64 characters, no control characters"),
                     BeforeValidator(_username)]
Password = Annotated[str, Field(max_length=1024, description=f"at least {MIN_PASSWORD} characters")]


class NewStaff(Command):
    """``POST /api/staff`` and ``plusone staff add``: a staff login."""
    username: Username
    role: Role
    password: Password

    _long_enough = field_validator("password")(_password_long_enough)


class StaffEdit(Command):
    """``PATCH /api/staff/{id}``: a new role, or disabled true/false (its sessions end at once)."""
    role: Role | None = None
    disabled: StrictBool | None = None

    @model_validator(mode="after")
    def _something(self) -> StaffEdit:
        if self.role is None and self.disabled is None:
            raise _at("body", "send role or disabled")
        return self


class NewPassword(Command):
    """``POST /api/staff/{id}/password``: the login's sessions end."""
    password: Password

    _long_enough = field_validator("password")(_password_long_enough)


class NewToken(Command):
    """``POST /api/tokens`` and ``plusone token create``: an API token (its secret is shown once)."""
    name: Annotated[str, Field(max_length=100), BeforeValidator(_username)] = ""
    role: Role


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)  # a cache-buster in a link is no error


class CampaignsQuery(Query):
    status: CampaignStatus | None = None


class OrdersQuery(Query):
    unpaid: Flag = False
    not_picked_up: Flag = False


class PickListQuery(Query):
    format: Annotated[str, Field(pattern="^(json|csv)$")] = "json"


class CampaignOrdersQuery(OrdersQuery):
    format: Annotated[str, Field(pattern="^(json|csv)$", description="csv: a spreadsheet, UTF-8 with a BOM")] = "json"
    lang: Annotated[str, Field(pattern="^(zh-TW|en)$", description="the CSV's headers; default the page's")] | None = None


class MembersQuery(Query):
    q: Annotated[str, Field(max_length=100, description="a name, a phone or its last 3+ digits; empty: everyone")] = ""
    offset: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    limit: Annotated[int, Field(ge=1, le=100)] = 50


class LookupQuery(Query):
    q: str = Field(description="what was typed or scanned: a phone (or its last 3+ digits), an order number, "
                               "a pickup QR token or a name")


class OrderSearch(Query):
    q: Annotated[str | None, Field(description="as for /api/lookup: a phone (or its last 3+ digits), an order "
                                               "number, a pickup QR token or a name; none: the latest orders")] = None
    status: Annotated[Literal["open", "picked_up", "cancelled", "all"],
                      Field(description="one state (OrderStatus), or all of them")] = "all"

    @property
    def only(self) -> OrderStatus | None:
        return None if self.status == "all" else OrderStatus(self.status)


class LeftoversQuery(Query):
    sold_out: Flag = Field(False, description="also the sold-out items, with left 0")


class TransfersQuery(Query):
    status: PaymentStatus = PaymentStatus.REPORTED


class DayQuery(Query):
    date: Annotated[dt.date | None, Field(description="YYYY-MM-DD in the shop's zone; default today")] = None


class MonthQuery(Query):
    month: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM in the shop's zone")] | None = None


class GroupsQuery(Query):
    group_ids: Annotated[str, Field(min_length=1, description="LINE group ids separated by commas")]

    @property
    def ids(self) -> list[str]:
        return [g for g in self.group_ids.replace(" ", ",").split(",") if g]


M = TypeVar("M", bound=BaseModel)


class _FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _at(field: str, message: str) -> _FieldError:
    """A model check's refusal of ``field`` (its path from the top, like items[1].label)."""
    return _FieldError(field, message)


def _path(loc: tuple) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _message(error: dict[str, Any], field: str) -> str:
    name = field.rsplit(".", 1)[-1].split("[", 1)[0] or "body"
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return f"{name} is required"
    if kind == "extra_forbidden":
        return f"{name} is not a field of this request"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{name} must be a whole number"
    if kind in ("bool_type", "bool_parsing"):
        return f"{name} is true or false"
    if kind == "string_type":
        return f"{name} must be text"
    if kind in ("list_type", "tuple_type"):
        return f"{name} must be a list"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{name} must be an object"
    if kind == "greater_than_equal":
        return f"{name} must be at least {ctx['ge']}" if ctx["ge"] else f"{name} must be zero or positive"
    if kind == "less_than_equal":
        return f"{name} must be at most {ctx['le']:,}"
    if kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1:
        return f"{name} is required"
    if kind == "string_too_long":
        return f"{name} is at most {ctx['max_length']} characters"
    if kind == "too_short":
        return f"{name} needs at least {ctx['min_length']}"
    if kind == "too_long":
        return f"{name} takes at most {ctx['max_length']}"
    if kind == "timezone_aware":
        return f"{name}: the time needs a zone, like +08:00"
    if kind.startswith("datetime"):
        return f"{name}: a date and time like 2026-11-30T20:00:00+08:00"
    if kind.startswith("date"):
        return f"{name}: a date like 2026-12-02"
    if kind == "enum":
        return f"{name} must be one of {ctx['expected']}"
    if kind == "string_pattern_mismatch" and name == "label":
        return "label is 1–8 letters or digits"
    if kind == "string_pattern_mismatch" and name == "username":
        return "username has no control characters"
    return f"{name}: {error['msg']}"


def _join(head: str, tail: str) -> str:
    if not head or not tail:
        return head or tail
    return head + (tail if tail.startswith("[") else f".{tail}")


def field_errors(err: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    """``[{"field", "message"}]`` of every bad field, in the order sent."""
    found = []
    for error in err.errors(include_url=False):
        cause = (error.get("ctx") or {}).get("error")
        base = _join(prefix, _path(error["loc"]))
        if isinstance(cause, _FieldError):
            found.append({"field": _join(base, cause.field), "message": str(cause)})
            continue
        field = base or "body"
        found.append({"field": field, "message": _message(error, field)})
    return found


def parse(model: type[M], data: Any) -> M:
    """``data`` (JSON as sent, a form, a query) as ``model``; InvalidInput naming every bad field."""
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise InvalidInput.of(field_errors(err)) from None
