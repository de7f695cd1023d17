"""The message catalogue and the notification renderers (pure: no database)."""
from zoneinfo import ZoneInfo

import pytest

from bot.messages import clean, render_notification, t, texts, utf16_len

CAMPAIGN = {
    "id": 7, "code": "K7QX", "title": "草莓大福", "status": "open",
    "closes_at": "2026-11-30T12:00:00+00:00", "pickup_from": "2026-12-02", "pickup_until": "2026-12-05",
    "pickup_place": "本店", "host_user_id": "Uhost", "group_ids": ["Cgroup1"],
    "items": [{"id": 1, "label": "A", "name": "原味", "price": 120, "stock": 50, "limit_per_buyer": None,
               "barcode": None, "sold": 3, "waitlisted": 0}],
}


def a_pick_list(buyers: int) -> dict:
    return {
        "campaign": {"id": 7, "code": "K7QX", "title": "草莓大福", "status": "closed"},
        "items": [{"label": "A", "name": "原味", "qty": 2 * buyers}, {"label": "B", "name": "抹茶", "qty": buyers}],
        "buyers": [{"number": str(n + 1), "display_name": f"買家{n:03d}" + "名" * 17,
                    "phone": f"0912-345-{n:03d}",
                    "lines": [{"label": "A", "name": "原味", "qty": 2}, {"label": "B", "name": "抹茶", "qty": 1}]}
                   for n in range(buyers)],
    }


def test_an_unknown_locale_falls_back_to_traditional_chinese():
    assert t("fr", "my_orders_none") == t("zh-TW", "my_orders_none") == "您目前沒有未取貨的訂單。"


def test_clean_drops_control_and_format_characters_and_caps_the_length():
    assert clean("王\x00小\u202e明\u200b\n<script>") == "王小明 <script>"
    assert clean("長" * 40) == "長" * 29 + "…"
    assert clean(None) == ""


def test_a_promotion_names_the_item_the_quantity_and_the_order():
    messages = render_notification("waitlist_promoted",
                                   {"order_number": "12", "label": "A", "name": "原味", "qty": 2},
                                   "zh-TW", campaign=CAMPAIGN)

    assert messages == [{"type": "text",
                         "text": "🎉 候補成功！A 原味 ×2 已為您保留（訂單 #12）。\n團購：草莓大福"}]


def test_a_promotion_renders_in_english_without_a_campaign():
    messages = render_notification("waitlist_promoted",
                                   {"order_number": "12", "label": "A", "name": "Plain", "qty": 1},
                                   "en", campaign=None)

    assert messages == [{"type": "text",
                         "text": "🎉 Good news: A Plain ×1 is now reserved for you (order #12)."}]


def test_an_announcement_shows_items_deadline_in_the_shop_zone_pickup_and_how_to_order():
    messages = render_notification("campaign_announcement", {"campaign_id": 7}, "zh-TW",
                                   campaign=CAMPAIGN, tz=ZoneInfo("Asia/Taipei"))

    assert messages == [{"type": "text", "text":
                         "🛒 開團：草莓大福（團號 K7QX）\nA 原味 $120（限量 50）\n截止：11/30（一）20:00\n"
                         "取貨：12/2（三）–12/5（六） 本店\n"
                         "下單請回覆「+1」（要幾份就 +幾），取消請回覆「-1」或「取消」。"}]


def test_an_announcement_in_english_with_untrusted_names_cleaned():
    campaign = {**CAMPAIGN, "title": "Mochi\u202e\n<i>", "pickup_from": None, "pickup_until": None,
                "pickup_place": "", "items": [
                    {**CAMPAIGN["items"][0], "name": "Plain\x07", "stock": None, "limit_per_buyer": 2},
                    {**CAMPAIGN["items"][0], "label": "B", "name": "Matcha", "price": 1350, "stock": None}]}

    messages = render_notification("campaign_announcement", {"campaign_id": 7}, "en", campaign=campaign,
                                   tz=ZoneInfo("Asia/Taipei"))

    assert messages[0]["text"] == (
        "🛒 Group buy: Mochi <i> (code K7QX)\nA Plain $120 (max 2 per buyer)\nB Matcha $1,350\n"
        "Order by: Mon 11/30 20:00\n"
        "To order reply label and quantity, e.g. “A+1” or “A+1 B+2”; to cancel reply “A-1” or “cancel”.")


def test_a_short_pick_list_is_one_message_with_totals_and_buyers():
    messages = render_notification("pick_list", {"campaign_id": 7, "pick_list": a_pick_list(2)}, "zh-TW",
                                   campaign=CAMPAIGN)

    names = "名" * 17
    assert messages == [{"type": "text", "text":
                         "📦 揀貨單：草莓大福（團號 K7QX）\n【總數】\nA 原味 ×4\nB 抹茶 ×2\n【每位買家】共 2 位\n"
                         f"#1 買家000{names} 0912-345-000：A×2 B×1\n"
                         f"#2 買家001{names} 0912-345-001：A×2 B×1"}]


def test_a_300_buyer_pick_list_is_split_into_texts_within_lines_limit_with_every_buyer_once():
    messages = render_notification("pick_list", {"campaign_id": 7, "pick_list": a_pick_list(300)}, "zh-TW",
                                   campaign=None)

    sizes = [utf16_len(m["text"]) for m in messages]
    assert len(messages) == 3 and all(size <= 5000 for size in sizes), sizes
    body = "\n".join(m["text"] for m in messages)
    assert [n for n in range(1, 301) if body.count(f"#{n} 買家") != 1] == []
    assert [m["text"].splitlines()[0] for m in messages[1:]] == \
        ["📦 揀貨單（續 2）", "📦 揀貨單（續 3）"]


def test_an_unknown_template_is_refused():
    with pytest.raises(ValueError):
        render_notification("reminder", {}, "zh-TW", campaign=None)


def test_replies_longer_than_five_messages_are_cut_and_say_how_many_were_left_out():
    lines = [f"#{n} " + "字" * 95 for n in range(400)]

    messages = texts(lines, locale="zh-TW")

    assert len(messages) == 5 and all(utf16_len(m["text"]) <= 5000 for m in messages)
    shown = sum(m["text"].count("#") for m in messages)
    assert messages[-1]["text"].endswith(f"…還有 {400 - shown} 筆沒列出。")
    assert 240 < shown < 400


def test_an_announcement_shows_the_hosts_note_under_the_items_cleaned_line_by_line():
    campaign = {**CAMPAIGN, "note": "要預付喔\u202e\r\n\n  <b>數量有限</b>\x07  \u2028週五前匯款"}

    text = render_notification("campaign_announcement", {"campaign_id": 7}, "zh-TW", campaign=campaign,
                                tz=ZoneInfo("Asia/Taipei"))[0]["text"]

    assert text.splitlines()[1:5] == ["A 原味 $120（限量 50）", "要預付喔", "<b>數量有限</b>", "週五前匯款"]
    assert text.splitlines()[5] == "截止：11/30（一）20:00"


def test_a_long_note_is_cut_so_the_announcement_stays_within_lines_text_limit():
    items = [{**CAMPAIGN["items"][0], "label": f"{chr(65 + i % 26)}{i}", "name": "名" * 60} for i in range(45)]
    campaign = {**CAMPAIGN, "items": items, "note": "\n".join(["😀" * 300] * 3 + ["最後一行"])}

    text = render_notification("campaign_announcement", {"campaign_id": 7}, "zh-TW", campaign=campaign,
                               tz=ZoneInfo("Asia/Taipei"))[0]["text"]

    assert len(text.encode("utf-16-le")) // 2 <= 5000
    assert "最後一行" not in text and "😀…\n截止：" in text  # the note is cut, the deadline and how-to stay
    assert text.endswith("取消請回覆「A0-1」或「取消」。")
