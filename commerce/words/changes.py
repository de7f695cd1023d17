"""Words of a host's changes to a running campaign (issue #18): the group's notice of a change
or a cancel, the push to a buyer whose units went back to the waitlist: ``key: (zh-TW, en)``."""

TEXT: dict[str, tuple[str, str]] = {
    "changed_group": ("📢「{title}」有更新，以這則為準：", "📢 “{title}” was updated; this is the latest:"),
    "cancelled_group": ("❌「{title}」已取消，所有訂購都不成立。", "❌ “{title}” is cancelled; no order of it stands."),
    "cancelled_reason": ("原因：{reason}", "Why: {reason}"),
    "cancelled_refund": ("已付款的朋友，店家會和您聯絡退款。", "If you paid, the shop will contact you about a refund."),
    "stock_cut": ("很抱歉，{item} 的數量調整了：您訂的 ×{qty} 改為候補（訂單 #{number}）。有貨會再通知您，候補不會收費。",
                  "Sorry, the stock of {item} was reduced: your ×{qty} is now on the waitlist (order #{number}). "
                  "We will tell you if it frees up; waitlisted items are not charged."),
    "mgr.push.stock_cut": ("減量改候補通知", "Stock cut to the waitlist"),
    "mgr.push.campaign_cancelled_group": ("取消通知（群組）", "Cancelled notice (group)"),
}
