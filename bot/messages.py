"""Everything the bot says, in one catalogue (zh-TW and en), and the renderers that build
LINE messages from commerce data.

- `t(locale, key, **params)` looks a sentence up; an unknown locale falls back to zh-TW.
- `render_notification(template, params, locale, campaign=..., tz=...)` turns an outbox row
  into messages (a list: a long pick list becomes several texts, each within LINE's limit).
- The other functions render pieces the handlers share (order lines, summaries, times).

Text that users typed (display names, titles, item names, notes, places) is untrusted: LINE
text has no markup, so it goes out as typed, but `clean` drops control and format characters
(newlines, bidi overrides, zero-width marks) and caps its length first. Every renderer here
cleans what it interpolates; callers pass raw data.

Messages are plain dicts: `{"type": "text", "text": ...}` (optionally `"quote_token"`) and
`{"type": "image", "url": ..., "preview_url": ...}`.
"""
from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from commerce.money import format_money

LOCALES = ("zh-TW", "en")
TEXT_LIMIT = 5000  # LINE's limit per text message (counted here in UTF-16 units, the stricter)
MESSAGES_PER_CALL = 5
NAME_LIMIT = 30  # LINE display names are at most 20 characters; leave room, cut floods
TITLE_LIMIT = 60
DEFAULT_TZ = ZoneInfo("Asia/Taipei")

# (zh-TW, en). Placeholders must match between the two (a test checks).
_CATALOGUE: dict[str, tuple[str, str]] = {
    # --- ordering --------------------------------------------------------------------------
    "you": ("您", "you"),
    "order_confirmed": ("✅ {name}的訂單 #{number}", "✅ Order #{number} for {name}"),
    "line_reserved": ("{item} ×{qty} 已保留", "{item} ×{qty} reserved"),
    "line_waitlisted": ("{item} ×{qty} 候補中", "{item} ×{qty} waitlisted"),
    "line_waitlisted_at": ("{item} ×{qty} 候補第 {position} 位",
                           "{item} ×{qty} waitlisted (#{position} in line)"),
    "line_cancelled": ("{item} ×{qty}", "{item} ×{qty}"),
    "order_total": ("目前合計 {total}", "Total so far: {total}"),
    "waitlist_note": ("有人取消時會依序遞補並私訊通知（請先加我好友）。",
                      "If a spot frees up we will message you (add me as a friend first)."),
    "closing_soon": ("⏰ 本團 {time} 結單", "⏰ Closes at {time}"),
    "campaign_closed": ("「{title}」已結單，無法再下單或更改囉。",
                        "“{title}” is closed: orders can no longer be placed or changed."),
    "no_open_campaign": ("這個群組目前沒有進行中的團購。", "There is no open group buy in this group."),
    "which_campaign": ("這個群組有幾團同時進行：\n{campaigns}\n請回覆這則訊息輸入團號（例如 {code}），"
                       "或長按該團的公告，選「回覆」後再輸入。",
                       "Several group buys are open here:\n{campaigns}\n"
                       "Reply to this message with the code (e.g. {code}), or reply to the announcement of the one"
                       " you mean."),
    "unknown_code": ("這個群組沒有團號 {code} 的團購。進行中的有：\n{campaigns}",
                     "No group buy here has the code {code}. Open now:\n{campaigns}"),
    "which_item": ("要哪一項呢？請回覆這則訊息輸入代號，或重新輸入，例如 {example}\n{items}",
                   "Which item? Reply to this message with its label, or write e.g. {example}\n{items}"),
    "unknown_label": ("這團沒有 {label} 喔，可選：\n{items}", "There is no item {label}. Choose from:\n{items}"),
    "over_limit": ("{item} 每人限購 {limit} 份（您已訂 {held} 份），這次沒有登記。",
                   "{item} is limited to {limit} per buyer (you have {held}); nothing was booked."),
    "nothing_to_cancel": ("{name}目前沒有可取消的訂購。", "Nothing to cancel for {name}."),
    "nothing_to_cancel_label": ("{name}沒有訂 {label} 喔。", "{name} has no {label} to cancel."),
    "which_to_cancel": ("您訂了好幾項，要取消哪一項呢？例如 {example}",
                        "You ordered several items: which one? e.g. {example}"),
    "cancelled": ("已取消：", "Cancelled:"),
    "order_now": ("訂單 #{number} 目前：", "Order #{number} now:"),
    "order_all_cancelled": ("訂單 #{number} 已全部取消。", "Order #{number} is cancelled."),
    "order_updated": ("✏️ 已更新訂單 #{number}：", "✏️ Order #{number} updated:"),
    "need_user": ("讀不到您的 LINE 帳號，請用手機版 LINE 再試一次。",
                  "I cannot see your LINE account; please try again from the LINE app on a phone."),
    # --- malformed input (bot.grammar reason codes) ----------------------------------------
    "malformed_missing_quantity": ("要訂幾份呢？例如 +1 或 A+2", "How many? e.g. +1 or A+2"),
    "malformed_quantity_out_of_range": ("數量請填 1–99，例如 +2", "A quantity is 1–99, e.g. +2"),
    "malformed_quantity_not_whole": ("數量請填整數，例如 +2", "A quantity is a whole number, e.g. +2"),
    "malformed_one_change_per_message": ("一次請只取消一項，例如 A-1", "Cancel one item per message, e.g. A-1"),
    "malformed_ambiguous_quantity": ("要訂幾份呢？請回覆 {choices}，這次沒有登記。",
                                     "How many? Reply {choices}; nothing was booked yet."),
    "choices_or": (" 或 ", " or "),
    "malformed_transfer_incomplete": ("請寫上帳號後五碼和金額，例如：已匯款 12345 $350",
                                      "Give the last five digits and the amount, e.g. paid 12345 350"),
    "malformed_last5_not_five_digits": ("帳號後五碼要剛好 5 位數字，例如：已匯款 12345 $350",
                                        "The last digits must be exactly five, e.g. paid 12345 350"),
    "malformed_amount_not_positive": ("金額要大於 0，例如：已匯款 12345 $350",
                                      "The amount must be more than 0, e.g. paid 12345 350"),
    "malformed_phone_missing": ("請在「綁定」後面加上手機號碼，例如：綁定 0912345678",
                                "Add your mobile number, e.g. bind 0912-345-678"),
    # --- payments ----------------------------------------------------------------------------
    "transfer_received": ("💰 收到轉帳回報 {amount}（帳號後五碼 {last5}），訂單 #{number}，待確認。",
                          "💰 Transfer of {amount} reported (account ending {last5}) for order "
                          "#{number}; waiting for confirmation."),
    "transfer_no_order": ("找不到需要付款的訂單。私訊我「我的訂單」可以查看。",
                          "I found no order with a balance due. Message me “my orders” to check."),
    # --- member (1:1) --------------------------------------------------------------------------
    "phone_bound": ("📱 已綁定手機 {phone}。到店取貨報手機末三碼就可以。",
                    "📱 Phone {phone} is bound. At the counter, give its last three digits."),
    "phone_invalid": ("這個手機號碼看起來不對。請輸入台灣手機號碼，例如：綁定 0912345678",
                      "That does not look like a Taiwanese mobile number. e.g. bind 0912-345-678"),
    "my_orders_none": ("您目前沒有未取貨的訂單。", "You have no open orders."),
    "my_orders_head": ("您的訂單（共 {count} 筆）：", "Your orders ({count}):"),
    "order_heading": ("訂單 #{number}｜{title}", "Order #{number} | {title}"),
    "order_money": ("合計 {total}・已付 {paid}・待付 {balance}",
                    "Total {total} · paid {paid} · due {balance}"),
    "order_reported": ("轉帳待確認 {amount}", "Transfer to confirm: {amount}"),
    "order_pickup": ("取貨：{window}", "Pickup: {window}"),
    "more_not_shown": ("…還有 {count} 筆沒列出。", "…and {count} more not shown."),
    "pickup_code": ("您的取貨碼：{token}\n到櫃台出示上面的 QR 碼，或報手機號碼即可取貨。",
                    "Your pickup code: {token}\nShow the QR code above at the counter, "
                    "or give your phone number."),
    "pickup_code_text": ("您的取貨碼：{token}\n到櫃台報這組代碼或手機號碼即可取貨。",
                         "Your pickup code: {token}\nGive this code or your phone number at the counter."),
    "ask_in_direct": ("這是個人資料，請私訊我查詢喔（點我的頭像 → 聊天）。",
                      "That is private: ask me in a 1:1 chat (tap my icon → Chat)."),
    "order_in_group": ("下單請在團購群組裡回覆 +1 喔。", "Please order with +1 in the group-buy group."),
    "unknown_direct": ("我看不懂這句話。輸入「說明」看看我能做什麼。", "I did not get that. Type “help” to see what I can do."),
    "mention": ("嗨！下單請回覆 +1，輸入「@我 說明」看用法。", "Hi! Order with +1; mention me with “help” for more."),
    "help_group": (
        "📖 在群組裡：\n"
        "・+1、+3：訂這團唯一的品項\n"
        "・A+1 B+2：依代號訂\n"
        "・-1、A-1、取消、取消 A：取消\n"
        "・已匯款 12345 $350：回報轉帳（後五碼、金額）\n"
        "幾團同時進行時，請長按該團公告選「回覆」再下單。\n"
        "私訊我：綁定 0912345678、我的訂單、取貨碼。",
        "📖 In the group:\n"
        "• +1, +3: the campaign's only item\n"
        "• A+1 B+2: by label\n"
        "• -1, A-1, cancel, cancel A: cancel\n"
        "• paid 12345 350: report a transfer (last five digits, amount)\n"
        "With several group buys open, reply to the announcement of the one you mean.\n"
        "In a 1:1 chat with me: bind 0912-345-678, my orders, pickup code."),
    "help_direct": (
        "📖 私訊我可以：\n"
        "・綁定 0912345678：綁定手機，取貨更快\n"
        "・我的訂單：查看未取貨訂單、金額\n"
        "・取貨碼：取貨用的 QR 碼\n"
        "・已匯款 12345 $350：回報轉帳\n"
        "下單請在團購群組裡回覆 +1。",
        "📖 In this chat:\n"
        "• bind 0912-345-678: bind your phone for a faster pickup\n"
        "• my orders: your open orders and what is due\n"
        "• pickup code: your pickup QR code\n"
        "• paid 12345 350: report a transfer\n"
        "Order with +1 in the group-buy group."),
    "greeting_group": ("大家好，我是團購 +1 小幫手！", "Hello everyone, I take the group buy's +1s!"),
    "late_reply": ("（稍早的回覆沒能即時送出，補上）", "(This answer could not be sent in time earlier:)"),
    "greeting_follow": ("謝謝加我好友！", "Thanks for adding me!"),
    "error_generic": ("抱歉，這次沒處理好，請再試一次。", "Sorry, that did not work. Please try again."),
    # --- host commands -----------------------------------------------------------------------
    "host_error": ("開團資料有問題：{problem}", "The campaign could not be opened: {problem}"),
    "host_error_line": ("（這一行：{line}）", "(in: {line})"),
    "host_example": ("範例：\n開團 草莓大福\nA 原味 120 限50\nB 抹茶 130 每人限2\n截止 11/30 20:00\n取貨 12/2-12/5 本店",
                     "Example:\nopen Strawberry mochi\nA Plain 120 限50\nB Matcha 130 每人限2\n"
                     "deadline 11/30 20:00\npickup 12/2-12/5 Shop"),
    "host_closed": ("🔒 已結單：{title}（團號 {code}），共 {count} 筆訂單。揀貨單會私訊給團主。",
                    "🔒 Closed: {title} (code {code}), {count} orders. The pick list goes to the host."),
    "host_already_closed": ("「{title}」先前已結單。", "“{title}” was already closed."),
    "host_no_campaign": ("這個群組沒有進行中的團購。", "There is no open group buy in this group."),
    "host_which_campaign": ("有幾團同時進行：\n{campaigns}\n請長按要處理那團的公告，選「回覆」再輸入「{command}」。",
                            "Several group buys are open:\n{campaigns}\n"
                            "Reply to the announcement of the one you mean with “{command}”."),
    "orders_head": ("📋 名單：{title}（團號 {code}）共 {count} 筆", "📋 Orders: {title} (code {code}), {count}"),
    "orders_none": ("📋 {title} 還沒有人下單。", "📋 No orders yet for {title}."),
    "orders_waitlisted": ("候補", "waitlist"),
    "picklist_sent": ("📦 揀貨單已私訊給您（請先加我好友才收得到）。",
                      "📦 The pick list is on its way to your 1:1 chat (add me as a friend first)."),
    "host_in_group": ("團主指令請在團購群組裡輸入。", "Use host commands in the group-buy group."),
    # --- notifications (pushes) -----------------------------------------------------------------
    "promoted": ("🎉 候補成功！{item} ×{qty} 已為您保留（訂單 #{number}）。",
                 "🎉 Good news: {item} ×{qty} is now reserved for you (order #{number})."),
    "promoted_campaign": ("團購：{title}", "Group buy: {title}"),
    "announce_head": ("🛒 開團：{title}（團號 {code}）", "🛒 Group buy: {title} (code {code})"),
    "announce_stock": ("限量 {n}", "{n} available"),
    "announce_limit": ("每人限 {n}", "max {n} per buyer"),
    "announce_deadline": ("截止：{time}", "Order by: {time}"),
    "announce_pickup": ("取貨：{window}", "Pickup: {window}"),
    "announce_how_one": ("下單請回覆「+1」（要幾份就 +幾），取消請回覆「-1」或「取消」。",
                         "To order reply “+1” (or +2, +3…); to cancel reply “-1” or “cancel”."),
    "announce_how_many": ("下單請回覆代號＋數量，例如「{first}+1」或「{example}」；取消請回覆「{first}-1」或「取消」。",
                          "To order reply label and quantity, e.g. “{first}+1” or “{example}”; "
                          "to cancel reply “{first}-1” or “cancel”."),
    "picklist_head": ("📦 揀貨單：{title}（團號 {code}）", "📦 Pick list: {title} (code {code})"),
    "picklist_totals": ("【總數】", "[Totals]"),
    "picklist_buyers": ("【每位買家】共 {count} 位", "[Per buyer] {count}"),
    "picklist_none": ("（沒有已保留的訂購）", "(nothing reserved)"),
    "picklist_continued": ("📦 揀貨單（續 {part}）", "📦 Pick list (part {part})"),
    "picklist_closed_reply": ("⏰ 已到截止時間，已結單。群組裡下一則訊息會收到「已結單」的回覆（免費，不另推播）。",
                              "⏰ The deadline passed: closed. The group's next message is answered “closed” "
                              "(a free reply, no push)."),
    "picklist_closed_push": ("⏰ 已到截止時間，已結單，並已推播通知群組。",
                             "⏰ The deadline passed: closed, and the groups were told by push."),
    "pushes_held": ("⚠️ {month} 的 LINE 推播已達本店設定的預算，之後的推播先保留不送。"
                    "請店長到管理頁「推播」決定要照送或取消。",
                    "⚠️ LINE pushes for {month} reached the shop's budget: further pushes are held. "
                    "A manager can send or drop them on the Pushes page."),
    "pushes_held_limit": ("⚠️ LINE 回覆 {month} 的訊息額度已用完，推播先保留不送。"
                          "請店長到管理頁「推播」處理（升級方案或下個月再送）。",
                          "⚠️ LINE says the message quota for {month} is used up: pushes are held. "
                          "A manager can send or drop them on the Pushes page."),
    # --- scheduled (scheduler jobs, commerce.reminders) -----------------------------------------
    "closed_group": ("🔔「{title}」已結單，謝謝大家跟團！", "🔔 “{title}” is now closed. Thank you all!"),
    "closed_group_orders": ("要看自己的訂單和金額，請私訊我「我的訂單」。",
                            "Message me “my orders” to see your order and what you owe."),
    "closing_soon_group": ("⏰「{title}」將在 {time} 結單，還沒跟到的朋友請把握時間回覆 +1！",
                           "⏰ “{title}” closes at {time}: reply +1 now if you want some!"),
    "unpaid_head": ("💰 付款提醒：", "💰 A reminder to pay:"),
    "unpaid_order": ("訂單 #{number}｜{title}：待付 {due}", "Order #{number} | {title}: {due} due"),
    "unpaid_how": ("轉帳後請在群組回報「已匯款 後五碼 金額」，或到店付款。謝謝！",
                   "After a transfer, report it in the group (paid 12345 350), or pay at the counter. Thank you!"),
    "pickup_head": ("📦 取貨提醒：", "📦 Pickup reminder:"),
    "pickup_opens": ("訂單 #{number}｜{title}：今天開始取貨，{window}",
                     "Order #{number} | {title}: ready for pickup from today, {window}"),
    "pickup_last": ("訂單 #{number}｜{title}：明天 {day} 是最後取貨日",
                    "Order #{number} | {title}: tomorrow, {day}, is the last pickup day"),
    "pickup_due": ("（取貨時待付 {due}）", " ({due} due at pickup)"),
    "pickup_how": ("到店報手機末三碼，或私訊我「取貨碼」出示 QR 碼即可取貨。",
                   "At the counter, give your phone's last three digits or show the QR from “pickup code”."),
    "recon_head": ("🧾 {day} 對帳", "🧾 Reconciliation {day}"),
    "recon_statement": ("銀行對帳單已匯入至 {day}", "Bank statement imported up to {day}"),
    "recon_no_statement": ("尚未匯入銀行對帳單", "No bank statement imported yet"),
    "recon_campaign": ("【{title}（團號 {code}）】{orders} 筆，合計 {total}",
                       "[{title} (code {code})] {orders} orders, {total} in all"),
    "recon_totals": ("【總計】{campaigns} 團 {orders} 筆，合計 {total}",
                     "[All] {campaigns} campaigns, {orders} orders, {total} in all"),
    "recon_paid": ("・已付清 {count} 筆，已收 {amount}", "• paid in full: {count}; received {amount}"),
    "recon_reported": ("・已回報轉帳待確認 {count} 筆 {amount}", "• transfers reported, to confirm: {count}, {amount}"),
    "recon_not_found": ("・其中對帳單查無 {count} 筆 {amount}：", "• of which not in the bank statement: {count}, {amount}:"),
    "recon_unpaid": ("・未付款 {count} 筆 {amount}：", "• unpaid: {count}, {amount}:"),
    "recon_not_picked_up": ("・未取貨 {count} 筆", "• not picked up: {count}"),
    "recon_transfer": ("　#{number} {name} 後五碼 {last5} {amount}", "  #{number} {name} ending {last5} {amount}"),
    "recon_buyer": ("　#{number} {name} {amount}", "  #{number} {name} {amount}"),
    "low_stock": ("📈「{title}」{item} 已賣出 {sold}/{cap}（{percent}%），快完售了。",
                  "📈 “{title}”: {item} has sold {sold} of {cap} ({percent}%)."),
}

# HostError codes (bot.host_grammar) in zh-TW; English uses the error's own message.
_HOST_PROBLEMS_ZH = {
    "no_items": "沒有品項，請加上像「A 原味 120 限50」的行",
    "missing_deadline": "沒有截止時間，請加上像「截止 11/30 20:00」的行",
    "bad_deadline": "截止時間看不懂，請寫成「截止 11/30 20:00」",
    "deadline_past": "截止時間已經過了",
    "duplicate_label": "品項代號重複了",
    "duplicate_option": "同一品項的限量或限購寫了兩次",
    "bad_stock": "限量至少要 1",
    "bad_limit": "每人限購至少要 1",
    "bad_price": "價格要是大於 0 的數字",
    "missing_name": "品項少了名稱",
    "bad_pickup": "取貨日期看不懂，請寫成「取貨 12/2-12/5 本店」",
    "missing_pickup": "取貨日期看不懂，請寫成「取貨 12/2-12/5 本店」",
    "pickup_before_deadline": "取貨日期在截止之前",
    "pickup_reversed": "取貨結束日在開始日之前",
}

_ZH_WEEKDAYS = "一二三四五六日"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _index(locale: str) -> int:
    return LOCALES.index(locale) if locale in LOCALES else 0


def t(locale: str, key: str, **params: Any) -> str:
    """The sentence `key` in `locale` with `params` filled in. Raises KeyError for an unknown
    key or a missing parameter (a bug, never user input)."""
    return _CATALOGUE[key][_index(locale)].format_map(params)


def keys() -> dict[str, tuple[str, str]]:
    """The catalogue (for tests and tools)."""
    return dict(_CATALOGUE)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def host_problem(locale: str, code: str, message: str) -> str:
    if _index(locale) == 0:
        return _HOST_PROBLEMS_ZH.get(code, message)
    return message


# --- text hygiene and size ------------------------------------------------------------------

def clean(value: object, limit: int = NAME_LIMIT) -> str:
    """Untrusted text made safe to show: NFC, no control/format/private-use characters, one
    line, white space collapsed, at most `limit` characters (cut with "…")."""
    text = unicodedata.normalize("NFC", str(value or ""))
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Zl", "Zp") or ch.isspace():
            kept.append(" ")
        elif category[0] != "C":  # Cc control, Cf format (bidi, zero-width), Cs, Co, Cn
            kept.append(ch)
    text = " ".join("".join(kept).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def pack(lines: Iterable[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Join lines with newlines into as few texts as fit `limit` (UTF-16 units) each; a line
    never splits unless it alone is too long."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        for piece in _hard_split(line, limit):
            extra = utf16_len(piece) + (1 if current else 0)
            if current and size + extra > limit:
                chunks.append("\n".join(current))
                current, size = [], 0
                extra = utf16_len(piece)
            current.append(piece)
            size += extra
    if current:
        chunks.append("\n".join(current))
    return chunks


def _hard_split(line: str, limit: int) -> list[str]:
    if utf16_len(line) <= limit:
        return [line]
    pieces, current, size = [], [], 0
    for ch in line:
        width = utf16_len(ch)
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    pieces.append("".join(current))
    return pieces


def text_message(text: str, quote_token: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "text", "text": text}
    if quote_token:
        message["quote_token"] = quote_token
    return message


def texts(lines: Sequence[str], *, locale: str = "zh-TW",
          limit_messages: int = MESSAGES_PER_CALL) -> list[dict[str, Any]]:
    """Lines as at most `limit_messages` text messages within LINE's size limit. Lines that do
    not fit are left out, and the last message says how many."""
    lines = list(lines)
    if len(pack(lines)) <= limit_messages:
        return [text_message(c) for c in pack(lines)]

    def with_note(kept: int) -> list[str]:
        return pack([*lines[:kept], t(locale, "more_not_shown", count=len(lines) - kept)])

    low, high = 0, len(lines)  # the most lines that fit, with the note, by bisection
    while low < high:
        mid = (low + high + 1) // 2
        if len(with_note(mid)) <= limit_messages:
            low = mid
        else:
            high = mid - 1
    return [text_message(c) for c in with_note(low)]


# --- times and places -----------------------------------------------------------------------

def _as_datetime(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _as_date(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def when(value: datetime | str, tz: ZoneInfo, locale: str) -> str:
    """`11/30（一）20:00` or `Mon 11/30 20:00`, in the shop's zone."""
    local = _as_datetime(value).astimezone(tz)
    if _index(locale) == 1:
        return f"{_EN_WEEKDAYS[local.weekday()]} {local.month}/{local.day} {local:%H:%M}"
    return f"{local.month}/{local.day}（{_ZH_WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def clock(value: datetime | str, tz: ZoneInfo) -> str:
    return f"{_as_datetime(value).astimezone(tz):%H:%M}"


def _day(d: date, locale: str) -> str:
    if _index(locale) == 1:
        return f"{_EN_WEEKDAYS[d.weekday()]} {d.month}/{d.day}"
    return f"{d.month}/{d.day}（{_ZH_WEEKDAYS[d.weekday()]}）"


def pickup_window(pickup_from: date | str | None, pickup_until: date | str | None,
                  place: str | None, locale: str) -> str | None:
    """`12/2（三）–12/5（六） 本店`; None when neither dates nor place are set."""
    start, end = _as_date(pickup_from), _as_date(pickup_until)
    parts = []
    if start and end and end != start:
        parts.append(f"{_day(start, locale)}–{_day(end, locale)}")
    elif start or end:
        parts.append(_day(start or end, locale))
    if place and clean(place, TITLE_LIMIT):
        parts.append(clean(place, TITLE_LIMIT))
    return " ".join(parts) or None


# --- order pieces ---------------------------------------------------------------------------

def item_name(label: str, name: str) -> str:
    return f"{clean(label, 8)} {clean(name, TITLE_LIMIT)}"


def booked_line(locale: str, *, label: str, name: str, qty: int, status: str,
                position: int | None = None, note: str | None = None) -> str:
    item = item_name(label, name)
    if note and clean(note, TITLE_LIMIT):
        item = f"{item}（{clean(note, TITLE_LIMIT)}）"
    if status == "reserved":
        return t(locale, "line_reserved", item=item, qty=qty)
    if status == "waitlisted":
        if position:
            return t(locale, "line_waitlisted_at", item=item, qty=qty, position=position)
        return t(locale, "line_waitlisted", item=item, qty=qty)
    return t(locale, "line_cancelled", item=item, qty=qty)


def active_lines(view: dict[str, Any]) -> list[dict[str, Any]]:
    """An order view's reserved and waitlisted lines, merged per label, status and note."""
    merged: dict[tuple, dict[str, Any]] = {}
    for line in view["lines"]:
        if line["status"] not in ("reserved", "waitlisted"):
            continue
        key = (line["label"], line["status"], line.get("note") or "")
        if key in merged:
            merged[key]["qty"] += line["qty"]
        else:
            merged[key] = {**line}
    return sorted(merged.values(), key=lambda l: (l["label"], l["status"] != "reserved"))


def order_summary(locale: str, view: dict[str, Any]) -> list[str]:
    """`訂單 #12 目前：` with each active line and the total, or `已全部取消`."""
    lines = active_lines(view)
    if not lines:
        return [t(locale, "order_all_cancelled", number=view["number"])]
    out = [t(locale, "order_now", number=view["number"])]
    out += [booked_line(locale, label=l["label"], name=l["name"], qty=l["qty"], status=l["status"],
                        note=l.get("note")) for l in lines]
    out.append(t(locale, "order_total", total=format_money(view["total"])))
    return out


def item_menu(items: Iterable[dict[str, Any]]) -> str:
    """`A 原味 $120` per line."""
    return "\n".join(f"{item_name(i['label'], i['name'])} {format_money(i['price'])}" for i in items)


def campaign_list(campaigns: Iterable[tuple[str, str]]) -> str:
    """`ABCD 草莓大福` per line, from (code, title) pairs."""
    return "\n".join(f"・{code} {clean(title, TITLE_LIMIT)}" for code, title in campaigns)


# --- notifications --------------------------------------------------------------------------

def render_notification(template: str, params: dict[str, Any], locale: str, *,
                        campaign: dict[str, Any] | None, tz: ZoneInfo = DEFAULT_TZ) -> list[dict]:
    """Messages for an outbox row. `campaign` is `commerce.campaigns.campaign_detail(...)`
    (required for `campaign_announcement`, optional otherwise); `tz` is the shop's zone.

    `pick_list` wants `params["pick_list"]` (from `commerce.reports.pick_list`) and may return
    more than 5 messages: send them as several pushes. Raises ValueError for an unknown
    template or missing data.

    Scheduled ones (commerce.reminders): `campaign_closed_group` and `closing_soon_group` need
    the campaign; `unpaid_reminder` and `pickup_reminder` render `params["orders"]`,
    `daily_reconciliation` renders `params["report"]` (commerce.reconciliation), `low_stock`
    its params (with the campaign's current figures when given). Each is one push.
    """
    if template == "waitlist_promoted":
        return [text_message(_promoted(params, locale, campaign))]
    if template == "campaign_announcement":
        if campaign is None:
            raise ValueError("campaign_announcement needs the campaign")
        return [text_message(announcement(campaign, locale, tz))]
    if template == "pick_list":
        if "pick_list" not in params:
            raise ValueError("pick_list needs params['pick_list'] from commerce.reports.pick_list")
        head = None
        if params.get("closed_on_schedule"):  # the host hears of the close here, at no extra cost
            head = t(locale, "picklist_closed_push" if params.get("groups_told") == "push" else "picklist_closed_reply")
        return [text_message(c) for c in pick_list_texts(params["pick_list"], locale, head=head)]
    if template == "pushes_held":
        return [text_message(t(locale, "pushes_held_limit" if params.get("reason") == "LINE monthly limit"
                               else "pushes_held", month=clean(params.get("month", ""), 7)))]
    if template in _SCHEDULED:
        return _SCHEDULED[template](params, locale, campaign, tz)
    if template == "late_reply":
        return late_reply(params["messages"], locale)
    raise ValueError(f"unknown notification template {template!r}")


def late_reply(messages: list[dict[str, Any]], locale: str) -> list[dict]:
    """A reply LINE could no longer take (its token lapsed), sent 1:1 instead: what the
    buyer would have read, under a line saying it is late. At most 5 messages, one push."""
    texts = [m["text"] for m in messages if m.get("type") == "text" and m.get("text")]
    if not texts:
        return []
    texts[0] = t(locale, "late_reply") + "\n" + texts[0]
    return [text_message(x) for x in texts[:5]]


def _promoted(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None) -> str:
    text = t(locale, "promoted", item=item_name(str(params["label"]), str(params["name"])),
             qty=int(params["qty"]), number=clean(params["order_number"], 12))
    if campaign is not None:
        text += "\n" + t(locale, "promoted_campaign", title=clean(campaign["title"], TITLE_LIMIT))
    return text


def announcement(campaign: dict[str, Any], locale: str, tz: ZoneInfo = DEFAULT_TZ) -> str:
    """The campaign's announcement: title, items, deadline, pickup, how to order."""
    lines = [t(locale, "announce_head", title=clean(campaign["title"], TITLE_LIMIT),
               code=campaign["code"])]
    for item in campaign["items"]:
        extras = []
        if item.get("stock") is not None:
            extras.append(t(locale, "announce_stock", n=item["stock"]))
        if item.get("limit_per_buyer") is not None:
            extras.append(t(locale, "announce_limit", n=item["limit_per_buyer"]))
        line = f"{item_name(item['label'], item['name'])} {format_money(item['price'])}"
        if extras and _index(locale) == 0:
            line += "（" + "・".join(extras) + "）"
        elif extras:
            line += f" ({', '.join(extras)})"
        lines.append(line)
    lines.append(t(locale, "announce_deadline", time=when(campaign["closes_at"], tz, locale)))
    window = pickup_window(campaign.get("pickup_from"), campaign.get("pickup_until"),
                           campaign.get("pickup_place"), locale)
    if window:
        lines.append(t(locale, "announce_pickup", window=window))
    labels = [clean(i["label"], 8) for i in campaign["items"]]
    if len(labels) == 1:
        lines.append(t(locale, "announce_how_one"))
    else:
        lines.append(t(locale, "announce_how_many", first=labels[0],
                       example=f"{labels[0]}+1 {labels[1]}+2"))
    return "\n".join(lines)


def pick_list_texts(data: dict[str, Any], locale: str, *, head: str | None = None) -> list[str]:
    """The pick list as texts within LINE's size limit: ``head`` (e.g. that the campaign closed
    on schedule), totals, then one line per buyer."""
    info = data["campaign"]
    lines = ([head] if head else []) + [
        t(locale, "picklist_head", title=clean(info["title"], TITLE_LIMIT), code=info["code"]),
        t(locale, "picklist_totals")]
    lines += [f"{item_name(i['label'], i['name'])} ×{i['qty']}" for i in data["items"]]
    lines.append(t(locale, "picklist_buyers", count=len(data["buyers"])))
    if not data["buyers"]:
        lines.append(t(locale, "picklist_none"))
    for buyer in data["buyers"]:
        who = " ".join(p for p in (f"#{buyer['number']}", clean(buyer["display_name"]),
                                   buyer.get("phone") or "") if p)
        packed = " ".join(f"{clean(l['label'], 8)}×{l['qty']}" for l in buyer["lines"])
        lines.append(f"{who}：{packed}" if _index(locale) == 0 else f"{who}: {packed}")
    chunks = pack(lines, TEXT_LIMIT - 40)  # room for the "continued" heading
    return [chunks[0]] + [t(locale, "picklist_continued", part=n) + "\n" + chunk
                          for n, chunk in enumerate(chunks[1:], start=2)]


# --- scheduled notifications (scheduler jobs; data from commerce.reminders) -----------------

def _need_campaign(template: str, campaign: dict[str, Any] | None) -> dict[str, Any]:
    if campaign is None:
        raise ValueError(f"{template} needs the campaign")
    return campaign


def _closed_group(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None,
                  tz: ZoneInfo) -> list[dict]:
    return [text_message(closed_notice(_need_campaign("campaign_closed_group", campaign), locale))]


def closed_notice(campaign: dict[str, Any], locale: str) -> str:
    """The "已結單" notice to a group: by push (PLUSONE_CLOSE_NOTICE=push) or, by default, in
    the reply to the group's next message."""
    lines = [t(locale, "closed_group", title=clean(campaign["title"], TITLE_LIMIT))]
    window = pickup_window(campaign.get("pickup_from"), campaign.get("pickup_until"),
                           campaign.get("pickup_place"), locale)
    if window:
        lines.append(t(locale, "announce_pickup", window=window))
    lines.append(t(locale, "closed_group_orders"))
    return "\n".join(lines)


def _closing_soon_group(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None,
                        tz: ZoneInfo) -> list[dict]:
    campaign = _need_campaign("closing_soon_group", campaign)
    return [text_message(t(locale, "closing_soon_group", title=clean(campaign["title"], TITLE_LIMIT),
                           time=clock(campaign["closes_at"], tz)))]


def _unpaid(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None, tz: ZoneInfo) -> list[dict]:
    lines = [t(locale, "unpaid_head")]
    lines += [t(locale, "unpaid_order", number=clean(o["number"], 12), title=clean(o["title"], TITLE_LIMIT),
                due=format_money(o["due"])) for o in params["orders"]]
    lines.append(t(locale, "unpaid_how"))
    return texts(lines, locale=locale, limit_messages=1)


def _pickup(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None, tz: ZoneInfo) -> list[dict]:
    """Pickup reminders; orders of other campaigns with money due ride along (one push a day)."""
    lines = [t(locale, "pickup_head")]
    due_only = []
    for o in params["orders"]:
        number, title = clean(o["number"], 12), clean(o["title"], TITLE_LIMIT)
        if "first_day" not in o["kinds"] and "last_day" not in o["kinds"]:
            due_only.append(t(locale, "unpaid_order", number=number, title=title, due=format_money(o["due"])))
            continue
        if "first_day" in o["kinds"]:
            window = pickup_window(o.get("pickup_from"), o.get("pickup_until"), o.get("pickup_place"), locale)
            line = t(locale, "pickup_opens", number=number, title=title, window=window or "")
        else:
            line = t(locale, "pickup_last", number=number, title=title,
                     day=_day(_as_date(o["pickup_until"]), locale))
        if o.get("due"):
            line += t(locale, "pickup_due", due=format_money(o["due"]))
        lines.append(line)
    lines.append(t(locale, "pickup_how"))
    if due_only:
        lines += [t(locale, "unpaid_head"), *due_only, t(locale, "unpaid_how")]
    return texts(lines, locale=locale, limit_messages=1)


def _reconciliation(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None,
                    tz: ZoneInfo) -> list[dict]:
    report = params["report"]
    lines = [t(locale, "recon_head", day=_day(_as_date(report["date"]), locale))]
    through = report.get("statement_through")
    lines.append(t(locale, "recon_statement", day=_day(_as_date(through), locale)) if through
                 else t(locale, "recon_no_statement"))
    for c in report["campaigns"]:
        lines.append(t(locale, "recon_campaign", title=clean(c["title"], TITLE_LIMIT), code=c["code"],
                       orders=c["orders"], total=format_money(c["total"])))
        lines += _recon_figures(c, locale, names=True)
    if len(report["campaigns"]) > 1:
        totals = report["totals"]
        lines.append(t(locale, "recon_totals", campaigns=len(report["campaigns"]), orders=totals["orders"],
                       total=format_money(totals["total"])))
        lines += _recon_figures(totals, locale, names=False)
    return texts(lines, locale=locale)


def _recon_figures(figures: dict[str, Any], locale: str, *, names: bool) -> list[str]:
    def money(key: str) -> dict[str, Any]:
        return {"count": figures[key]["count"], "amount": format_money(figures[key]["amount"])}

    lines = [t(locale, "recon_paid", **money("paid")), t(locale, "recon_reported", **money("reported"))]
    if figures["not_found"]["count"]:
        lines.append(t(locale, "recon_not_found", **money("not_found")))
        if names:
            lines += [t(locale, "recon_transfer", number=clean(e["number"], 12), name=clean(e["name"]),
                        last5=clean(e["last5"], 5), amount=format_money(e["amount"]))
                      for e in figures["not_found"]["entries"]]
    if figures["unpaid"]["count"]:
        lines.append(t(locale, "recon_unpaid", **money("unpaid")))
        if names:
            lines += [t(locale, "recon_buyer", number=clean(e["number"], 12), name=clean(e["name"]),
                        amount=format_money(e["amount"])) for e in figures["unpaid"]["entries"]]
    lines.append(t(locale, "recon_not_picked_up", count=figures["not_picked_up"]["count"]))
    return lines


def _low_stock(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None, tz: ZoneInfo) -> list[dict]:
    sold, cap, title = params["sold"], params["cap"], ""
    if campaign is not None:  # the figures as they are now, not when the alert was queued
        title = campaign["title"]
        current = next((i for i in campaign["items"] if i["label"] == params["label"]), None)
        if current is not None and current.get("stock"):
            sold, cap = current["sold"], current["stock"]
    return [text_message(t(locale, "low_stock", title=clean(title, TITLE_LIMIT),
                           item=item_name(params["label"], params["name"]), sold=sold, cap=cap,
                           percent=sold * 100 // cap if cap else 100))]


_SCHEDULED = {
    "campaign_closed_group": _closed_group,
    "closing_soon_group": _closing_soon_group,
    "unpaid_reminder": _unpaid,
    "pickup_reminder": _pickup,
    "daily_reconciliation": _reconciliation,
    "low_stock": _low_stock,
}
