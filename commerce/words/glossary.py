"""One word per language for each thing the bot, the counter, the manager pages and the
receipt all name. The surfaces use these ids (or alias them, keeping their own ids for
their scripts); ``AVOID`` lists the other words once used for the same thing, which no
text may use (a test checks)."""
METHODS = ("cash", "card", "linepay", "jkopay", "transfer", "credit")

TEXT: dict[str, tuple[str, str]] = {
    # payment methods (commerce.models.Payment.method)
    "method.cash": ("現金", "Cash"),
    "method.card": ("信用卡", "Credit card"),
    "method.linepay": ("LINE Pay", "LINE Pay"),
    "method.jkopay": ("街口支付", "JKO Pay"),
    "method.transfer": ("轉帳", "Bank transfer"),
    "method.credit": ("購物金", "Store credit"),
    # states of an order, a campaign, a reported transfer, an order line
    "order.open": ("未取貨", "Not picked up"),
    "order.picked_up": ("已取貨", "Picked up"),
    "order.cancelled": ("已取消", "Cancelled"),
    "campaign.open": ("進行中", "Open"),
    "campaign.closed": ("已結單", "Closed"),
    "campaign.cancelled": ("已取消", "Cancelled"),
    "transfer.reported": ("待確認", "To confirm"),
    "transfer.confirmed": ("已確認", "Confirmed"),
    "transfer.void": ("已作廢", "Void"),
    "line.waitlisted": ("候補", "Waitlisted"),
    # money
    "money.total": ("合計", "Total"),
    "money.paid": ("已付", "Paid"),
    "money.balance_due": ("待付", "Balance due"),
    "money.paid_in_full": ("已付清", "Paid in full"),
    "money.overpaid": ("溢收", "Overpaid"),
    "money.tendered": ("實收", "Tendered"),
    "money.change": ("找零", "Change"),
}

# id: (zh-TW pattern, en pattern) of words no text may use instead (regular expressions).
AVOID: dict[str, tuple[str, str]] = {
    "method.card": ("刷卡", r"\bCard\b"),
    "method.jkopay": ("街口(?!支付)", "JKOPay|JKOPAY|Jko"),
    "method.transfer": ("轉賬", r"\bWire\b"),
    "money.balance_due": ("尚欠|應付", r"\bOwed\b"),
    "line.waitlisted": ("後補", r"\(waitlist\)"),
}
