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
    "checkout.err.mismatch": ("這些訂單現在共" + G["money.balance_due"][0] + " {amount}，請重新查詢再結帳。",
                              "These orders now owe {amount} together: search again, then check out."),
    "checkout.err.changed": ("訂單剛剛有變動，請重新查詢。", "The orders just changed: search again."),
    "checkout.move": ("移到此訂單", "Move it there"),
    "checkout.moved": ("已將 {amount} 移到訂單 #{n}", "Moved {amount} to order #{n}"),
    # the transfers page
    "checkout.split": ("分到多筆訂單", "Split over orders"),
    "checkout.split_done": ("已分到 {n} 筆訂單", "Split over {n} {n:order|orders}"),
    "checkout.credits_title": (G["money.overpaid"][0] + "待處理", G["money.overpaid"][1] + " orders"),
    "checkout.credits_hint": ("這些訂單收的錢比訂單金額多：退還給買家，或移到他的其他未付訂單。",
                              ("These orders were paid more than they cost: give it back, or move it to another "
                               "open order of the same buyer.")),
    "checkout.move_to": ("處理方式", "Settle by"),
    "checkout.refund_it": ("退款給買家", "Refund the buyer"),
    "checkout.settle_credit": ("確定", "Settle"),
    "checkout.credit_col": G["money.overpaid"],
    "checkout.reason": ("原因", "Why"),
    "checkout.need_reason": ("請寫下原因", "Say why"),
    "checkout.refunded": ("已退款 {amount}", "Refunded {amount}"),
    "mgr.status.split": ("已分拆", "Split"),
}
