"""What the bot says (bot.messages renders it): ``id: (zh-TW, en)``; shared words from the glossary."""
from commerce.words.glossary import TEXT as G

TEXT: dict[str, tuple[str, str]] = {
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
    "transfer_over": ("回報的金額比這張訂單待付的 {due} 多 {extra}，店家確認時會跟你聯絡。",
                      "That is {extra} more than the {due} this order owes; the shop will be in touch when it "
                      "checks."),
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
                    "🔒 Closed: {title} (code {code}), {count} {count:order|orders}. The pick list goes to the host."),
    "host_already_closed": ("「{title}」先前已結單。", "“{title}” was already closed."),
    "host_which_campaign": ("有幾團同時進行：\n{campaigns}\n請長按要處理那團的公告，選「回覆」再輸入「{command}」。",
                            "Several group buys are open:\n{campaigns}\n"
                            "Reply to the announcement of the one you mean with “{command}”."),
    "orders_head": ("📋 名單：{title}（團號 {code}）共 {count} 筆", "📋 Orders: {title} (code {code}), {count} {count:order|orders}"),
    "orders_none": ("📋 {title} 還沒有人下單。", "📋 No orders yet for {title}."),
    "orders_waitlisted": G["line.waitlisted"],
    "picklist_sent": ("📦 揀貨單已私訊給您（請先加我好友才收得到）。",
                      "📦 The pick list is on its way to your 1:1 chat (add me as a friend first)."),
    "host_in_group": ("團主指令請在團購群組裡輸入。", "Use host commands in the group-buy group."),
    # a host moving a campaign's deadline or pickup (截止 12/11 20:00, 取貨 12/12-12/14 本店)
    "host_moved_deadline": ("⏰ 已更改截止時間：{title}（團號 {code}）改為 {time} 截止。",
                            "⏰ New deadline: {title} (code {code}) now closes {time}."),
    "host_moved_pickup": ("📦 已更改取貨：{title}（團號 {code}）改為 {window}。",
                          "📦 New pickup: {title} (code {code}) is now {window}."),
    "host_move_error": ("沒有更改：{problem}", "Nothing was changed: {problem}"),
    "host_move_example.deadline": ("範例：截止 12/11 20:00", "Example: deadline 12/11 20:00"),
    "host_move_example.pickup": ("範例：取貨 12/12-12/14 本店", "Example: pickup 12/12-12/14 Shop"),
    "host_move_closed": ("「{title}」已結單，截止時間不能再改。", "“{title}” is closed: its deadline can no longer move."),
    "host_move_cancelled": ("「{title}」已取消，不能再更改。", "“{title}” was cancelled: it can no longer change."),
    # --- notifications (pushes) -----------------------------------------------------------------
    "promoted": ("🎉 候補成功！{item} ×{qty} 已為您保留（訂單 #{number}）。",
                 "🎉 Good news: {item} ×{qty} is now reserved for you (order #{number})."),
    "promoted_campaign": ("團購：{title}", "Group buy: {title}"),
    "announce_head": ("🛒 開團：{title}（團號 {code}）", "🛒 Group buy: {title} (code {code})"),
    "announce_stock": ("限量 {n}", "{n} available"),
    "announce_limit": ("每人限 {n}", "max {n} per buyer"),
    "announce_extras": ("（{extras}）", " ({extras})"),
    "list_separator": ("・", ", "),
    "announce_deadline": ("截止：{time}", "Order by: {time}"),
    "announce_pickup": ("取貨：{window}", "Pickup: {window}"),
    "announce_how_one": ("下單請回覆「+1」（要幾份就 +幾），取消請回覆「-1」或「取消」。",
                         "To order reply “+1” (or +2, +3…); to cancel reply “-1” or “cancel”."),
    "announce_how_many": ("下單請回覆代號＋數量，例如「{first}+1」或「{example}」；取消請回覆「{first}-1」或「取消」。",
                          "To order reply label and quantity, e.g. “{first}+1” or “{example}”; "
                          "to cancel reply “{first}-1” or “cancel”."),
    "picklist_head": ("📦 揀貨單：{title}（團號 {code}）", "📦 Pick list: {title} (code {code})"),
    "picklist_totals": ("【總數】", "[Totals]"),
    "picklist_buyers": ("【每位買家】共 {count} 位", "[Per buyer] {count} {count:buyer|buyers}"),
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
                       "[{title} (code {code})] {orders} {orders:order|orders}, {total} in all"),
    "recon_totals": ("【總計】{campaigns} 團 {orders} 筆，合計 {total}",
                     "[All] {campaigns} {campaigns:campaign|campaigns}, {orders} {orders:order|orders}, {total} in all"),
    "recon_paid": ("・已付清 {count} 筆，已收 {amount}", "• paid in full: {count}; received {amount}"),
    "recon_reported": ("・已回報轉帳待確認 {count} 筆 {amount}", "• transfers reported, to confirm: {count}, {amount}"),
    "recon_not_found": ("・其中對帳單查無 {count} 筆 {amount}：", "• of which not in the bank statement: {count}, {amount}:"),
    "recon_unpaid": ("・未付款 {count} 筆 {amount}：", "• unpaid: {count}, {amount}:"),
    "recon_not_picked_up": ("・未取貨 {count} 筆", "• not picked up: {count}"),
    "recon_transfer": ("　#{number} {name} 後五碼 {last5} {amount}", "  #{number} {name} ending {last5} {amount}"),
    "recon_buyer": ("　#{number} {name} {amount}", "  #{number} {name} {amount}"),
    "low_stock": ("📈「{title}」{item} 已賣出 {sold}/{cap}（{percent}%），快完售了。",
                  "📈 “{title}”: {item} has sold {sold} of {cap} ({percent}%)."),
    # --- why a host's 開團 cannot be opened (bot.host_grammar HostError codes) --------------------
    "host_problem.no_items": ("沒有品項，請加上像「A 原味 120 限50」的行", "no items: add lines like 'A 原味 120 限50'"),
    "host_problem.missing_deadline": ("沒有截止時間，請加上像「截止 11/30 20:00」的行",
                                      "no deadline: add a line like '截止 11/30 20:00'"),
    "host_problem.bad_deadline": ("截止時間看不懂，請寫成「截止 11/30 20:00」", "write the deadline like '截止 11/30 20:00'"),
    "host_problem.deadline_past": ("截止時間已經過了", "the deadline is in the past"),
    "host_problem.duplicate_label": ("品項代號重複了", "an item label is used twice"),
    "host_problem.duplicate_option": ("同一品項的限量或限購寫了兩次", "an item's stock cap or limit is given twice"),
    "host_problem.bad_stock": ("限量至少要 1", "a stock cap must be at least 1"),
    "host_problem.bad_limit": ("每人限購至少要 1", "a per-buyer limit must be at least 1"),
    "host_problem.bad_price": ("價格要是大於 0 的數字", "a price must be a number above 0"),
    "host_problem.missing_name": ("品項少了名稱", "an item has no name"),
    "host_problem.bad_pickup": ("取貨日期看不懂，請寫成「取貨 12/2-12/5 本店」", "write the pickup like '取貨 12/2-12/5 本店'"),
    "host_problem.missing_pickup": ("取貨日期看不懂，請寫成「取貨 12/2-12/5 本店」",
                                    "write the pickup like '取貨 12/2-12/5 本店'"),
    "host_problem.pickup_before_deadline": ("取貨日期在截止之前", "pickup starts before the deadline"),
    "host_problem.pickup_reversed": ("取貨結束日在開始日之前", "pickup ends before it starts"),
    # the host's commands, as a reply names them
    "host_cmd.announce": ("公告", "announce"),
    "host_cmd.close": ("結單", "close"),
    "host_cmd.orders": ("名單", "orders"),
    "host_cmd.picklist": ("揀貨單", "picklist"),
    "orders_row": ("#{number} {name}：{lines}", "#{number} {name}: {lines}"),
    "picklist_buyer": ("{who}：{lines}", "{who}: {lines}"),
}
