"""Receipt labels (devices.receipt): ``key: (zh-TW, en)``; shared words from the glossary.

Labels avoid East Asian "ambiguous width" characters (×, ・, full-width brackets): a Big5
printer prints those two columns wide while most fonts draw them one column wide, which
would break column alignment.
"""
from commerce.words.glossary import METHODS
from commerce.words.glossary import TEXT as G

TEXT: dict[str, tuple[str, str]] = {
    "receipt.order_no": ("訂單編號", "Order"),
    "receipt.campaign": ("活動", "Campaign"),
    "receipt.printed_at": ("列印時間", "Printed"),
    "receipt.staff": ("經手人", "Staff"),
    "receipt.col_item": ("品名", "Item"),
    "receipt.col_qty": ("數量", "Qty"),
    "receipt.col_unit": ("單價", "Unit"),
    "receipt.col_amount": ("小計", "Amount"),
    "receipt.addon": ("(加購)", "(add-on)"),
    "receipt.total": G["money.total"],
    "receipt.tendered": G["money.tendered"],
    "receipt.change": G["money.change"],
    "receipt.balance_due": G["money.balance_due"],
    "receipt.overpaid": G["money.overpaid"],
    "receipt.paid_in_full": G["money.paid_in_full"],
    "receipt.pickup_hint": ("取貨時請出示此 QR 碼", "Show this QR code at pickup"),
    "receipt.thanks": ("謝謝惠顧", "Thank you!"),
    "receipt.discount": ("折扣", "Discount"),
    "receipt.z_title": ("關班報表 (Z)", "Shift report (Z)"),
    "receipt.x_title": ("班中報表 (X)", "Shift so far (X)"),
    "receipt.shift_no": ("班別", "Shift"),
    "receipt.opened_at": ("開班", "Opened"),
    "receipt.closed_at": ("關班", "Closed"),
    "receipt.takings": ("收款", "Takings"),
    "receipt.takings_total": ("收款合計", "Takings total"),
    "receipt.refunds": ("退款", "Refunds"),
    "receipt.discounts": ("折扣合計", "Discounts"),
    "receipt.voided": ("作廢筆數", "Voided payments"),
    "receipt.float": ("備用金", "Float"),
    "receipt.expected_cash": ("應有現金", "Expected cash"),
    "receipt.counted_cash": ("實點現金", "Counted cash"),
    "receipt.difference": ("差額", "Difference"),
    **{f"receipt.method.{m}": G[f"method.{m}"] for m in METHODS},
}
