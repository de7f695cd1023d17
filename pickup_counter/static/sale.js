// /counter/sale: sell leftover stock to a walk-in customer. Tap an item or scan its barcode,
// take one or more payments that add up to the total, POST /api/sales, print the receipt.
"use strict";
(() => {
  const { E, t, api, el, money } = PO;
  const $ = (id) => document.getElementById(id);
  const root = $("sale");
  const scanForm = $("scan-form");
  const scan = $("sale-barcode");
  const scanMsg = $("scan-msg");
  const grid = $("leftovers");
  const cartBody = $("cart-lines");
  const saleForm = $("sale-form");
  const payLines = $("pay-lines");
  const charge = $("charge");
  const METHODS = ["cash", "card", "linepay", "jkopay"];

  const state = {
    items: new Map(),  // id -> {id, label, name, price, barcode, left, campaign}
    order: [],         // item ids in display order
    cart: new Map(),   // id -> qty
    pays: [],          // {method, amount, tendered, auto}
    busy: false,
    pending: null,     // {body, key}: a sale not yet answered keeps its key
  };

  const whole = PO.whole;
  const show = PO.message;

  const nameOf = (item) => (item.label ? `${item.label} ${item.name}` : item.name);
  let customs = 0;

  // --- stock -------------------------------------------------------------------------

  async function loadItems() {
    // Sold-out items come too (left 0): they are shown disabled, not hidden.
    const left = await api("GET", "/api/sales/leftovers?sold_out=1");
    if (!left.ok) {
      show(scanMsg, left.data.error.message, "error");
      return;
    }
    const items = new Map(left.data.items.map((it) => [it.id, { ...it, campaign: it.campaign.title }]));
    for (const [id, it] of state.items) if (it.custom) items.set(id, it);  // custom amounts stay in the cart
    const order = [...items.keys()].filter((id) => !items.get(id).custom);
    state.items = items;
    state.order = order;
    for (const [id, qty] of state.cart) {  // a cart kept across a reload of the stock
      const item = items.get(id);
      if (!item || item.left === 0) state.cart.delete(id);
      else if (item.left !== null && qty > item.left) state.cart.set(id, item.left);
    }
    renderItems();
    renderCart();
  }

  function renderItems() {
    grid.removeAttribute("aria-busy");
    $("no-leftovers").hidden = state.order.length > 0;
    grid.replaceChildren(...state.order.map((id) => {
      const item = state.items.get(id);
      const soldOut = item.left === 0;
      return el("button", {
        type: "button", class: "leftover", disabled: soldOut, dataset: { itemId: id, barcode: item.barcode || "" },
        onclick: () => add(id),
      },
        el("span", { class: "name" }, nameOf(item)),
        el("span", { class: "campaign" }, item.campaign || ""),
        el("span", { class: "meta" },
          el("span", { class: "price" }, money(item.price)),
          el("span", { class: soldOut ? "badge bad" : "badge" },
            soldOut ? t("counter.sold_out") : item.left === null ? t("counter.no_cap")
              : t("counter.left", { n: item.left }))));
    }));
  }

  // --- the cart ----------------------------------------------------------------------

  function total() {
    let sum = 0;
    for (const [id, qty] of state.cart) sum += state.items.get(id).price * qty;
    return sum;
  }

  function add(id, qty = 1) {
    const item = state.items.get(id);
    show(scanMsg, "");
    $("done").hidden = true;
    const want = (state.cart.get(id) || 0) + qty;
    if (item.left === 0) {
      show(scanMsg, t("counter.err.sold_out", { item: nameOf(item) }), "error");
      return;
    }
    if (item.left !== null && want > item.left) {
      show(scanMsg, t("counter.err.only_left", { item: nameOf(item), n: item.left }), "error");
      return;
    }
    if (want <= 0) state.cart.delete(id);
    else state.cart.set(id, want);
    renderCart();
  }

  function renderCart() {
    const rows = [...state.cart].map(([id, qty]) => {
      const item = state.items.get(id);
      return el("tr", { dataset: { itemId: id } },
        el("td", {}, el("strong", {}, item.label), " ", item.name, el("div", { class: "muted" }, money(item.price))),
        el("td", {}, el("span", { class: "qty" },
          el("button", { type: "button", "aria-label": t("sale.less"), onclick: () => add(id, -1) }, "−"),
          el("output", {}, String(qty)),
          el("button", { type: "button", "aria-label": t("sale.more"), onclick: () => add(id, 1) }, "+"))),
        el("td", { class: "num" }, money(item.price * qty)),
        el("td", {}, el("button", { type: "button", class: "remove", "aria-label": t("sale.remove"),
          onclick: () => { state.cart.delete(id); renderCart(); } }, "×")));
    });
    cartBody.replaceChildren(...rows);
    $("cart").hidden = rows.length === 0;
    $("cart-empty").hidden = rows.length > 0;
    $("sale-total").textContent = money(total());
    fillAuto();
    if (!state.pays.length) addPay("cash");
    else renderPays();
  }

  // --- payments ----------------------------------------------------------------------

  // The last line added fills in what the others leave of the total, until it is typed in.
  function fillAuto() {
    const fixed = state.pays.filter((p) => !p.auto).reduce((s, p) => s + (whole(p.amount) || 0), 0);
    for (const p of state.pays) if (p.auto) p.amount = String(Math.max(0, total() - fixed));
  }

  function addPay(method) {
    state.pays.forEach((p) => { p.auto = false; });
    state.pays.push({ method, amount: "", tendered: "", auto: true });
    fillAuto();
    renderPays();
  }

  function renderPays() {
    const many = state.pays.length > 1;
    payLines.replaceChildren(...state.pays.map((p, i) => {
      const amount = el("input", { name: `payments[${i}].amount`, inputmode: "numeric", autocomplete: "off",
        value: p.amount, "aria-label": t("counter.amount") });
      amount.addEventListener("input", () => { p.amount = amount.value; p.auto = false; fillAuto(); syncPays(); });
      const cash = p.method === "cash";
      const tendered = cash ? el("input", { name: `payments[${i}].tendered`, inputmode: "numeric", autocomplete: "off",
        value: p.tendered, "aria-label": t("counter.tendered") }) : null;
      if (tendered) tendered.addEventListener("input", () => { p.tendered = tendered.value; syncPays(); });
      const quick = cash ? el("div", { class: "quick" }, ["exact", "100", "500", "1000"].map((v) =>
        el("button", { type: "button", onclick: () => {
          p.tendered = v === "exact" ? String(whole(p.amount) || "") : v;
          tendered.value = p.tendered;
          syncPays();
          charge.focus();
        } }, v === "exact" ? t("counter.exact") : v))) : null;
      return el("div", { class: "pay-line", dataset: { index: i } },
        el("div", { class: "pay-line-head" },
          el("div", { class: "methods", role: "group" }, METHODS.map((m) =>
            el("button", { type: "button", "aria-pressed": m === p.method ? "true" : "false", dataset: { method: m },
              onclick: () => { p.method = m; if (m !== "cash") p.tendered = ""; renderPays(); } },
            t(`counter.method.${m}`)))),
          many ? el("button", { type: "button", class: "remove", "aria-label": t("sale.remove"),
            onclick: () => { state.pays.splice(i, 1); if (state.pays.length === 1) state.pays[0].auto = true;
              fillAuto(); renderPays(); } }, "×") : null),
        el("div", { class: "pay-fields" },
          el("div", { class: "pay-field" }, el("label", {}, t("counter.amount")), amount),
          cash ? el("div", { class: "pay-field" }, el("label", {}, t("counter.tendered")), tendered) : null),
        quick,
        cash ? el("div", { class: "change-box", dataset: { change: i } },
          el("span", {}, t("counter.change")), el("strong", { class: "change-amount" }, "—")) : null);
    }));
    syncPays();
  }

  // Update what follows from the inputs without rebuilding them (the cursor stays put).
  function syncPays() {
    state.pays.forEach((p, i) => {
      const amount = payLines.querySelector(`[name="payments[${i}].amount"]`);
      if (amount && p.auto && amount.value !== p.amount) amount.value = p.amount;
      const box = payLines.querySelector(`[data-change="${i}"]`);
      if (!box) return;
      const a = whole(p.amount);
      const tn = whole(p.tendered);
      const out = box.querySelector("strong");
      box.classList.remove("short");
      box.classList.toggle("empty", Number.isNaN(a) || Number.isNaN(tn));
      if (Number.isNaN(a) || Number.isNaN(tn)) out.textContent = "—";
      else if (tn < a) {
        box.classList.add("short");
        out.textContent = t("counter.short", { amount: money(a - tn) });
      } else out.textContent = money(tn - a);
    });
    const sum = state.pays.reduce((s, p) => s + (whole(p.amount) || 0), 0);
    const note = $("sum-note");
    const diff = total() - sum;
    note.textContent = !state.cart.size ? "" : diff > 0 ? t("sale.remaining", { amount: money(diff) })
      : diff < 0 ? t("sale.too_much", { amount: money(-diff) }) : state.pays.length > 1 ? t("sale.matches") : "";
    note.className = `sum-note ${diff === 0 ? "ok" : "bad"}`;
    if (!state.busy) charge.textContent = t("sale.charge", { amount: money(total()) });
  }

  $("split").addEventListener("click", () => {
    addPay("card");
    const inputs = payLines.querySelectorAll('input[name$=".amount"]');
    inputs[inputs.length - 1].focus();
  });

  // --- the sale ----------------------------------------------------------------------

  async function sell() {
    if (state.busy) return;
    PO.clearErrors(saleForm);
    if (!state.cart.size) {
      PO.showError(saleForm, { message: t("sale.err.empty") });
      scan.focus();
      return;
    }
    const payments = [];
    for (const [i, p] of state.pays.entries()) {
      const amount = whole(p.amount);
      if (Number.isNaN(amount) || amount <= 0) {
        PO.showError(saleForm, { field: `payments[${i}].amount`, message: t("counter.err.amount") });
        return;
      }
      const pay = { method: p.method, amount };
      if (p.method === "cash" && String(p.tendered).trim() !== "") {
        const tendered = whole(p.tendered);
        if (Number.isNaN(tendered) || tendered < amount) {
          PO.showError(saleForm, { field: `payments[${i}].tendered`, message: t("counter.err.tendered") });
          return;
        }
        pay.tendered = tendered;
      }
      payments.push(pay);
    }
    const sum = payments.reduce((s, p) => s + p.amount, 0);
    if (sum !== total()) {
      PO.showError(saleForm, { message: t("sale.err.payments", { amount: money(total()) }) });
      return;
    }
    const body = { lines: [...state.cart].map(([id, qty]) => {
      const item = state.items.get(id);
      return item.custom ? { name: item.name, price: item.price, qty } : { item_id: id, qty };
    }), payments };
    const json = JSON.stringify(body);
    if (!state.pending || state.pending.body !== json) state.pending = { body: json, key: PO.newKey() };
    state.busy = true;
    charge.disabled = true;
    charge.textContent = t("sale.charging");
    let resp;
    try {
      resp = await api("POST", "/api/sales", { body, key: state.pending.key });
    } finally {
      state.busy = false;
      charge.disabled = false;
    }
    if (resp.ok || (resp.status >= 400 && resp.status < 500)) state.pending = null;
    if (!resp.ok) {
      const error = resp.data.error;
      if (error.code === E.SOLD_OUT) {
        const item = state.items.get(error.item_id);
        const name = item ? nameOf(item) : "";
        PO.showError(saleForm, { message: error.available ? t("counter.err.only_left", { item: name, n: error.available })
          : t("counter.err.sold_out", { item: name }) });
        await loadItems();
      } else if (error.code === E.INVALID && error.field === "payments") {
        PO.showError(saleForm, { message: t("sale.err.payments", { amount: money(error.total ?? total()) }) });
      } else if (error.code === E.INVALID && /tendered$/.test(error.field || "")) {
        PO.showError(saleForm, { ...error, message: t("counter.err.tendered") });
      } else PO.showError(saleForm, error);
      syncPays();
      return;
    }
    const order = resp.data;
    const cash = payments.some((p) => p.method === "cash");
    const change = order.payments.reduce((s, p) => s + (p.change || 0), 0);
    $("done-text").textContent = t("sale.done", { n: order.number });
    $("done-change").textContent = money(change);
    $("done-change-row").hidden = !cash;
    $("done").hidden = false;
    state.cart.clear();
    state.pays = [];
    renderCart();
    await Promise.all([printReceipt(order.number, cash), loadItems()]);
    scan.focus();
  }

  async function printReceipt(number, cash) {
    const status = $("sale-job");
    show(status, t("counter.printing"), "");
    const resp = await api("POST", `/api/orders/${encodeURIComponent(number)}/receipt`,
      { body: { open_drawer: cash } });
    if (!resp.ok) {
      show(status, resp.data.error.message, "error");
      return;
    }
    const job = resp.data;
    status.dataset.jobStatus = job.status;
    if (job.status === "printed") show(status, t("counter.job.printed"), "ok");
    else if (job.status === "queued") show(status, t("counter.job.queued", { error: job.error || "" }), "error");
    else show(status, t("counter.job.failed", { error: job.error || "" }), "error");
  }

  // A custom amount: something no campaign lists (a gift box, a bag), sold at the price typed.
  $("custom-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = $("custom-form");
    PO.clearErrors(form);
    const name = $("custom-name").value.trim();
    const price = whole($("custom-price").value);
    if (!name) {
      PO.showError(form, { field: "name", message: t("sale.err.custom_name") });
      return;
    }
    if (Number.isNaN(price) || price <= 0) {
      PO.showError(form, { field: "price", message: t("counter.err.amount") });
      return;
    }
    customs += 1;
    const id = `custom-${customs}`;
    state.items.set(id, { id, label: "", name, price, barcode: null, left: null, custom: true, campaign: "" });
    $("custom-name").value = "";
    $("custom-price").value = "";
    add(id);
  });

  saleForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    sell();
  });

  scanForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const code = scan.value.trim();
    if (!code) return;
    const item = [...state.items.values()].find((i) => i.barcode === code);
    if (!item) show(scanMsg, t("sale.err.not_listed", { code }), "error");
    else add(item.id);
    scan.select();
  });

  // Esc: leave the field you are in for the barcode field; there, empty it.
  document.addEventListener("po:escape", () => {
    if (document.activeElement === scan) {
      scan.value = "";
      show(scanMsg, "");
    }
    scan.focus();
  });

  charge.textContent = t("sale.charge", { amount: money(0) });
  renderCart();
  loadItems();
})();
