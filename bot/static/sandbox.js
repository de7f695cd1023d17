/* PlusOne sandbox page: a LINE-like chat driven by /sandbox/api/*.
 *
 * Everything users type (names, messages) is untrusted: the DOM is built with createElement
 * and textContent only, never innerHTML.
 */
(() => {
  "use strict";

  const TZ = "Asia/Taipei"; // the shop's default zone (DESIGN.md); the API sends UTC
  const POLL_MS = 500;
  const BURST_MS = 120; // right after sending, poll fast so the bot's answer shows promptly
  const BURST_FOR_MS = 4000;
  const GROUP_GAP_MS = 3 * 60 * 1000; // messages closer than this from one sender share an avatar
  const STORE_KEY = "plusone.sandbox.v1";
  const PALETTE = ["#f59e0b", "#ef6b5b", "#8b5cf6", "#3b82f6", "#ec4899", "#14b8a6", "#f97316",
    "#6366f1", "#0ea5e9", "#65a30d", "#d946ef", "#0d9488"];

  const STRINGS = {
    zh: {
      brandSub: "團購 +1 沙盒", lang: "EN",
      intro: "這是模擬的 LINE 群組：選一個人的身分發言，看機器人怎麼回。不會送出真的 LINE 訊息。",
      chats: "聊天室", groupName: "PlusOne 團購群", botChat: "PlusOne（1:1 私訊）",
      tabGroup: "群組", tabUser: "1:1 私訊", speakAs: "發言身分",
      newNamePlaceholder: "新的人：輸入名字", add: "加入", addChip: "＋ 新的人",
      pushTag: "推播 push", replyTag: "回覆", legendPush: "依收訊人數計費",
      legendReply: "免費（機器人盡量用回覆）",
      legendQuote: "點機器人的訊息可以「回覆」它，例如指定要跟哪一團。",
      newMessages: "↓ 新訊息", clearQuote: "取消回覆 (Esc)",
      inputPlaceholder: "輸入訊息（Enter 送出，Shift+Enter 換行）", inputPlaceholderShort: "輸入訊息", send: "送出",
      host: "團主", members: "{n} 位成員・以「{name}」的身分發言", membersNoOne: "{n} 位成員・請先選發言身分",
      botSub: "1:1 私訊・你是「{name}」", botSubNoOne: "1:1 私訊",
      today: "今天", yesterday: "昨天",
      emptyGroup: "還沒有訊息。\n選一個人，輸入 +1 或 A+1 B+2 下單試試！",
      emptyUser: "這是「{name}」和 PlusOne 的 1:1 私訊。\n試試「說明」或「綁定 0912345678」。",
      groupPreviewEmpty: "在群組裡 +1 下單", userPreviewEmpty: "綁定手機、查訂單、取貨碼",
      hintsLabel: "試試看：", quoteWho: "回覆 {name}", quoteHint: "點一下回覆這則訊息",
      image: "[圖片]", imageFailed: "[圖片無法顯示]", pickFirst: "請先選一個發言身分",
      offline: "連不上伺服器，重試中…", sendFailed: "送出失敗：{message}",
      pushTitle: "推播訊息：依收訊人數計費（回覆免費）",
      hintOpen: "開團…", hintOpenTitle: "團主開新團（多行）",
      weekdays: "日一二三四五六",
    },
    en: {
      brandSub: "Group-buy +1 sandbox", lang: "中文",
      intro: "A simulated LINE group: speak as anyone and see how the bot answers. Nothing is sent to LINE.",
      chats: "Chats", groupName: "PlusOne group buy", botChat: "PlusOne (1:1 chat)",
      tabGroup: "Group", tabUser: "1:1 chat", speakAs: "Speak as",
      newNamePlaceholder: "Someone new: type a name", add: "Add", addChip: "+ New",
      pushTag: "push", replyTag: "reply", legendPush: "billed per recipient",
      legendReply: "free (the bot replies whenever it can)",
      legendQuote: "Click a bot message to reply to it, e.g. to pick which group buy you mean.",
      newMessages: "↓ New messages", clearQuote: "Cancel reply (Esc)",
      inputPlaceholder: "Message (Enter sends, Shift+Enter for a new line)", inputPlaceholderShort: "Message",
      send: "Send",
      host: "Host", members: "{n} members · speaking as “{name}”", membersNoOne: "{n} members · pick who you are",
      botSub: "1:1 chat · you are “{name}”", botSubNoOne: "1:1 chat",
      today: "Today", yesterday: "Yesterday",
      emptyGroup: "No messages yet.\nPick someone and type +1 or A+1 B+2 to order!",
      emptyUser: "This is “{name}”'s 1:1 chat with PlusOne.\nTry “help” or “bind 0912345678”.",
      groupPreviewEmpty: "Order with +1 in the group", userPreviewEmpty: "Bind a phone, my orders, pickup code",
      hintsLabel: "Try:", quoteWho: "Replying to {name}", quoteHint: "Click to reply to this message",
      image: "[image]", imageFailed: "[image unavailable]", pickFirst: "Pick who you are first",
      offline: "Cannot reach the server, retrying…", sendFailed: "Not sent: {message}",
      pushTitle: "Push message: billed per recipient (replies are free)",
      hintOpen: "open…", hintOpenTitle: "Host: open a new group buy (several lines)",
      weekdays: "SMTWTFS",
    },
  };

  // Hint chips: the text they put in the input, per chat and role.
  const HINTS = {
    zh: {
      group: [["+1", "訂一份（只有一項時）"], ["A+1 B+2", "依代號訂"], ["-1", "少訂一份"],
        ["已匯款 12345 $350", "回報轉帳：帳號後五碼、金額"]],
      user: [["綁定 0912345678", "綁定手機"], ["我的訂單", "查看訂單"], ["取貨碼", "取貨 QR 碼"], ["說明", "機器人會什麼"]],
      host: [["名單", "本團訂單"], ["結單", "現在結單"], ["揀貨單", "揀貨單私訊給團主"]],
    },
    en: {
      group: [["+1", "one of the only item"], ["A+1 B+2", "by label"], ["-1", "one less"],
        ["paid 12345 350", "report a transfer: last five digits, amount"]],
      user: [["bind 0912345678", "bind your phone"], ["my orders", "your orders"], ["pickup code", "pickup QR"],
        ["help", "what the bot understands"]],
      host: [["orders", "this campaign's orders"], ["close", "close now"], ["picklist", "pick list to the host"]],
    },
  };

  const $ = (id) => document.getElementById(id);
  const narrow = window.matchMedia("(max-width: 720px)"); // the phone layout (sandbox.css)
  const dom = {
    panel: $("panel"), lang: $("lang"), people: $("people"), newPerson: $("new-person"), newName: $("new-name"),
    chatGroup: $("chat-group"), chatUser: $("chat-user"),
    groupPreview: $("group-preview"), userPreview: $("user-preview"),
    groupTime: $("group-time"), userTime: $("user-time"),
    groupUnread: $("group-unread"), userUnread: $("user-unread"),
    headAvatar: $("head-avatar"), title: $("chat-title"), sub: $("chat-sub"),
    messages: $("messages"), thread: $("thread"), jump: $("jump"),
    hints: $("hints"), quote: $("quote"), quoteWho: $("quote-who"), quoteText: $("quote-text"),
    quoteClose: $("quote-close"), meAvatar: $("me-avatar"), input: $("input"), send: $("send"), toast: $("toast"),
  };

  const saved = loadSaved();
  const state = {
    lang: saved.lang === "en" ? "en" : "zh",
    me: typeof saved.me === "string" ? saved.me : null,
    chat: saved.chat === "user" ? "user" : "group",
    local: Array.isArray(saved.local) ? saved.local.filter(validPerson).slice(0, 50) : [],
    server: [],           // from /people
    seenNames: new Map(), // user id -> name, from the transcript (people typing in other tabs)
    groupId: null,
    messages: [],
    byId: new Map(),
    lastSeq: 0,
    baseSeq: null,        // the transcript as it was when the page opened counts as read
    seen: new Map(),      // chat key -> highest seq shown
    quote: null,
    localQuotes: new Map(), // id of a message sent here -> id of the message it quoted
    prev: null,           // the last message drawn in the thread (for grouping)
    polling: false, again: false, timer: 0, burstUntil: 0,
    awaiting: null,       // {id, until}: a sent message the transcript should soon contain
    sending: false, offline: false, peopleLoaded: false,
  };

  // ---- storage -------------------------------------------------------------------------------
  function loadSaved() {
    try { return JSON.parse(localStorage.getItem(STORE_KEY) || "{}") || {}; } catch { return {}; }
  }
  function save() {
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify({ lang: state.lang, me: state.me, chat: state.chat, local: state.local }));
    } catch { /* private mode: the page still works, it just forgets */ }
  }
  function validPerson(p) {
    return p && typeof p.user_id === "string" && typeof p.name === "string" && p.user_id && p.name;
  }

  // ---- text helpers ----------------------------------------------------------------------------
  function T(key, params) {
    const s = STRINGS[state.lang][key] ?? STRINGS.zh[key] ?? key;
    return params ? s.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? "")) : s;
  }
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  // A name inside a sentence, isolated (FSI … PDI) so bidi controls in it stay inside it.
  function iso(name) {
    return "\u2068" + name + "\u2069";
  }
  function firstChar(name) {
    const trimmed = String(name || "").trim();
    const ch = Array.from(trimmed)[0] || "?";
    return /[a-z]/.test(ch) ? ch.toUpperCase() : ch;
  }
  function colorFor(id) {
    let h = 0;
    for (const c of String(id)) h = (h * 31 + c.codePointAt(0)) >>> 0;
    return PALETTE[h % PALETTE.length];
  }
  function avatar(userId, name, extra) {
    if (userId === "bot") return el("span", "avatar bot-avatar" + (extra ? " " + extra : ""), "+1");
    const a = el("span", "avatar" + (extra ? " " + extra : ""), firstChar(name));
    a.style.background = colorFor(userId);
    return a;
  }
  function firstLine(text, max = 60) {
    const line = String(text || "").split("\n").find((l) => l.trim()) || "";
    const chars = Array.from(line.trim());
    return chars.length > max ? chars.slice(0, max).join("") + "…" : chars.join("");
  }
  function summary(m) {
    return m.type === "image" ? T("image") : firstLine(m.text);
  }

  // ---- time ---------------------------------------------------------------------------------
  const partsFmt = new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "numeric", day: "numeric", weekday: "short" });
  function ymd(date) {
    const p = Object.fromEntries(partsFmt.formatToParts(date).map((x) => [x.type, x.value]));
    return { y: +p.year, m: +p.month, d: +p.day, key: `${p.year}-${p.month}-${p.day}` };
  }
  function clock(date) {
    return new Intl.DateTimeFormat(state.lang === "en" ? "en-US" : "zh-TW",
      { timeZone: TZ, hour: "numeric", minute: "2-digit" }).format(date);
  }
  function dayLabel(date) {
    const day = ymd(date);
    const today = ymd(new Date());
    const yesterday = ymd(new Date(Date.now() - 86400000));
    if (day.key === today.key) return T("today");
    if (day.key === yesterday.key) return T("yesterday");
    const wd = new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay();
    return state.lang === "en" ? `${T("weekdays")[wd]} ${day.m}/${day.d}` : `${day.m}/${day.d}（${T("weekdays")[wd]}）`;
  }
  function parseAt(at) {
    const d = new Date(at);
    return Number.isNaN(d.getTime()) ? new Date() : d;
  }

  // ---- people -------------------------------------------------------------------------------
  function people() {
    const out = [];
    const ids = new Set();
    const add = (p) => { if (!ids.has(p.user_id)) { ids.add(p.user_id); out.push(p); } };
    state.server.filter((p) => p.host).forEach(add);
    state.local.filter((p) => !state.server.some((s) => s.user_id === p.user_id)).slice().reverse().forEach(add);
    state.server.filter((p) => !p.host).forEach(add);
    state.seenNames.forEach((name, id) => add({ user_id: id, name, host: false }));
    return out;
  }
  function person(id) {
    return people().find((p) => p.user_id === id) || null;
  }
  function me() {
    return state.me ? person(state.me) : null;
  }
  function isHost(id) {
    return state.server.some((p) => p.user_id === id && p.host);
  }

  async function refreshPeople() {
    try {
      const resp = await fetch("/sandbox/api/people", { cache: "no-store" });
      if (!resp.ok) return;
      const data = await resp.json();
      const server = (data.people || []).filter(validPerson);
      const changed = JSON.stringify(server) !== JSON.stringify(state.server);
      const firstLoad = !state.peopleLoaded;
      state.peopleLoaded = true;
      state.server = server;
      if (data.group_id) state.groupId = data.group_id;
      // a local name the server now knows under the same id is the server's from now on
      state.local = state.local.filter((p) => !state.server.some((s) => s.user_id === p.user_id));
      for (const p of state.server) state.seenNames.delete(p.user_id);
      const before = state.me;
      if (!me()) {
        const first = people().find((p) => !p.host) || people()[0];
        state.me = first ? first.user_id : null;
      }
      save();
      if (firstLoad || state.me !== before) {
        renderAll(); // host tags and "mine" in the thread depend on the people
      } else if (changed) {
        renderPeople();
        renderHeader();
        renderHints();
      }
    } catch { /* the message poll reports the outage */ }
  }

  function renderPeople() {
    const list = dom.people;
    list.replaceChildren();
    for (const p of people()) {
      const li = el("li", "person");
      li.dataset.userId = p.user_id;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", String(p.user_id === state.me));
      li.tabIndex = 0;
      li.title = p.user_id;
      li.append(avatar(p.user_id, p.name), el("span", "person-name", p.name));
      if (p.host) li.append(el("span", "host-tag", T("host")));
      li.append(el("span", "person-check", "✓"));
      li.addEventListener("click", () => selectPerson(p.user_id));
      li.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); selectPerson(p.user_id); } });
      list.append(li);
    }
    const addChip = el("li", "person add-chip", T("addChip"));
    addChip.tabIndex = 0;
    addChip.addEventListener("click", () => { dom.panel.classList.toggle("adding"); dom.newName.focus(); });
    list.append(addChip);
    const chosen = list.querySelector('[aria-selected="true"]');
    if (chosen && narrow.matches) { // the phone's strip scrolls sideways: keep the chosen one in view
      const r = chosen.getBoundingClientRect();
      const box = list.getBoundingClientRect();
      if (r.left < box.left || r.right > box.right) list.scrollLeft += r.left - box.left - 10;
    }
  }

  function selectPerson(id) {
    if (state.me === id) return;
    state.me = id;
    clearQuote();
    save();
    renderAll();
    dom.input.focus();
  }

  function addPerson(name) {
    const clean = name.replace(/\s+/g, " ").trim().slice(0, 40);
    if (!clean) return;
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    const id = "Usandbox" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    state.local.push({ user_id: id, name: clean, host: false });
    state.me = id;
    dom.newName.value = "";
    dom.panel.classList.remove("adding");
    save();
    renderAll();
    dom.input.focus();
  }

  // ---- chats --------------------------------------------------------------------------------
  function chatKey(kind) {
    if (kind === "group") return state.groupId;
    return state.me ? "user:" + state.me : null;
  }
  function inChat(m, kind) {
    const key = chatKey(kind);
    return key !== null && m.chat === key;
  }
  function selectChat(kind) {
    if (state.chat === kind) return;
    state.chat = kind;
    clearQuote();
    save();
    renderAll();
    dom.input.focus();
  }
  function seenOf(key) {
    return state.seen.has(key) ? state.seen.get(key) : (state.baseSeq ?? 0);
  }

  function renderChatRows() {
    for (const kind of ["group", "user"]) {
      const row = kind === "group" ? dom.chatGroup : dom.chatUser;
      row.setAttribute("aria-selected", String(state.chat === kind));
      const key = chatKey(kind);
      const msgs = key ? state.messages.filter((m) => m.chat === key) : [];
      const last = msgs[msgs.length - 1];
      const preview = kind === "group" ? dom.groupPreview : dom.userPreview;
      const time = kind === "group" ? dom.groupTime : dom.userTime;
      const badge = kind === "group" ? dom.groupUnread : dom.userUnread;
      if (last) {
        const who = last.from === "bot" ? "PlusOne" : (last.from === state.me ? "" : last.name);
        preview.textContent = (kind === "group" && who ? iso(who) + "：" : "") + summary(last);
        time.textContent = clock(parseAt(last.at));
      } else {
        preview.textContent = T(kind === "group" ? "groupPreviewEmpty" : "userPreviewEmpty");
        time.textContent = "";
      }
      const unread = state.chat === kind ? 0
        : msgs.filter((m) => m.seq > seenOf(key) && m.from !== state.me).length;
      badge.hidden = unread === 0;
      badge.textContent = unread > 99 ? "99+" : String(unread);
    }
  }

  function renderHeader() {
    const who = me();
    dom.headAvatar.replaceChildren();
    if (state.chat === "group") {
      dom.headAvatar.className = "avatar head-avatar";
      dom.headAvatar.append(dom.chatGroup.querySelector("svg").cloneNode(true));
      const count = people().length + 1; // and the bot
      dom.title.textContent = `${T("groupName")} (${count})`;
      dom.sub.textContent = who ? T("members", { n: count, name: iso(who.name) }) : T("membersNoOne", { n: count });
    } else {
      dom.headAvatar.className = "avatar head-avatar bot-avatar";
      dom.headAvatar.textContent = "+1";
      dom.title.textContent = "PlusOne";
      dom.sub.textContent = who ? T("botSub", { name: iso(who.name) }) : T("botSubNoOne");
    }
    const mine = dom.meAvatar;
    const fresh = who ? avatar(who.user_id, who.name, "me-avatar") : el("span", "avatar me-avatar", "?");
    fresh.id = "me-avatar";
    fresh.setAttribute("aria-hidden", "true");
    mine.replaceWith(fresh);
    dom.meAvatar = fresh;
  }

  function taipeiDatePlus(days) {
    const t = ymd(new Date());
    const d = new Date(Date.UTC(t.y, t.m - 1, t.d + days));
    return `${d.getUTCMonth() + 1}/${d.getUTCDate()}`;
  }
  function openTemplate() {
    if (state.lang === "en") {
      return `open Lemon tart\nA Classic 90 限30\nB Earl Grey 100 每人限2\ndeadline ${taipeiDatePlus(2)} 20:00\n` +
        `pickup ${taipeiDatePlus(3)}-${taipeiDatePlus(5)} Shop`;
    }
    return `開團 檸檬塔\nA 經典檸檬塔 90 限30\nB 伯爵檸檬塔 100 每人限2\n截止 ${taipeiDatePlus(2)} 20:00\n` +
      `取貨 ${taipeiDatePlus(3)}-${taipeiDatePlus(5)} 本店`;
  }

  function renderHints() {
    const box = dom.hints;
    box.replaceChildren(el("span", "hints-label", T("hintsLabel")));
    const set = HINTS[state.lang];
    const chip = (text, title, extra) => {
      const b = el("button", "hint" + (extra ? " " + extra : ""), text.label || text);
      b.type = "button";
      b.title = title;
      b.addEventListener("click", () => fill(text.value || text));
      box.append(b);
    };
    for (const [text, title] of state.chat === "group" ? set.group : set.user) chip(text, title);
    if (state.chat === "group" && me() && me().host) {
      chip({ label: T("hintOpen"), value: openTemplate() }, T("hintOpenTitle"), "host");
      for (const [text, title] of set.host) chip(text, title, "host");
    }
  }

  function fill(text) {
    dom.input.value = text;
    autosize();
    updateSend();
    dom.input.focus();
    dom.input.setSelectionRange(text.length, text.length);
  }

  // ---- the thread -----------------------------------------------------------------------------
  function renderThread() {
    dom.thread.replaceChildren();
    state.prev = null;
    const msgs = state.messages.filter((m) => inChat(m, state.chat));
    if (!msgs.length) {
      const who = me();
      const text = state.chat === "group" ? T("emptyGroup") : T("emptyUser", { name: who ? iso(who.name) : "" });
      dom.thread.append(el("div", "empty", text));
    }
    for (const m of msgs) drawMessage(m);
    markSeen();
    scrollToBottom();
  }

  function drawMessage(m) {
    const empty = dom.thread.querySelector(".empty");
    if (empty) empty.remove();
    const at = parseAt(m.at);
    const day = ymd(at).key;
    if (!state.prev || state.prev.day !== day) {
      dom.thread.append(el("div", "day", dayLabel(at)));
    }
    const mine = m.from === state.me;
    const first = !state.prev || state.prev.from !== m.from || state.prev.day !== day
      || at - state.prev.at > GROUP_GAP_MS;
    state.prev = { from: m.from, day, at };

    const row = el("div", "msg" + (mine ? " mine" : "") + (m.from === "bot" ? " bot" : " person-msg") + (first ? " first" : ""));
    row.dataset.id = m.id;
    row.dataset.seq = String(m.seq);
    row.dataset.from = m.from;
    row.dataset.via = m.via;
    if (!mine) {
      row.append(first ? avatar(m.from, m.name) : el("span", "avatar spacer"));
    }
    const body = el("div", "msg-body");
    if (!mine && first && state.chat === "group") {
      const name = el("div", "msg-name");
      name.append(el("span", "msg-name-text", m.from === "bot" ? "PlusOne" : m.name));
      if (m.from !== "bot" && isHost(m.from)) name.append(el("span", "host-tag", T("host")));
      body.append(name);
    }
    const line = el("div", "msg-line");
    const bubble = el("div", "bubble");
    const quotedId = state.localQuotes.get(m.id);
    if (quotedId && state.byId.has(quotedId)) {
      const q = state.byId.get(quotedId);
      const chip = el("span", "in-quote");
      chip.append(el("b", null, q.from === "bot" ? "PlusOne" : q.name), document.createTextNode(summary(q)));
      bubble.append(chip);
    }
    if (m.type === "image") {
      bubble.classList.add("image-bubble");
      bubble.append(imageNode(m));
    } else {
      bubble.append(document.createTextNode(m.text || ""));
    }
    if (m.from === "bot") {
      bubble.title = T("quoteHint");
      bubble.tabIndex = 0;
      bubble.addEventListener("click", (e) => { if (!e.target.closest("a")) setQuote(m); });
      bubble.addEventListener("keydown", (e) => { if (e.key === "Enter") setQuote(m); });
      if (state.quote && state.quote.id === m.id) row.classList.add("quoted");
    }
    const meta = el("div", "msg-meta");
    if (m.via === "push") {
      const tag = el("span", "tag push", T("pushTag"));
      tag.title = T("pushTitle");
      meta.append(tag);
    }
    meta.append(el("span", "msg-time", clock(at)));
    line.append(bubble, meta);
    body.append(line);
    row.append(body);
    dom.thread.append(row);
  }

  function imageNode(m) {
    let url = null;
    try {
      const u = new URL(m.url || "", location.href);
      if (u.protocol === "http:" || u.protocol === "https:") url = u.href;
    } catch { url = null; }
    if (!url) return el("span", "img-fallback", T("imageFailed"));
    const link = el("a");
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    const img = el("img");
    img.alt = T("image");
    img.src = url;
    img.addEventListener("load", () => { if (nearBottom(400)) scrollToBottom(); });
    img.addEventListener("error", () => link.replaceWith(el("span", "img-fallback", T("imageFailed"))));
    link.append(img);
    return link;
  }

  function nearBottom(slack = 80) {
    const box = dom.messages;
    return box.scrollHeight - box.scrollTop - box.clientHeight < slack;
  }
  function scrollToBottom() {
    dom.messages.scrollTop = dom.messages.scrollHeight;
    dom.jump.hidden = true;
  }
  function markSeen() {
    const key = chatKey(state.chat);
    if (!key) return;
    const msgs = state.messages.filter((m) => m.chat === key);
    if (msgs.length) state.seen.set(key, Math.max(seenOf(key), msgs[msgs.length - 1].seq));
  }

  // ---- quoting --------------------------------------------------------------------------------
  function setQuote(m) {
    state.quote = m;
    dom.quote.hidden = false;
    dom.quoteWho.textContent = T("quoteWho", { name: m.from === "bot" ? "PlusOne" : iso(m.name) });
    dom.quoteText.textContent = summary(m);
    for (const row of dom.thread.querySelectorAll(".msg.quoted")) row.classList.remove("quoted");
    const row = dom.thread.querySelector(`.msg[data-seq="${Number(m.seq)}"]`);
    if (row) row.classList.add("quoted");
    dom.input.focus();
  }
  function clearQuote() {
    state.quote = null;
    dom.quote.hidden = true;
    for (const row of dom.thread.querySelectorAll(".msg.quoted")) row.classList.remove("quoted");
  }

  // ---- polling --------------------------------------------------------------------------------
  function schedule(delay) {
    clearTimeout(state.timer);
    const now = Date.now();
    const wait = delay ?? (now < state.burstUntil ? BURST_MS : (document.hidden ? 2000 : POLL_MS));
    state.timer = setTimeout(poll, wait);
  }

  async function poll() {
    if (state.polling) { state.again = true; return; }
    state.polling = true;
    clearTimeout(state.timer);
    try {
      const resp = await fetch(`/sandbox/api/messages?after=${state.lastSeq}`, { cache: "no-store" });
      if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
      const data = await resp.json();
      if (data.group_id && data.group_id !== state.groupId) {
        state.groupId = data.group_id;
        renderAll();
      }
      ingest(Array.isArray(data.messages) ? data.messages : []);
      checkAwaiting();
      setOffline(false);
    } catch {
      setOffline(true);
    } finally {
      state.polling = false;
      if (state.again) { state.again = false; schedule(0); } else schedule();
    }
  }

  function ingest(msgs) {
    const firstLoad = state.baseSeq === null;
    let visible = false;
    let mineArrived = false;
    let newPeople = false;
    const stick = nearBottom();
    for (const m of msgs) {
      if (!m || typeof m.seq !== "number" || state.byId.has(m.id)) continue;
      m.name = typeof m.name === "string" ? m.name : "";
      m.text = typeof m.text === "string" ? m.text : "";
      state.messages.push(m);
      state.byId.set(m.id, m);
      state.lastSeq = Math.max(state.lastSeq, m.seq);
      if (state.awaiting && state.awaiting.id === m.id) state.awaiting = null;
      if (m.from !== "bot" && m.name && !person(m.from)) {
        state.seenNames.set(m.from, m.name);
        newPeople = true;
      }
      if (!firstLoad && inChat(m, state.chat)) {
        drawMessage(m);
        visible = true;
        if (m.from === state.me) mineArrived = true;
      }
    }
    if (state.messages.length > 6000) {
      for (const m of state.messages.splice(0, state.messages.length - 5000)) state.byId.delete(m.id);
    }
    if (firstLoad) {
      state.baseSeq = state.lastSeq;
      renderAll();
      return;
    }
    if (newPeople) { renderPeople(); renderHeader(); }
    if (visible) {
      markSeen();
      if (stick || mineArrived) scrollToBottom(); else dom.jump.hidden = false;
    }
    if (msgs.length) renderChatRows();
  }

  // A restarted server numbers its transcript from 1 again: when a message we just sent
  // never shows up after our last seq, read the transcript again from the start.
  function checkAwaiting() {
    if (state.awaiting && Date.now() > state.awaiting.until) {
      state.awaiting = null;
      state.messages = [];
      state.byId.clear();
      state.seen.clear();
      state.lastSeq = 0;
      state.baseSeq = null; // the next poll reads from the start and redraws
    }
  }

  function setOffline(off) {
    if (off === state.offline) return;
    state.offline = off;
    if (off) toast(T("offline"), 0); else hideToast();
  }

  let toastTimer = 0;
  function toast(text, ms = 3500) {
    clearTimeout(toastTimer);
    dom.toast.textContent = text;
    dom.toast.hidden = false;
    if (ms) toastTimer = setTimeout(hideToast, ms);
  }
  function hideToast() { dom.toast.hidden = true; }

  // ---- sending --------------------------------------------------------------------------------
  async function send() {
    const text = dom.input.value;
    if (!text.trim() || state.sending) return;
    const who = me();
    if (!who) { toast(T("pickFirst")); return; }
    const payload = { chat: state.chat, user_id: who.user_id, name: who.name, text };
    const quoted = state.quote;
    if (quoted) payload.quoted_message_id = quoted.id;
    state.sending = true;
    updateSend();
    try {
      const resp = await fetch("/sandbox/api/send", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload),
      });
      const data = await resp.json().catch(() => ({}));
      if (!resp.ok) {
        toast(T("sendFailed", { message: (data.error && data.error.message) || `HTTP ${resp.status}` }));
        return;
      }
      if (quoted) state.localQuotes.set(String(data.id), quoted.id);
      state.awaiting = { id: String(data.id), until: Date.now() + 5000 };
      dom.input.value = "";
      autosize();
      clearQuote();
      state.burstUntil = Date.now() + BURST_FOR_MS;
      poll();
      setTimeout(refreshPeople, 1500); // the bot has met a new buyer by now
    } catch {
      toast(T("offline"));
    } finally {
      state.sending = false;
      updateSend();
    }
  }

  function updateSend() {
    dom.send.disabled = state.sending || !dom.input.value.trim();
  }
  function autosize() {
    dom.input.style.height = "auto";
    dom.input.style.height = Math.min(dom.input.scrollHeight + 2, 168) + "px";
  }

  // ---- language -------------------------------------------------------------------------------
  function applyLang() {
    document.documentElement.lang = state.lang === "en" ? "en" : "zh-Hant-TW";
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = T(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = T(node.dataset.i18nPlaceholder);
    for (const node of document.querySelectorAll("[data-i18n-title]")) node.title = T(node.dataset.i18nTitle);
    if (narrow.matches) dom.input.placeholder = T("inputPlaceholderShort");
    dom.lang.textContent = T("lang");
    document.title = state.lang === "en" ? "PlusOne sandbox · group-buy +1" : "PlusOne 沙盒 · 團購 +1";
  }

  function renderAll() {
    applyLang();
    renderPeople();
    renderHeader();
    renderHints();
    renderThread();
    renderChatRows();
    if (state.quote) setQuote(state.quote);
  }

  // ---- events ---------------------------------------------------------------------------------
  dom.input.addEventListener("keydown", (e) => {
    // isComposing: Enter that confirms a Zhuyin/Pinyin candidate must not send
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      send();
    }
  });
  dom.input.addEventListener("input", () => { autosize(); updateSend(); });
  dom.send.addEventListener("click", send);
  dom.quoteClose.addEventListener("click", () => { clearQuote(); dom.input.focus(); });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    if (state.quote) { clearQuote(); e.preventDefault(); }
    else if (dom.panel.classList.contains("adding")) dom.panel.classList.remove("adding");
  });
  dom.newPerson.addEventListener("submit", (e) => { e.preventDefault(); addPerson(dom.newName.value); });
  dom.chatGroup.addEventListener("click", () => selectChat("group"));
  dom.chatUser.addEventListener("click", () => selectChat("user"));
  dom.lang.addEventListener("click", () => { state.lang = state.lang === "en" ? "zh" : "en"; save(); renderAll(); });
  dom.jump.addEventListener("click", scrollToBottom);
  dom.messages.addEventListener("scroll", () => { if (nearBottom()) dom.jump.hidden = true; });
  narrow.addEventListener("change", applyLang);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) schedule(0); });

  renderAll();
  refreshPeople();
  poll();
  setInterval(refreshPeople, 10000);
})();
