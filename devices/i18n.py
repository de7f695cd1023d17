"""Receipt labels in Traditional Chinese (zh-TW, the default) and English.

Labels avoid East Asian "ambiguous width" characters (×, ・, full-width brackets):
a Big5 printer prints those two columns wide while most fonts draw them one
column wide, which would break column alignment.
"""

from __future__ import annotations

from typing import Literal

Locale = Literal["zh-TW", "en"]
LOCALES: tuple[Locale, ...] = ("zh-TW", "en")

# Shown the same in every locale so staff and buyers recognise a reprint at a glance.
COPY_BANNER = "重印 / COPY"

_LABELS: dict[str, dict[str, str]] = {
    "zh-TW": {
        "order_no": "訂單編號",
        "campaign": "活動",
        "printed_at": "列印時間",
        "staff": "經手人",
        "col_item": "品名",
        "col_qty": "數量",
        "col_unit": "單價",
        "col_amount": "小計",
        "addon": "(加購)",
        "unit_each": "單價",
        "total": "合計",
        "tendered": "實收",
        "change": "找零",
        "balance_due": "尚欠",
        "overpaid": "溢收",
        "paid_in_full": "已付清",
        "pickup_hint": "取貨時請出示此 QR 碼",
        "thanks": "謝謝惠顧",
    },
    "en": {
        "order_no": "Order",
        "campaign": "Campaign",
        "printed_at": "Printed",
        "staff": "Staff",
        "col_item": "Item",
        "col_qty": "Qty",
        "col_unit": "Unit",
        "col_amount": "Amount",
        "addon": "(add-on)",
        "unit_each": "each",
        "total": "Total",
        "tendered": "Tendered",
        "change": "Change",
        "balance_due": "Balance due",
        "overpaid": "Overpaid",
        "paid_in_full": "Paid in full",
        "pickup_hint": "Show this QR code at pickup",
        "thanks": "Thank you!",
    },
}

_PAYMENT_METHODS: dict[str, dict[str, str]] = {
    "zh-TW": {
        "cash": "現金",
        "transfer": "轉帳",
        "card": "信用卡",
        "linepay": "LINE Pay",
        "jkopay": "街口支付",
        "credit": "購物金",
    },
    "en": {
        "cash": "Cash",
        "transfer": "Bank transfer",
        "card": "Card",
        "linepay": "LINE Pay",
        "jkopay": "JKO Pay",
        "credit": "Store credit",
    },
}


def label(locale: Locale, key: str) -> str:
    """The label `key` in `locale`. Raises KeyError for an unknown key or locale."""
    return _LABELS[locale][key]


def payment_method(locale: Locale, method: str) -> str:
    """The printed name of a payment method; an unknown method is printed as given."""
    return _PAYMENT_METHODS[locale].get(method, method)
