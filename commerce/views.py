"""Views: what every read (and every write's answer) gives back, as pydantic models.

The services build these shapes as plain data; the OpenAPI document's response schemas are
these models', and the test suite checks every JSON answer it gets against them
(``extra="forbid"``: a field the document does not name is a failure too).
"""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from commerce.states import (
    CampaignStatus, DiscountKind, DiscountStatus, ErrorCode, LineStatus, OrderStatus, PaymentMethod, PaymentStatus,
    PrintStatus, Role, StaffAction,
)


class View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemView(View):
    id: int
    label: str
    name: str
    price: int
    stock: int | None = Field(description="units for sale; null: no cap")
    limit_per_buyer: int | None
    barcode: str | None
    sold: int
    left: int | None = Field(description="null: no cap")
    waitlisted: int


class GroupCost(View):
    group_id: str
    members: int | None = Field(description="as read from LINE; null: not known yet")


class AnnouncementCost(View):
    groups: list[GroupCost]
    billed: int
    unknown: list[str]


class CampaignView(View):
    id: int
    code: str
    title: str
    status: CampaignStatus
    closes_at: datetime
    pickup_from: date | None
    pickup_until: date | None
    pickup_place: str
    note: str
    cancel_reason: str = Field(description="why it was cancelled; empty otherwise")
    host_user_id: str | None
    group_ids: list[str]
    items: list[ItemView]
    announcement_cost: AnnouncementCost | None = Field(None, description="when opened with an announcement")


class ItemChanged(CampaignView):
    promoted: int = Field(description="units given from the waitlist to its buyers, in stamp order")
    cut: int = Field(description="units moved back to the waitlist, newest first (those buyers are told)")


class Refund(View):
    order_number: str
    member_id: int | None
    display_name: str
    paid: int = Field(description="paid on the order, owed back")


class CampaignCancelled(View):
    campaign: CampaignView
    refunds: list[Refund] = Field(description="buyers with money paid, to refund")
    refund_total: int


class CampaignSummary(View):
    id: int
    code: str
    title: str
    status: CampaignStatus
    closes_at: datetime
    closed_at: datetime | None
    pickup_from: date | None
    pickup_until: date | None
    pickup_place: str
    orders: int = Field(description="orders not cancelled")
    items: list[ItemView]


class CampaignList(View):
    campaigns: list[CampaignSummary]


class CampaignRef(View):
    id: int
    code: str
    title: str
    status: CampaignStatus
    pickup_from: date | None
    pickup_until: date | None
    pickup_place: str


class MemberView(View):
    id: int
    line_user_id: str | None
    display_name: str
    phone: str | None


class MemberRow(MemberView):
    is_host: bool
    orders: int = Field(description="orders of every state, past ones included")


class MemberPage(View):
    members: list[MemberRow]
    total: int = Field(description="members matching, on every page")
    offset: int
    next_offset: int | None = Field(description="null: this is the last page")


class NoteView(View):
    id: int
    text: str
    actor: str
    created_at: datetime


class LineView(View):
    id: int
    item_id: int | None = Field(description="null for a custom amount at a walk-in sale (named by name)")
    label: str
    name: str
    qty: int
    unit_price: int
    status: LineStatus
    source: str
    note: str


class PaymentView(View):
    id: int
    method: PaymentMethod
    amount: int
    tendered: int | None
    change: int | None
    status: PaymentStatus
    last5: str | None
    created_at: datetime


class DiscountView(View):
    id: int
    amount: int
    kind: DiscountKind
    status: DiscountStatus
    reason: str
    actor: str
    created_at: datetime


class OrderView(View):
    id: int
    number: str
    status: OrderStatus
    campaign: CampaignRef | None = Field(description="null for a walk-in sale")
    member: MemberView | None = Field(description="null for a walk-in sale")
    lines: list[LineView]
    payments: list[PaymentView]
    discounts: list[DiscountView] = Field(description="money taken off the total, void ones too")
    discount: int = Field(description="the active discounts: what total has already taken off")
    total: int
    paid: int
    reported: int = Field(description="transfers reported, not yet confirmed")
    balance: int
    created_at: datetime
    receipt_printed: bool = Field(description="an original receipt printed or queued: the next is a copy")
    receipt_queued: int | None = Field(description="the print job of an original still waiting for the printer")


class OrderList(View):
    orders: list[OrderView]


class BuyerView(View):
    member: MemberRow
    orders: list[OrderView] = Field(description="every order, newest first, past ones included")
    total_spent: int = Field(description="paid, net of refunds, over every order")
    notes: list[NoteView] = Field(description="staff notes, newest first")


class BuyerOrders(MemberView):
    orders: list[OrderView]


class LookupView(View):
    members: list[BuyerOrders]
    orders: list[OrderView] = Field(description="orders found by their number")


class AddedLine(View):
    line: LineView
    order: OrderView


class TakenPayment(View):
    id: int
    order_number: str
    method: PaymentMethod
    amount: int
    tendered: int | None
    change: int
    status: PaymentStatus
    created_at: datetime
    balance: int = Field(description="the order's balance after this payment")


class MoneyBack(View):
    """A refund (a negative payment) or a voided payment, with the order after it."""
    payment: PaymentView
    order: OrderView


class GivenPayment(View):
    method: PaymentMethod
    amount: int
    tendered: int | None
    change: int


class CheckoutView(View):
    """Several orders of one buyer settled at once (each order's payments name the checkout)."""
    id: int
    member: MemberView | None
    orders: list[OrderView]
    total: int = Field(description="what the orders owed together, paid in full")
    payments: list[GivenPayment] = Field(description="as given at the counter, before they were shared out")
    change: int
    actor: str
    created_at: datetime


class CreditMoved(View):
    """Credit moved between two orders of one buyer: a -amount row on one, +amount on the other."""
    source: OrderView = Field(description="the order the credit left")
    target: OrderView = Field(description="the order it now pays")


class HandoverView(View):
    id: int
    forced: bool
    balance_at_handover: int
    actor: str
    created_at: datetime


class HandedOver(View):
    handover: HandoverView
    order: OrderView


class LeftoverCampaign(View):
    code: str
    title: str


class Leftover(View):
    id: int
    label: str
    name: str
    price: int
    barcode: str | None
    left: int | None = Field(description="null: no cap")
    campaign: LeftoverCampaign


class Leftovers(View):
    items: list[Leftover]


class PickedItem(View):
    label: str
    name: str
    qty: int


class PickBuyer(View):
    number: str
    display_name: str
    phone: str | None
    lines: list[PickedItem]


class PickCampaign(View):
    id: int
    code: str
    title: str
    status: CampaignStatus


class PickList(View):
    campaign: PickCampaign
    items: list[PickedItem]
    buyers: list[PickBuyer]


class TransferView(View):
    id: int
    order_number: str
    amount: int
    last5: str | None
    status: PaymentStatus
    reported_at: datetime
    decided_at: datetime | None
    reason: str
    due: int = Field(description="what the order still owes now: a reported transfer above it is flagged")
    member: MemberView | None


class TransferList(View):
    transfers: list[TransferView]


class SplitView(View):
    """A transfer shared out over a buyer's orders: the transfer (now split) and its parts."""
    transfer: TransferView
    parts: list[TransferView]


class StatementLine(View):
    id: int
    date: date
    amount: int
    last5: str | None
    memo: str


class MatchedLine(StatementLine):
    transfer: TransferView


class AmbiguousLine(StatementLine):
    candidates: list[TransferView]


class ImportResult(View):
    batch: str
    matched: list[MatchedLine]
    ambiguous: list[AmbiguousLine]
    unmatched: list[StatementLine]
    duplicates: int


class Takings(View):
    total: int
    by_method: dict[PaymentMethod, int]


class ItemTakings(View):
    campaign_id: int | None
    label: str
    name: str
    qty: int
    amount: int


class DailyReport(View):
    date: date
    takings: Takings = Field(description="net of refunds (a refund is a negative payment)")
    refunds: Takings = Field(description="money given back, as positive amounts")
    discounts: int = Field(description="money taken off orders that day (discounts and 抹零)")
    by_item: list[ItemTakings]
    orders: int
    pickups: int


class ZReport(View):
    """A shift's report: a Z report once closed, the figures so far (an X report) while open."""
    id: int
    staff: str
    opened_at: datetime
    closed_at: datetime | None
    float: int = Field(description="cash put in the drawer at the start")
    takings: dict[PaymentMethod, int] = Field(description="payments taken, by method (refunds apart)")
    takings_total: int
    refunds: int = Field(description="money given back, all methods")
    refunds_by_method: dict[PaymentMethod, int]
    discounts: int = Field(description="money the shift's staff took off orders")
    payments: int = Field(description="payments counted")
    voided: int = Field(description="payments of the shift voided since")
    expected_cash: int = Field(description="float + cash taken - cash refunded")
    counted_cash: int | None
    difference: int | None = Field(description="counted - expected: negative is cash missing")


class ShiftView(View):
    id: int
    staff: str
    opened_at: datetime
    closed_at: datetime | None
    float: int
    expected_cash: int | None
    counted_cash: int | None
    difference: int | None


class ShiftList(View):
    current: ZReport | None = Field(description="the signed-in staff's open shift so far")
    shifts: list[ShiftView] = Field(description="the latest shifts, newest first")


class DiscountGiven(View):
    discount: DiscountView
    order: OrderView


class PrintJobView(View):
    id: int
    status: PrintStatus
    error: str | None


class PrintJobDetail(PrintJobView):
    order_number: str | None
    attempts: int
    copy_: bool = Field(alias="copy")


class TemplateCount(View):
    pushes: int
    billed: int


class TemplateRow(TemplateCount):
    template: str


class PushReport(View):
    month: str
    pushes: int
    billed: int = Field(description="as LINE bills: once per recipient, a group push once per member")
    quota: int | None
    used_by_line: int | None
    checked_at: datetime | None
    limit_reached: bool
    budget: int | None
    held: int
    templates: dict[str, TemplateCount]
    by_template: list[TemplateRow]


class HeldPush(View):
    id: int
    template: str
    recipient_kind: str
    recipient: str
    name: str
    reason: str
    created_at: datetime


class HeldPushes(View):
    held: list[HeldPush]


class PushDecision(View):
    id: int
    status: str


class StaffLogin(View):
    id: int
    username: str
    role: Role
    disabled: bool
    created_at: datetime


class StaffList(View):
    logins: list[StaffLogin]


class TokenView(View):
    """An API token as staff see it: never its secret or digest."""
    id: int
    name: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None = Field(description="to the minute; null: never used")
    revoked: bool
    revoked_at: datetime | None


class TokenList(View):
    tokens: list[TokenView]


class NewTokenView(View):
    token: TokenView
    secret: str | None = Field(description="send as Authorization: Bearer SECRET; shown once (null when an "
                                           "Idempotency-Key retry replays the answer)")


class StaffChangeView(View):
    id: int
    at: datetime
    actor: str = Field(description="staff:NAME, token:DIGEST8 or cli")
    action: StaffAction
    username: str = Field(description="the login changed ('' for a token)")
    token_id: int | None
    detail: str


class StaffChanges(View):
    changes: list[StaffChangeView]


class FieldError(View):
    field: str
    message: str


class ErrorDetail(BaseModel):
    """Some refusals add what the caller needs next (``balance``, ``available``, ``job``…)."""
    model_config = ConfigDict(extra="allow")
    code: ErrorCode
    message: str
    field: str | None = Field(None, description="the first bad field")
    fields: list[FieldError] | None = Field(None, description="every bad field (code invalid)")


class ErrorBody(View):
    error: ErrorDetail
