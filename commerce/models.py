"""Tortoise models of the commerce core.

Money is integer currency units (TWD dollars). Times are stored in UTC.
Stock: ``Item.sold`` only ever changes through conditional updates in
``commerce.stock``; every change leaves a ``StockMovement`` row.
"""
from tortoise import fields
from tortoise.models import Model


# A column added by a migration to a table that already holds rows is NOT NULL only with a
# database default (``db_default``): SQLite and PostgreSQL refuse to add it otherwise, and a
# shop's upgrade would stop there (tests/test_migrations.py upgrades a seeded database).


class Member(Model):
    # A buyer: a LINE user, or a counter customer known only by phone.

    id = fields.IntField(primary_key=True)
    line_user_id = fields.CharField(max_length=64, null=True, unique=True)
    display_name = fields.CharField(max_length=200, default="")
    phone = fields.CharField(max_length=20, null=True, db_index=True)
    # The phone's digits reversed, so "last N digits" is an indexed prefix range.
    phone_rev = fields.CharField(max_length=20, null=True, db_index=True)
    pickup_token = fields.CharField(max_length=64, unique=True)
    is_host = fields.BooleanField(default=False)
    follows = fields.BooleanField(default=False, db_default=False)  # added the bot as a friend: a 1:1 push reaches them
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "members"


class MemberNote(Model):
    # A staff note on a buyer ("prefers cash", "picks up for her mother"): who wrote it and
    # when; never edited or deleted, a correction is a new note.
    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("commerce.Member", related_name="notes")
    text = fields.CharField(max_length=500)
    actor = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "member_notes"
        indexes = (("member_id", "id"),)


class LineGroup(Model):
    id = fields.IntField(primary_key=True)
    line_group_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200, default="")
    member_count = fields.IntField(null=True)  # a group push is billed once per member
    # When member_count was read from LINE; None: never, or members joined or left since.
    member_count_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "line_groups"


class Campaign(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=12, unique=True)
    title = fields.CharField(max_length=200)
    status = fields.CharField(max_length=12, default="open", db_index=True)  # open|closed|cancelled
    closes_at = fields.DatetimeField(db_index=True)
    pickup_from = fields.DateField(null=True)
    pickup_until = fields.DateField(null=True)
    pickup_place = fields.CharField(max_length=200, default="")
    note = fields.TextField(default="", db_default="")  # the host's extra line(s): "要預付喔"
    cancel_reason = fields.CharField(max_length=500, default="", db_default="")
    host = fields.ForeignKeyField("commerce.Member", related_name="hosted", null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "campaigns"


class CampaignGroup(Model):
    # A campaign announced in a LINE group; remembers the announcement's message id.

    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField("commerce.Campaign", related_name="groups")
    group = fields.ForeignKeyField("commerce.LineGroup", related_name="campaigns")
    announce_message_id = fields.CharField(max_length=64, null=True, db_index=True)
    # The scheduled close told by reply to the group's next message (free): ""|due|told.
    close_notice = fields.CharField(max_length=8, default="", db_default="")
    # A change (deadline, pickup, items) or a cancel told the same way: ""|changed|cancelled|told.
    change_notice = fields.CharField(max_length=12, default="", db_default="")

    class Meta:
        table = "campaign_groups"
        unique_together = (("campaign", "group"),)


class Item(Model):
    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField("commerce.Campaign", related_name="items")
    label = fields.CharField(max_length=8)
    name = fields.CharField(max_length=200)
    price = fields.IntField()
    cap = fields.IntField(null=True)  # None: no stock cap
    limit_per_buyer = fields.IntField(null=True)
    barcode = fields.CharField(max_length=64, null=True, db_index=True)
    sold = fields.IntField(default=0)
    position = fields.IntField(default=0)

    class Meta:
        table = "items"
        unique_together = (("campaign", "label"),)


class Order(Model):
    # One order per buyer per campaign; walk-in sales have neither campaign nor member.

    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField("commerce.Campaign", related_name="orders", null=True)
    member = fields.ForeignKeyField("commerce.Member", related_name="orders", null=True)
    status = fields.CharField(max_length=12, default="open", db_index=True)  # open|picked_up|cancelled
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "orders"
        unique_together = (("campaign", "member"),)
        indexes = (("member_id", "status"),)  # a buyer's open orders (counter lookup)

    @property
    def number(self) -> str:
        return str(self.id)


class OrderLine(Model):
    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("commerce.Order", related_name="lines")
    # None: a line for something no campaign lists (a custom amount at a walk-in sale), named by ``name``
    item = fields.ForeignKeyField("commerce.Item", related_name="lines", null=True)
    name = fields.CharField(max_length=200, null=True)  # (nullable: SQLite adds no NOT NULL column to rows)
    qty = fields.IntField()
    unit_price = fields.IntField()
    status = fields.CharField(max_length=12)  # reserved|waitlisted|cancelled
    source = fields.CharField(max_length=12)  # chat|addon|walkin|custom|api
    source_message_id = fields.CharField(max_length=64, null=True, db_index=True)
    note = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "order_lines"
        indexes = (("item_id", "status", "id"), ("order_id", "id"))


class StockMovement(Model):
    # Every change of ``Item.sold``: the ledger sums to ``sold``.

    id = fields.IntField(primary_key=True)
    item = fields.ForeignKeyField("commerce.Item", related_name="movements")
    line = fields.ForeignKeyField("commerce.OrderLine", related_name="movements", null=True)
    delta = fields.IntField()
    reason = fields.CharField(max_length=16)  # reserve|promote|cancel|addon|walkin
    actor = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "stock_movements"


class Payment(Model):
    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("commerce.Order", related_name="payments")
    method = fields.CharField(max_length=12)  # cash|card|linepay|jkopay|transfer
    amount = fields.IntField()
    tendered = fields.IntField(null=True)
    change = fields.IntField(null=True)
    status = fields.CharField(max_length=12, db_index=True)  # reported|confirmed|void
    last5 = fields.CharField(max_length=5, null=True, db_index=True)
    actor = fields.CharField(max_length=100, default="")
    reason = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(db_index=True)
    decided_at = fields.DatetimeField(null=True)
    # A part of a split transfer points to the transfer it came from (commerce/transfer_split.py);
    # a payment taken by a multi-order checkout names it (commerce/checkout.py).
    parent = fields.ForeignKeyField("commerce.Payment", related_name="parts", null=True)
    checkout = fields.ForeignKeyField("commerce.Checkout", related_name="payments", null=True)

    class Meta:
        table = "payments"
        indexes = (("order_id", "id"),)


class Checkout(Model):
    # Several open orders of one buyer settled at once (commerce/checkout.py): one receipt.
    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("commerce.Member", related_name="checkouts")
    order_ids = fields.JSONField(default=list)
    total = fields.IntField()
    payments_given = fields.JSONField(default=list)  # [{"method", "amount", "tendered", "change"}] as tendered
    actor = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "checkouts"


class BankStatementLine(Model):
    # One credit line of an imported bank statement, matched to at most one reported transfer.
    id = fields.IntField(primary_key=True)
    batch = fields.CharField(max_length=64, db_index=True)
    booked_on = fields.DateField(db_index=True)
    amount = fields.IntField()
    last5 = fields.CharField(max_length=5, default="", db_index=True)
    memo = fields.CharField(max_length=200, default="")
    # The same bank line imported twice (an overlapping export) is kept once.
    fingerprint = fields.CharField(max_length=64, unique=True)
    payment = fields.ForeignKeyField("commerce.Payment", related_name="bank_lines", null=True)
    imported_at = fields.DatetimeField()

    class Meta:
        table = "bank_statement_lines"


class Handover(Model):
    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("commerce.Order", related_name="handovers")
    actor = fields.CharField(max_length=100, default="")
    forced = fields.BooleanField(default=False)
    balance_at_handover = fields.IntField(default=0)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "handovers"


class StaffUser(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=200)
    role = fields.CharField(max_length=12)  # cashier|manager|admin
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_users"


class StaffSession(Model):
    # A signed-in browser: the cookie holds a random token, only its SHA-256 is stored.
    # Rows are shared by every process, so a logout or an expiry holds everywhere.
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user = fields.ForeignKeyField("commerce.StaffUser", related_name="sessions")
    csrf = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "staff_sessions"


class LoginAttempt(Model):
    # One sign-in attempt, kept to rate-limit guessing per username and per address.
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64)
    address = fields.CharField(max_length=64)
    ok = fields.BooleanField()
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "login_attempts"
        indexes = (("username", "at"), ("address", "at"))


class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    role = fields.CharField(max_length=12)
    name = fields.CharField(max_length=100, default="")
    revoked = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)  # written at most once a minute (staff.TOUCH_EVERY)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_tokens"


class StaffChange(Model):
    # One change to a staff login or an API token by an admin (or the CLI): who, when, what.
    # Nothing here is ever updated or deleted.
    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    actor = fields.CharField(max_length=100)  # staff:NAME, token:DIGEST8 or cli
    action = fields.CharField(max_length=20)  # StaffAction
    username = fields.CharField(max_length=64, default="")  # the login changed ('' for a token)
    token_id = fields.IntField(null=True)  # the token changed
    detail = fields.CharField(max_length=200, default="")  # e.g. "cashier → manager"

    class Meta:
        table = "staff_changes"


class InboundEvent(Model):
    # A LINE webhook event, stored durably before the webhook answers 200 and applied
    # exactly once by a worker (status pending -> done in the transaction of its effect).
    # The unique event_id makes a redelivery a no-op.
    id = fields.IntField(primary_key=True)
    event_id = fields.CharField(max_length=64, unique=True)
    payload = fields.TextField()
    partition = fields.SmallIntField(default=0)  # unused since one applier applies in stamp order
    status = fields.CharField(max_length=10, default="pending")  # pending|done|failed|refused
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=500, default="")
    received_at = fields.DatetimeField(db_index=True)
    processed_at = fields.DatetimeField(null=True)
    # LINE's `timestamp` (ms), never later than arrival: events are applied in this order.
    stamp_ms = fields.BigIntField(default=0, db_default=0)
    # When the event may be applied (ms): the reorder window after its stamp.
    due_ms = fields.BigIntField(default=0, db_default=0)

    class Meta:
        table = "inbound_events"
        indexes = (("status", "partition", "id"), ("status", "stamp_ms"))


class InboundIntake(Model):
    # One row per process taking webhooks on a shared database (PostgreSQL): the earliest LINE
    # stamp among the requests it has parsed but not yet stored (null: none), renewed while it
    # has any. The applier of another process holds back events stamped at or after it.
    process = fields.CharField(max_length=100, primary_key=True)
    open_since_ms = fields.BigIntField(null=True)
    beat_ms = fields.BigIntField()

    class Meta:
        table = "inbound_intake"


class Lease(Model):
    # A named lease held by one worker at a time (the inbound applier): renewed while it
    # works, taken over by another process once it has expired.
    name = fields.CharField(max_length=40, primary_key=True)
    holder = fields.CharField(max_length=100)
    expires_ms = fields.BigIntField()

    class Meta:
        table = "leases"


class IdempotencyKey(Model):
    # A write that carried an Idempotency-Key, with the answer it got.

    id = fields.IntField(primary_key=True)
    scope = fields.CharField(max_length=200)
    key = fields.CharField(max_length=200)
    request_hash = fields.CharField(max_length=64)
    status = fields.IntField(null=True)  # None while the first request is in flight
    response = fields.JSONField(null=True)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "idempotency_keys"
        unique_together = (("scope", "key"),)


class Notification(Model):
    # Outbox: written in the transaction that causes it, delivered after commit.
    #
    # ``recipient_kind`` is member|host|group and ``recipient`` the LINE id.
    # ``template`` and ``params`` are rendered by the messaging edge in its locale.

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=8, default="push", db_default="push")  # push|reply
    reply_token = fields.CharField(max_length=200, null=True)
    billed = fields.IntField(default=0, db_default=0)  # messages counted against the quota once sent
    recipient_kind = fields.CharField(max_length=8)
    recipient = fields.CharField(max_length=64)
    template = fields.CharField(max_length=40)
    params = fields.JSONField(default=dict)
    campaign = fields.ForeignKeyField("commerce.Campaign", related_name="notifications", null=True)
    dedupe_key = fields.CharField(max_length=200, null=True, unique=True)
    retry_key = fields.UUIDField()
    # pending|sent|failed; held: over the month's budget or LINE's limit, waiting for a manager;
    # dropped: a held push a manager chose not to send.
    status = fields.CharField(max_length=10, default="pending", db_index=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    claimed_by = fields.CharField(max_length=64, null=True)
    claimed_until = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=500, default="")
    sent_message_ids = fields.JSONField(default=list)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    # A reply handed to LINE at least once: a later "invalid reply token" is then most likely
    # our own earlier, accepted attempt, not a lost answer.
    tried_at = fields.DatetimeField(null=True)
    approved_by = fields.CharField(max_length=100, default="", db_default="")  # a manager sent it over budget

    class Meta:
        table = "notifications"


class PushMonth(Model):
    # One shop month of billed LINE messages: ``billed`` counts what pushes sent and in flight
    # cost (raised by a conditional update before a push is sent, so the budget holds with
    # several workers), beside LINE's own figures read from its quota API.
    month = fields.CharField(max_length=7, primary_key=True)  # YYYY-MM in the shop's zone
    billed = fields.IntField(default=0)
    line_quota = fields.IntField(null=True)  # None: not read yet, or LINE sets no limit
    line_used = fields.IntField(null=True)
    line_checked_at = fields.DatetimeField(null=True)
    limit_reached_at = fields.DatetimeField(null=True)  # LINE answered "monthly limit reached"

    class Meta:
        table = "push_months"


class PrintJob(Model):
    # A receipt to print: queued until a printer accepts it, printed once.

    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("commerce.Order", related_name="print_jobs", null=True)
    shift = fields.ForeignKeyField("commerce.Shift", related_name="print_jobs", null=True)  # a Z report
    checkout = fields.ForeignKeyField("commerce.Checkout", related_name="print_jobs", null=True)
    kind = fields.CharField(max_length=12, default="receipt")  # receipt|drawer|zreport|checkout
    is_copy = fields.BooleanField(default=False)
    open_drawer = fields.BooleanField(default=False)
    status = fields.CharField(max_length=10, default="queued", db_index=True)  # queued|printed|failed
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=500, default="")
    next_attempt_at = fields.DatetimeField(db_index=True)
    claimed_by = fields.CharField(max_length=64, null=True)
    claimed_until = fields.DatetimeField(null=True)
    actor = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField()
    printed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "print_jobs"


class Discount(Model):
    # Money taken off an order's total: a discount or 抹零 rounding, by whom and why; voided, never deleted.

    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("commerce.Order", related_name="discounts")
    amount = fields.IntField()  # > 0: what comes off the total
    kind = fields.CharField(max_length=12)  # discount|rounding
    status = fields.CharField(max_length=12, default="active")  # active|void
    reason = fields.CharField(max_length=200, default="")
    actor = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField()
    voided_by = fields.CharField(max_length=100, default="")
    voided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "discounts"
        indexes = (("order_id", "id"),)


class Shift(Model):
    # A cash-drawer session of one staff login: the float in, the counted cash out, the Z report.

    id = fields.IntField(primary_key=True)
    staff = fields.CharField(max_length=100, db_index=True)  # the actor: staff:NAME or token:ID
    # The staff while the shift is open, NULL once closed: one open shift per staff, kept by
    # the database (a unique column allows any number of NULLs on SQLite and PostgreSQL).
    open_key = fields.CharField(max_length=100, null=True, unique=True)
    float_cash = fields.IntField()
    opened_at = fields.DatetimeField(db_index=True)
    closed_at = fields.DatetimeField(null=True)
    counted_cash = fields.IntField(null=True)
    expected_cash = fields.IntField(null=True)
    report = fields.JSONField(null=True)  # the Z report as it stood at close

    class Meta:
        table = "shifts"


class AuditEntry(Model):
    # Who changed what at the counter, and why, where the change itself leaves no row that says so.

    id = fields.IntField(primary_key=True)
    action = fields.CharField(max_length=24)
    order = fields.ForeignKeyField("commerce.Order", related_name="audit", null=True)
    subject_id = fields.IntField(null=True)  # the line, discount … the action is about
    detail = fields.CharField(max_length=300, default="")
    actor = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "audit_entries"
