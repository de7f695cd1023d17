// /counter: 「一起結帳」 — several open orders of one buyer paid at once (POST /api/checkouts),
// handed over, and one receipt printed (POST /api/checkouts/{id}/receipt). counter.js puts
// PO.checkoutBox(member, onDone) in a buyer's card when they have two or more open orders.
"use strict";
(() => {
  const { t, api, el, money } = PO;
  const METHODS = ["cash", "card", "linepay", "jkopay"];

  // The refusals a cashier meets here, in the page's words; anything else as the API says it.
  function say(error) {
    const code = error.code;
    if (code === PO.E.PAYMENT_MISMATCH) return t("checkout.err.mismatch", { amount: money(error.total) });
    if ([PO.E.INVALID_STATE, PO.E.OTHER_BUYER, PO.E.CREDIT_TOO_LARGE, PO.E.OVERPAYMENT].includes(code))
      return t("checkout.err.changed");
    if (code === PO.E.FORBIDDEN) return t("counter.err.forbidden");
    return error.message || t("err.internal");
  }

  function checkoutBox(member, onDone) {
    const open = member.orders.filter((o) => o.status === "open" && o.balance >= 0);
    if (open.length < 2) return null;
    const key = { value: null };  // one key per attempt: a retried tap is recorded once
    let method = "cash";
    const boxes = open.map((o) => el("input", {
      type: "checkbox", class: "checkout-order", value: o.number, checked: o.balance > 0,
      "aria-label": t("counter.order_no", { n: o.number }), onchange: () => { key.value = null; refresh(); },
    }));
    const total = el("strong", { class: "checkout-total num" });
    const tendered = el("input", { type: "text", inputmode: "numeric", class: "checkout-tendered", name: "tendered",
                                   placeholder: t("counter.tendered"), "aria-label": t("counter.tendered") });
    const change = el("span", { class: "checkout-change muted" });
    const msg = el("p", { class: "checkout-msg", role: "status" });
    const pay = el("button", { type: "submit", class: "primary checkout-pay" }, t("checkout.pay"));
    const methodButtons = METHODS.map((m) => el("button", {
      type: "button", dataset: { method: m }, "aria-pressed": m === method ? "true" : "false",
      onclick: () => {
        method = m;
        key.value = null;
        methodButtons.forEach((b) => b.setAttribute("aria-pressed", b.dataset.method === m ? "true" : "false"));
        tendered.hidden = m !== "cash";
        refresh();
      },
    }, t(`counter.method.${m}`)));

    const chosen = () => open.filter((o, i) => boxes[i].checked);
    const sum = () => chosen().reduce((s, o) => s + o.balance, 0);
    function refresh() {
      total.textContent = `${t("checkout.orders", { n: chosen().length })} · ${money(sum())}`;
      const given = PO.whole(tendered.value);
      change.textContent = method === "cash" && given && given >= sum()
        ? `${t("counter.change")} ${money(given - sum())}` : "";
      pay.disabled = chosen().length < 2;
    }
    tendered.addEventListener("input", () => { key.value = null; refresh(); });

    const form = el("form", { class: "checkout-form", hidden: true, novalidate: true },
      el("p", { class: "muted" }, t("checkout.pick")),
      el("ul", { class: "checkout-orders" }, open.map((o, i) => el("li", {}, el("label", {}, boxes[i], " ",
        t("counter.order_no", { n: o.number }), " ", o.campaign ? o.campaign.title : "", " ",
        el("span", { class: "num" }, money(o.balance)))))),
      el("div", { class: "methods", role: "group" }, methodButtons),
      el("div", { class: "checkout-sum" }, total, tendered, change),
      el("div", { class: "checkout-actions" }, pay,
        el("button", { type: "button", onclick: () => { form.hidden = true; toggle.hidden = false; } },
          t("checkout.cancel"))),
      msg);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (pay.disabled) return;
      const amount = sum();
      const payment = { method, amount };
      const given = PO.whole(tendered.value);
      if (method === "cash" && given) payment.tendered = given;
      key.value = key.value || PO.newKey();
      pay.disabled = true;
      try {
        const resp = await api("POST", "/api/checkouts", { key: key.value, body: {
          orders: chosen().map((o) => o.number), payments: [payment], hand_over: true } });
        if (!resp.ok) {
          PO.message(msg, say(resp.data.error), "error");
          return;
        }
        const done = resp.data;
        await api("POST", `/api/checkouts/${done.id}/receipt`, { body: { open_drawer: method === "cash" } });
        onDone(done, t("checkout.done", { n: done.orders.length, amount: money(done.total) }));
      } finally {
        pay.disabled = false;
      }
    });
    const toggle = el("button", { type: "button", class: "checkout-toggle" , onclick: () => {
      form.hidden = false;
      toggle.hidden = true;
      refresh();
      boxes[0].focus();
    } }, t("checkout.together"));
    refresh();
    return el("div", { class: "checkout" }, toggle, form);
  }

  // In the panel's 溢收 form (a manager's): move the credit to another open order of the buyer,
  // with the why typed for a refund. `targets`: those orders (none: the row is hidden).
  function creditMove(box, order, targets, onMoved) {
    box.hidden = !targets.length;
    if (!targets.length) {
      box.replaceChildren();
      return;
    }
    const select = el("select", { id: "credit-to", "aria-label": t("checkout.move_to") }, targets.map((o) =>
      el("option", { value: o.number }, `${t("counter.order_no", { n: o.number })} ${o.campaign ? o.campaign.title : ""}`
        + ` (${money(o.balance)})`)));
    const button = el("button", { type: "button", id: "credit-move-button" }, t("checkout.move"));
    button.addEventListener("click", async () => {
      const form = box.closest("form");
      const reason = form.elements.reason.value.trim();
      PO.clearErrors(form);
      if (!reason) {
        PO.showError(form, { field: "reason", message: t("checkout.need_reason") });
        return;
      }
      const target = targets.find((o) => o.number === select.value);
      const amount = Math.min(-order.balance, target.balance);
      button.disabled = true;
      try {
        const resp = await api("POST", `/api/orders/${encodeURIComponent(order.number)}/credit-moves`,
          { body: { to: target.number, amount, reason } });
        if (!resp.ok) {
          PO.showError(form, resp.data.error, (e) => ({ message: say(e) }));
          return;
        }
        form.elements.reason.value = "";
        PO.toast(t("checkout.moved", { amount: money(amount), n: target.number }), "ok");
        onMoved([resp.data.target, resp.data.source]);
      } finally {
        button.disabled = false;
      }
    });
    box.replaceChildren(select, button);
  }

  PO.checkoutBox = checkoutBox;
  PO.creditMove = creditMove;
})();
