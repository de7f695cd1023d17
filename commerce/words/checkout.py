"""Words of the multi-order checkout, split transfers and credit (counter, transfers page,
receipt, the host's reconciliation): ``key: (zh-TW, en)``; shared words from the glossary."""
from commerce.words.glossary import TEXT as G

TEXT: dict[str, tuple[str, str]] = {
    # the receipt of a checkout: each order's lines, then its subtotal
    "receipt.subtotal": ("本單小計", "Order total"),
    # the host's reconciliation
    "recon_credit": ("・" + G["money.overpaid"][0] + "待退 {count} 筆 {amount}：",
                     "• " + G["money.overpaid"][1].lower() + ", to give back: {count}, {amount}:"),
    # the counter
    "checkout.together": ("一起結帳", "Check out together"),
    "checkout.pick": ("勾選要一起結帳的訂單", "Tick the orders to pay together"),
    "checkout.orders": ("{n} 筆訂單", "{n} {n:order|orders}"),
    "checkout.pay": ("收款並交貨", "Take payment and hand over"),
    "checkout.done": ("已結帳 {n} 筆訂單，共 {amount}", "Checked out {n} {n:order|orders}: {amount}"),
    "checkout.cancel": ("取消", "Cancel"),
    "checkout.move_credit": ("移到其他訂單", "Move to another order"),
    "checkout.moved": ("已將 {amount} 移到訂單 #{n}", "Moved {amount} to order #{n}"),
    # the transfers page
    "checkout.credit": (G["money.overpaid"][0] + " {amount}", G["money.overpaid"][1] + " {amount}"),
    "checkout.split": ("分到多筆訂單", "Split over orders"),
    "checkout.split_state": ("已分拆", "Split"),
}
