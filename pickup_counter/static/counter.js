// /counter: find a buyer, then add on, take payment, print, open the drawer and hand over.
// Everything goes through /api (PO.api: session + CSRF + Idempotency-Key). Buyer text is
// only ever put in the page as text (PO.el / textContent), never parsed as HTML.
"use strict";
(() => {
  const { E, t, api, el, money } = PO;
  const $ = (id) => document.getElementById(id);
  const root = $("counter");
  const canManage = root.dataset.canManage === "1";
  const searchForm = $("search-form");
  const q = $("q");
  const results = $("results");
  const panel = $("panel");
  const addonForm = $("addon-form");
  const barcode = $("barcode");
  const addonMsg = $("addon-msg");
  const addonItems = $("addon-items");
  const payForm = $("pay-form");
  const amountInput = $("amount");
  const tenderedInput = $("tendered");
  const payButton = $("pay-button");
  const changeOut = $("change");
  const printButton = $("print-button");
  const drawerButton = $("drawer-button");
  const handoverButton = $("handover-button");
  const override = $("override");
  const overrideConfirm = $("override-confirm");
  const stacked = window.matchMedia("(max-width: 899px)");

  const state = {
    orders: new Map(),     // number -> order view (as the API answers it)
    owners: new Map(),     // number -> member (or null for a walk-in order)
    selected: null,        // order number
    method: "cash",
    items: new Map(),      // campaign id -> items (GET /api/campaigns/{id})
    cashTaken: new Set(),  // orders that took cash on this page: their first receipt opens the drawer
    pending: null,         // {number, body, key}: a payment not yet answered for good keeps its key
    prefilled: "",         // the amount the page filled in (the balance)
    busy: new Set(),       // actions in flight
    seq: 0,
  };
  const printed = new Set(JSON.parse(sessionStorage.getItem("po.printed") || "[]"));
  // The server knows whether an original was printed; the Set covers this page's own prints.
  const wasPrinted = (order) => Boolean(order.receipt_printed) || printed.has(order.number);

  // --- helpers -----------------------------------------------------------------------

  const whole = PO.whole;

  function show(node, message, kind) {
    PO.message(node, message, kind);
    if (message) reveal(node);
  }

  // The panel scrolls on a short screen: bring a new message into view.
  function reveal(node) {
    requestAnimationFrame(() => node.scrollIntoView({ block: "nearest" }));
  }

  function pickupText(campaign) {
    if (!campaign) return "";
    const day = (iso) => (iso ? iso.slice(5).replace("-", "/") : "");
    const when = [day(campaign.pickup_from), day(campaign.pickup_until)].filter(Boolean).join("–");
    const parts = [when, campaign.pickup_place].filter(Boolean).join(" · ");
    return parts ? t("counter.pickup", { when: parts }) : "";
  }

  function itemName(item) {
    return `${item.label} ${item.name}`;
  }

  // The API's messages are English; the ones a cashier meets every day are said here.
  function say(error, extra = {}) {
    const code = error.code;
    if (code === E.NETWORK || code === E.CSRF || code === E.UNAUTHORIZED) return error.message;
    if (code === E.OVERPAYMENT) return t("counter.err.overpayment", { amount: money(error.balance) });
    if (code === E.INVALID && error.field === "tendered") return t("counter.err.tendered");
    if (code === E.INVALID && error.field === "amount") return t("counter.err.amount");
    if (code === E.INVALID_STATE) return t("counter.err.not_open");
    if (code === E.ALREADY_HANDED_OVER) return t("counter.err.already");
    if (code === E.FORBIDDEN && error.limit !== undefined) return t("counter.err.discount_limit", { limit: money(error.limit) });
    if (code === E.FORBIDDEN) return t("counter.err.forbidden");
    if (code === E.DISCOUNT_TOO_LARGE) return t("counter.err.discount_too_large", { amount: money(error.balance) });
    if (code === E.IDEMPOTENCY_CONFLICT) return t("counter.err.in_flight");
    if (code === E.NOT_FOUND && error.field === "barcode" && extra.code)
      return t("counter.err.no_barcode_campaign", { code: extra.code });
    return error.message || t("err.internal");
  }

  async function guarded(name, button, fn) {
    if (state.busy.has(name)) return;
    state.busy.add(name);
    if (button) button.disabled = true;
    try {
      await fn();
    } finally {
      state.busy.delete(name);
      if (button) button.disabled = false;
      refreshButtons();
    }
  }

  // --- search ------------------------------------------------------------------------

  async function search(text, { select } = {}) {
    text = text.trim();
    PO.clearErrors(searchForm);
    if (!text) {
      q.focus();
      return;
    }
    const seq = ++state.seq;
    results.setAttribute("aria-busy", "true");
    const resp = await api("GET", "/api/lookup?q=" + encodeURIComponent(text));
    if (seq !== state.seq) return; // a newer search answered first
    results.removeAttribute("aria-busy");
    if (!resp.ok) {
      PO.showError(searchForm, resp.data.error, (e) => ({ message: say(e) }));
      return;
    }
    history.replaceState(null, "", "/counter?q=" + encodeURIComponent(text));
    closePanel({ keepUrl: true });
    renderResults(resp.data, text);
    const all = [...state.orders.values()];
    const open = all.filter((o) => o.status === "open");
    const wanted = select && state.orders.get(String(select));
    const only = wanted || (open.length === 1 ? open[0] : all.length === 1 ? all[0] : null);
    if (only) selectOrder(only.number, { focus: !select });
  }

  function renderResults(data, text) {
    state.orders.clear();
    state.owners.clear();
    const members = data.members || [];
    const loose = data.orders || [];
    if (!members.length && !loose.length) {
      results.replaceChildren(el("div", { class: "empty card", role: "alert" },
        el("p", { class: "empty-title" }, t("counter.no_buyer", { q: text })),
        el("p", { class: "muted" }, t("counter.no_buyer_hint"))));
      return;
    }
    const nodes = [];
    let openCount = 0;
    for (const member of members) {
      for (const order of member.orders) {
        state.orders.set(order.number, order);
        state.owners.set(order.number, member);
        openCount += 1;
      }
      nodes.push(memberCard(member));
    }
    if (loose.length) {
      for (const order of loose) {
        state.orders.set(order.number, order);
        state.owners.set(order.number, null);
      }
      nodes.push(el("section", { class: "member card" },
        el("h2", { class: "member-name" }, t("counter.other_orders")),
        loose.map((o) => orderCard(o))));
    }
    results.replaceChildren(
      el("p", { class: "found muted" }, t("counter.found", { members: members.length, orders: openCount })),
      ...nodes);
  }

  function memberCard(member) {
    return el("section", { class: "member card", dataset: { memberId: member.id } },
      el("header", { class: "member-head" },
        el("h2", { class: "member-name" }, member.display_name || "—"),
        el("span", { class: "member-phone" }, member.phone || t("counter.no_phone")),
        el("a", { class: "member-link", href: `/manager/members/${Number(member.id)}` }, t("people.buyer_page"))),
      member.orders.length ? member.orders.map((o) => orderCard(o))
        : el("p", { class: "muted" }, t("counter.no_open_orders")),
      // 一起結帳 (checkout.js): the buyer's open orders paid at once; then the search shows them handed over
      PO.checkoutBox ? PO.checkoutBox(member, (done, said) => {
        PO.toast(said, "ok");
        search(q.value);
      }) : null);
  }

  function statusBadge(order) {
    if (order.status === "open") return null;
    return el("span", { class: `badge ${order.status === "picked_up" ? "ok" : "bad"} status` },
      t(`counter.status.${order.status}`));
  }

  // Lines of one item booked by several messages show as one row (A ×4, not A ×2, A ×2);
  // each line keeps its id (the row lists them) for corrections.
  function mergedLines(order) {
    const rows = new Map();
    for (const l of order.lines) {
      if (l.status === "cancelled") continue;
      const key = [l.label, l.status, l.unit_price, l.source === "addon", l.note || ""].join("\u0000");
      const row = rows.get(key);
      if (row) {
        row.qty += l.qty;
        row.ids.push(l.id);
      } else {
        rows.set(key, { ...l, ids: [l.id] });
      }
    }
    return [...rows.values()];
  }

  function linesTable(order) {
    const rows = mergedLines(order).map((l) => {
      const waiting = l.status === "waitlisted";
      return el("tr", { class: waiting ? "waitlisted" : "", dataset: { lineIds: l.ids.join(" "), status: l.status } },
        el("td", {},
          el("span", { class: "label" }, l.label), " ", l.name,
          waiting ? el("span", { class: "badge warn" }, t("counter.waitlisted")) : null,
          l.source === "addon" ? el("span", { class: "badge" }, t("counter.addon")) : null),
        el("td", { class: "num" }, `×${l.qty}`),
        el("td", { class: "num col-unit" }, money(l.unit_price)),
        el("td", { class: "num" }, waiting ? "—" : money(l.qty * l.unit_price)),
        order.status === "open" ? el("td", { class: "fix" }, el("button", {
          type: "button", class: "line-minus", title: t("counter.remove_one"),
          "aria-label": `${t("counter.remove_one")} ${l.label} ${l.name}`,
          onclick: (ev) => { ev.stopPropagation(); removeOne(order, l.ids); },
        }, "−1")) : null);
    });
    return el("table", { class: "lines" },
      el("thead", {}, el("tr", {},
        el("th", {}, t("counter.col_item")), el("th", { class: "num" }, t("counter.col_qty")),
        el("th", { class: "num col-unit" }, t("counter.col_unit")), el("th", { class: "num" }, t("counter.col_amount")),
        order.status === "open" ? el("th", {}, "") : null)),
      el("tbody", {}, rows));
  }

  // A mistaken tap undone: one unit off the newest line of the row (a line of one is removed).
  async function removeOne(order, ids) {
    const line = order.lines.find((l) => l.id === ids[ids.length - 1]);
    if (!line || state.busy.has("fix")) return;
    state.busy.add("fix");
    try {
      const resp = await api("PATCH", `/api/orders/${encodeURIComponent(order.number)}/lines/${line.id}`,
        { body: { qty: line.qty - 1 } });
      if (resp.ok) {
        updateOrder(resp.data);
        show($("addon-msg"), t("counter.removed_one", { item: `${line.label} ${line.name}` }), "ok");
      } else show($("addon-msg"), say(resp.data.error), "error");
    } finally {
      state.busy.delete("fix");
    }
  }

  function totals(order) {
    const due = order.balance > 0;
    const credit = order.balance < 0;
    return el("dl", { class: "totals" },
      order.discount ? el("div", { class: "discount" }, el("dt", {}, t("counter.discount_line")),
        el("dd", { class: "num" }, money(-order.discount))) : null,
      el("div", {}, el("dt", {}, t("counter.total")), el("dd", { class: "num" }, money(order.total))),
      el("div", {}, el("dt", {}, t("counter.paid")), el("dd", { class: "num" }, money(order.paid))),
      order.reported ? el("div", { class: "reported" }, el("dt", {}, t("counter.reported")),
        el("dd", { class: "num" }, money(order.reported))) : null,
      el("div", { class: due ? "balance due" : credit ? "balance credit" : "balance settled" },
        el("dt", {}, due ? t("counter.balance") : credit ? t("counter.credit") : t("counter.paid_in_full")),
        el("dd", { class: "num" }, money(Math.abs(order.balance)))));
  }

  // A manager gives back what the order was overpaid, by the payment's method, saying why.
  $("refund-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const order = current();
    const form = $("refund-form");
    const reason = $("refund-reason").value.trim();
    if (!order || order.balance >= 0) return;
    if (!reason) {
      PO.showError(form, { field: "reason", message: t("counter.refund_need_reason") });
      return;
    }
    const last = [...order.payments].reverse().find((p) => p.status === "confirmed" && p.amount > 0);
    await guarded("refund", $("refund-button"), async () => {
      const resp = await api("POST", `/api/orders/${encodeURIComponent(order.number)}/refunds`,
        { body: { method: last ? last.method : "cash", amount: -order.balance, reason } });
      if (!resp.ok) {
        PO.showError(form, resp.data.error, (e) => ({ message: say(e) }));
        return;
      }
      $("refund-reason").value = "";
      updateOrder(resp.data.order);
      show($("addon-msg"), t("counter.refunded", { amount: money(-resp.data.payment.amount),
                                                  method: t(`counter.method.${resp.data.payment.method}`) }), "ok");
    });
  });

  // 抹零 (the odd dollars of the balance) in one tap, or a discount with why; a cashier's limit
  // is the server's to keep (403 beyond it, shown next to the amount).
  async function giveDiscount(body) {
    const order = current();
    const form = $("discount-form");
    PO.clearErrors(form);
    await guarded("discount", $("discount-button"), async () => {
      const resp = await api("POST", `/api/orders/${encodeURIComponent(order.number)}/discounts`, { body });
      if (!resp.ok) {
        PO.showError(form, resp.data.error, (e) => ({ message: say(e) }));
        return;
      }
      $("discount-amount").value = "";
      $("discount-reason").value = "";
      $("discount-fields").hidden = true;
      updateOrder(resp.data.order);
      show($("addon-msg"), t("counter.discounted", { amount: money(resp.data.discount.amount) }), "ok");
    });
  }

  $("round-off").addEventListener("click", () => {
    const order = current();
    if (order && order.balance % 10) giveDiscount({ amount: order.balance % 10, kind: "rounding",
                                                    reason: t("counter.round_reason") });
  });
  $("discount-toggle").addEventListener("click", () => {
    $("discount-fields").hidden = !$("discount-fields").hidden;
    if (!$("discount-fields").hidden) $("discount-amount").focus();
  });
  $("discount-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = $("discount-form");
    const amount = whole($("discount-amount").value);
    const reason = $("discount-reason").value.trim();
    if (Number.isNaN(amount) || amount <= 0) {
      PO.showError(form, { field: "amount", message: t("shift.bad_amount") });
      return;
    }
    if (!reason) {
      PO.showError(form, { field: "reason", message: t("counter.discount_need_reason") });
      return;
    }
    giveDiscount({ amount, reason });
  });

  function orderCard(order) {
    const selected = state.selected === order.number;
    const card = el("article", {
      class: `order${selected ? " selected" : ""}${order.status !== "open" ? " done" : ""}`,
      tabindex: "0", role: "button", "aria-pressed": selected ? "true" : "false",
      dataset: { number: order.number },
    },
      el("header", { class: "order-head" },
        el("span", { class: "order-no" }, t("counter.order_no", { n: order.number })),
        el("span", { class: "campaign-title" }, order.campaign ? order.campaign.title : t("counter.walk_in")),
        statusBadge(order)),
      order.campaign ? el("p", { class: "pickup muted" }, pickupText(order.campaign)) : null,
      linesTable(order),
      totals(order));
    card.addEventListener("click", () => selectOrder(order.number));
    card.addEventListener("keydown", (ev) => {
      if ((ev.key === "Enter" || ev.key === " ") && ev.target === card) {
        ev.preventDefault();
        selectOrder(order.number);
      }
    });
    return card;
  }

  function cardOf(number) {
    return results.querySelector(`.order[data-number="${CSS.escape(String(number))}"]`);
  }

  function updateOrder(view) {
    state.orders.set(view.number, view);
    const old = cardOf(view.number);
    if (old) old.replaceWith(orderCard(view));
    if (state.selected === view.number) renderPanel();
  }

  async function reloadOrder(number) {
    const resp = await api("GET", `/api/orders/${encodeURIComponent(number)}`);
    if (resp.ok) updateOrder(resp.data);
    return resp;
  }

  // --- the action panel --------------------------------------------------------------

  function selectOrder(number, { focus = true } = {}) {
    number = String(number);
    if (!state.orders.has(number)) return;
    const changed = state.selected !== number;
    state.selected = number;
    results.querySelectorAll(".order").forEach((c) => {
      const on = c.dataset.number === number;
      c.classList.toggle("selected", on);
      c.setAttribute("aria-pressed", on ? "true" : "false");
    });
    if (changed) {
      for (const node of [addonMsg, $("job-status"), $("drawer-status"), $("handover-msg")]) show(node, "");
      delete $("job-status").dataset.jobStatus;
      $("pay-result").hidden = true;
      hideOverride();
      barcode.value = "";
      tenderedInput.value = "";
      setMethod("cash");
      PO.clearErrors(payForm);
    }
    panel.hidden = false;
    root.classList.add("has-panel");
    renderPanel({ resetAmount: changed });
    loadItems();
    const url = new URL(location.href);
    url.searchParams.set("order", number);
    history.replaceState(null, "", url.pathname + url.search);
    if (stacked.matches) panel.scrollIntoView({ block: "start" });
    if (focus) (state.orders.get(number).status === "open" ? barcode : printButton).focus({ preventScroll: !stacked.matches });
  }

  function closePanel({ keepUrl = false } = {}) {
    const number = state.selected;
    state.selected = null;
    panel.hidden = true;
    root.classList.remove("has-panel");
    hideOverride();
    results.querySelectorAll(".order.selected").forEach((c) => {
      c.classList.remove("selected");
      c.setAttribute("aria-pressed", "false");
    });
    if (!keepUrl) {
      const url = new URL(location.href);
      url.searchParams.delete("order");
      history.replaceState(null, "", url.pathname + url.search);
    }
    return number;
  }

  function current() {
    return state.selected ? state.orders.get(state.selected) : null;
  }

  function renderPanel({ resetAmount = false } = {}) {
    const order = current();
    if (!order) return;
    const owner = state.owners.get(order.number);
    $("panel-title").replaceChildren(...[
      el("span", { class: "order-no" }, t("counter.order_no", { n: order.number })),
      owner ? el("span", { class: "panel-name" }, owner.display_name || "—") : null,
      statusBadge(order)].filter(Boolean));
    $("panel-sub").textContent = order.campaign ? order.campaign.title : t("counter.walk_in");
    const due = order.balance > 0;
    const credit = order.balance < 0;  // paid more than the order now costs: never shown as settled
    $("due-box").className = `due-box ${due ? "due" : credit ? "credit" : "settled"}`;
    $("due-label").textContent = due ? t("counter.balance") : credit ? t("counter.credit") : t("counter.paid_in_full");
    $("panel-balance").textContent = money(Math.abs(order.balance));
    $("refund-form").hidden = !credit || !canManage;
    $("refund-text").textContent = credit ? t("counter.refund_due", { amount: money(-order.balance) }) : "";
    // …or moves it to another open order of the same buyer (checkout.js)
    if (PO.creditMove) PO.creditMove($("credit-move"), order, credit && canManage ? [...state.orders.values()].filter(
      (o) => o.number !== order.number && state.owners.get(o.number) === owner && owner && o.status === "open"
        && o.balance > 0) : [], (views) => views.forEach(updateOrder));
    $("panel-lines").replaceChildren(totals(order)); // the lines are on the order's card
    const open = order.status === "open";
    $("discount-form").hidden = !open || !due;
    $("round-off").hidden = !(order.balance % 10);
    $("round-off").textContent = t("counter.round_off", { amount: money(order.balance % 10) });
    addonForm.hidden = !open || !order.campaign;
    payForm.hidden = !open || !due;
    // The amount follows the balance until the cashier types their own (a split payment).
    if (resetAmount || amountInput.value === state.prefilled || whole(amountInput.value) > order.balance) {
      amountInput.value = due ? String(order.balance) : "";
      state.prefilled = amountInput.value;
    }
    updateChange();
    refreshButtons();
  }

  function refreshButtons() {
    const order = current();
    if (!order) return;
    const open = order.status === "open";
    printButton.textContent = order.receipt_queued ? t("counter.retry_print")
      : wasPrinted(order) ? t("counter.reprint") : t("counter.print");
    handoverButton.disabled = !open || state.busy.has("handover");
    handoverButton.textContent = open ? t("counter.handover") : t("counter.handed_over");
    printButton.disabled = state.busy.has("print");
    drawerButton.disabled = state.busy.has("drawer");
    payButton.disabled = state.busy.has("pay");
    if (!state.busy.has("pay")) {
      const amount = whole(amountInput.value);
      payButton.textContent = t("counter.pay_button", { amount: Number.isNaN(amount) ? "" : money(amount) });
    }
  }

  // --- add-ons -----------------------------------------------------------------------

  async function loadItems() {
    const order = current();
    if (!order || !order.campaign) {
      addonItems.replaceChildren();
      return;
    }
    const id = order.campaign.id;
    const resp = await api("GET", `/api/campaigns/${id}`);
    if (!resp.ok) return;
    state.items.set(id, resp.data.items);
    if (current() && current().campaign && current().campaign.id === id) renderItems(resp.data.items);
  }

  function renderItems(items) {
    addonItems.replaceChildren(...items.map((item) => {
      const left = item.left;  // null: no cap
      const soldOut = left === 0;
      return el("button", {
        type: "button", class: `item${soldOut ? " sold-out" : ""}`, disabled: soldOut,
        dataset: { itemId: item.id, barcode: item.barcode || "" },
        onclick: () => addOn({ item_id: item.id, qty: 1 }),
      },
        el("span", { class: "item-name" }, itemName(item)),
        el("span", { class: "item-meta" }, money(item.price),
          left === null ? null : el("span", { class: soldOut ? "badge bad" : "badge" },
            soldOut ? t("counter.sold_out") : t("counter.left", { n: left }))));
    }));
  }

  function findItem(order, { itemId, code }) {
    const items = (order && order.campaign && state.items.get(order.campaign.id)) || [];
    return items.find((i) => (itemId !== undefined ? i.id === itemId : i.barcode === code));
  }

  async function addOn(ref) {
    const order = current();
    if (!order) return;
    show(addonMsg, "");
    PO.clearErrors(addonForm);
    if (ref.barcode !== undefined && !ref.barcode) {
      show(addonMsg, t("counter.err.barcode_empty"), "error");
      barcode.focus();
      return;
    }
    await guarded("addon", addonForm.querySelector('button[type="submit"]'), async () => {
      const resp = await api("POST", `/api/orders/${encodeURIComponent(order.number)}/lines`, { body: ref });
      if (resp.ok) {
        const line = resp.data.line;
        updateOrder(resp.data.order);
        show(addonMsg, t("counter.added", { item: `${line.label} ${line.name}`, qty: line.qty }), "ok");
        barcode.value = "";
        loadItems();
      } else {
        const error = resp.data.error;
        if (error.code === E.SOLD_OUT) {
          const item = findItem(order, { itemId: error.item_id }) || findItem(order, { code: ref.barcode });
          const name = item ? itemName(item) : (ref.barcode || "");
          show(addonMsg, error.available ? t("counter.err.only_left", { item: name, n: error.available })
            : t("counter.err.sold_out", { item: name }), "error");
          loadItems();
        } else {
          show(addonMsg, say(error, { code: ref.barcode }), "error");
        }
        barcode.select();
      }
      barcode.focus();
    });
  }

  addonForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    addOn({ barcode: barcode.value.trim() });
  });

  // --- payment -----------------------------------------------------------------------

  function setMethod(method) {
    state.method = method;
    payForm.querySelectorAll("[data-method]").forEach((b) =>
      b.setAttribute("aria-pressed", b.dataset.method === method ? "true" : "false"));
    const cash = method === "cash";
    $("tendered-field").hidden = !cash;
    $("quick-tender").hidden = !cash;
    $("change-box").hidden = !cash;
    if (!cash) tenderedInput.value = "";
    PO.clearErrors(payForm);
    updateChange();
  }

  function updateChange() {
    suggestRounds();
    const amount = whole(amountInput.value);
    const tendered = whole(tenderedInput.value);
    const box = $("change-box");
    box.classList.remove("short");
    box.classList.toggle("empty", Number.isNaN(tendered) || Number.isNaN(amount));
    if (Number.isNaN(tendered) || Number.isNaN(amount)) changeOut.textContent = "—";
    else if (tendered < amount) {
      box.classList.add("short");
      changeOut.textContent = t("counter.short", { amount: money(amount - tendered) });
    } else changeOut.textContent = money(tendered - amount);
    refreshButtons();
  }

  payForm.querySelectorAll("[data-method]").forEach((b) => b.addEventListener("click", () => {
    setMethod(b.dataset.method);
    amountInput.focus();
  }));
  function tender(value) {
    tenderedInput.value = value;
    updateChange();
    payButton.focus();
  }

  // The notes a buyer is likely to hand over for this amount: the next round 100, 500 and 1000.
  function suggestRounds() {
    const amount = whole(amountInput.value);
    const rounds = Number.isNaN(amount) || amount <= 0 ? [] :
      [...new Set([100, 500, 1000].map((step) => Math.ceil(amount / step) * step))].filter((v) => v > amount);
    $("round-tender").replaceChildren(...rounds.map((v) =>
      el("button", { type: "button", "data-round": String(v), onclick: () => tender(String(v)) }, String(v))));
  }

  payForm.querySelector('[data-tender="exact"]').addEventListener("click", () => {
    const amount = whole(amountInput.value);
    tender(Number.isNaN(amount) ? "" : String(amount));
  });
  // A note button adds what it says: 500 twice is 1000 handed over.
  payForm.querySelectorAll("[data-add]").forEach((b) => b.addEventListener("click", () => {
    const had = whole(tenderedInput.value);
    tender(String((Number.isNaN(had) ? 0 : had) + Number(b.dataset.add)));
  }));
  amountInput.addEventListener("input", updateChange);
  tenderedInput.addEventListener("input", updateChange);

  async function pay() {
    const order = current();
    if (!order || state.busy.has("pay")) return;
    PO.clearErrors(payForm);
    const amount = whole(amountInput.value);
    if (Number.isNaN(amount) || amount <= 0) {
      PO.showError(payForm, { field: "amount", message: t("counter.err.amount") });
      return;
    }
    const body = { method: state.method, amount };
    if (state.method === "cash" && tenderedInput.value.trim() !== "") {
      const tendered = whole(tenderedInput.value);
      if (Number.isNaN(tendered)) {
        PO.showError(payForm, { field: "tendered", message: t("counter.err.tendered_number") });
        return;
      }
      if (tendered < amount) {
        PO.showError(payForm, { field: "tendered", message: t("counter.err.tendered") });
        return;
      }
      body.tendered = tendered;
    }
    // One action, one key: a retry of the same payment (lost answer, double submit) reuses it.
    const json = JSON.stringify(body);
    if (!state.pending || state.pending.number !== order.number || state.pending.body !== json) {
      state.pending = { number: order.number, body: json, key: PO.newKey() };
    }
    const key = state.pending.key;
    await guarded("pay", payButton, async () => {
      payButton.textContent = t("counter.paying");
      const resp = await api("POST", `/api/orders/${encodeURIComponent(order.number)}/payments`, { body, key });
      if (resp.ok || (resp.status >= 400 && resp.status < 500)) state.pending = null; // answered for good
      if (!resp.ok) {
        PO.showError(payForm, resp.data.error, (e) => ({ message: say(e) }));
        return;
      }
      const p = resp.data;
      if (p.method === "cash") state.cashTaken.add(order.number);
      $("pay-result-text").textContent = t("counter.took", { method: t(`counter.method.${p.method}`), amount: money(p.amount) });
      $("pay-result-change").textContent = money(p.change || 0);
      $("pay-result").classList.toggle("cash", p.method === "cash");
      $("pay-result").hidden = false;
      show(addonMsg, "");
      tenderedInput.value = "";
      await reloadOrder(order.number);
      amountInput.value = p.balance > 0 ? String(p.balance) : "";
      state.prefilled = amountInput.value;
      updateChange();
      if (p.balance <= 0 && state.selected === order.number) {
        await printReceipt();
        handoverButton.focus();
      } else if (p.balance > 0) amountInput.focus();
    });
  }

  payForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    pay();
  });

  // --- receipt, drawer, handover -----------------------------------------------------

  async function printReceipt() {
    const order = current();
    if (!order) return;
    const status = $("job-status");
    await guarded("print", printButton, async () => {
      // An original still waiting for the printer is tried again, never printed a second time.
      const retry = order.receipt_queued;
      const copy = !retry && wasPrinted(order);
      const body = { copy };
      if (!copy && state.cashTaken.has(order.number)) body.open_drawer = true;
      show(status, t("counter.printing"), "");
      const resp = retry ? await api("POST", `/api/print-jobs/${retry}/retry`, { body: {} })
        : await api("POST", `/api/orders/${encodeURIComponent(order.number)}/receipt`, { body });
      if (!resp.ok) {
        show(status, say(resp.data.error), "error");
        return;
      }
      const job = resp.data;
      order.receipt_queued = !copy && job.status === "queued" ? job.id : null;
      if (job.status !== "failed") {
        printed.add(order.number);
        sessionStorage.setItem("po.printed", JSON.stringify([...printed].slice(-200)));
      }
      if (job.status === "printed") show(status, copy ? t("counter.job.copy_printed") : t("counter.job.printed"), "ok");
      else if (job.status === "queued") show(status, t("counter.job.queued", { error: job.error || "" }), "error");
      else show(status, t("counter.job.failed", { error: job.error || "" }), "error");
      status.dataset.job = job.id;
      status.dataset.jobStatus = job.status;
    });
  }

  async function openDrawer() {
    const status = $("drawer-status");
    await guarded("drawer", drawerButton, async () => {
      const resp = await api("POST", "/api/drawer/open", { body: {} });
      if (resp.ok) show(status, t("counter.drawer_opened"), "ok");
      else if (resp.data.error.code === E.PRINTER_UNAVAILABLE) {
        const job = resp.data.error.job || {};
        show(status, t("counter.drawer_failed", { error: job.error || resp.data.error.message }), "error");
      } else show(status, say(resp.data.error), "error");
    });
  }

  function hideOverride() {
    override.hidden = true;
    overrideConfirm.hidden = true;
  }

  async function handOver(force) {
    const order = current();
    if (!order) return;
    const msg = $("handover-msg");
    await guarded("handover", handoverButton, async () => {
      const resp = await api("POST", `/api/orders/${encodeURIComponent(order.number)}/handover`,
        { body: force ? { force: true } : {} });
      if (resp.ok) {
        hideOverride();
        const done = resp.data.handover;
        show(msg, done.forced ? t("counter.handed_over_forced", { amount: money(done.balance_at_handover) })
          : t("counter.handed_over"), "ok");
        updateOrder(resp.data.order);
        printButton.focus();
        return;
      }
      const error = resp.data.error;
      if (error.code === E.BALANCE_DUE) {
        const amount = money(error.balance);
        msg.replaceChildren(...[
          el("strong", { class: "msg-line" }, t("counter.err.balance_due", { amount })),
          canManage ? null : el("span", { class: "msg-line" }, t("counter.err.need_manager"))].filter(Boolean));
        msg.className = "msg error";
        msg.hidden = false;
        reveal(msg);
        if (canManage) {
          override.hidden = false;
          overrideConfirm.hidden = true;
          $("override-text").textContent = t("counter.override_confirm_text", { amount });
          $("override-button").focus();
        }
        await reloadOrder(order.number);
      } else {
        hideOverride();
        show(msg, say(error), "error");
        if (error.code === E.ALREADY_HANDED_OVER) await reloadOrder(order.number);
      }
    });
  }

  printButton.addEventListener("click", () => printReceipt());
  drawerButton.addEventListener("click", () => openDrawer());
  handoverButton.addEventListener("click", () => handOver(false));
  $("override-button").addEventListener("click", () => {
    overrideConfirm.hidden = false;
    $("override-no").focus();
  });
  $("override-yes").addEventListener("click", () => handOver(true));
  $("override-no").addEventListener("click", () => {
    hideOverride();
    handoverButton.focus();
  });
  $("panel-close").addEventListener("click", () => {
    const card = cardOf(closePanel());
    (card || q).focus();
  });

  // --- keys and start ----------------------------------------------------------------

  // Esc: cancel an override, else close the panel (focus on its card), else back to search.
  function escape() {
    if (!override.hidden) {
      hideOverride();
      handoverButton.focus();
      return;
    }
    if (state.selected) {
      const number = closePanel();
      const card = cardOf(number);
      if (card) card.focus();
      else q.focus();
      return;
    }
    q.focus();
    q.select();
  }
  document.addEventListener("po:escape", escape);

  searchForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    search(q.value);
  });

  if (root.dataset.q) search(root.dataset.q, { select: root.dataset.order || undefined });
  else q.focus();
})();
