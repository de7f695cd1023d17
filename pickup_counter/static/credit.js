// /manager/transfers: split a transfer that paid several orders of one buyer
// (POST /api/transfers/{id}/split), and settle credit — refund it, or move it to another open
// order of the same buyer (POST /api/orders/{number}/refunds | /credit-moves). After a write the
// page is read again: the lists are the server's.
"use strict";
(() => {
  const { t, api, showError, clearErrors, toast } = PO;
  const whole = PO.whole;

  document.addEventListener("click", (ev) => {
    const button = ev.target.closest('[data-action="split"], [data-action="split-cancel"]');
    if (!button) return;
    const row = button.closest("tr.transfer");
    const form = row.querySelector(".split-form");
    const open = button.dataset.action === "split";
    form.hidden = !open;
    row.querySelector('[data-action="split"]').hidden = open;
    if (open) {
      clearErrors(form);
      form.querySelector("input").focus();
    }
  });

  async function done(resp, form, said) {
    if (!resp.ok) {
      showError(form, resp.data.error, (e) => ({ message: e.message }));
      return;
    }
    toast(said, "ok");
    setTimeout(() => location.reload(), 600);
  }

  document.addEventListener("submit", async (ev) => {
    const form = ev.target;
    if (form.classList.contains("split-form")) {
      ev.preventDefault();
      const row = form.closest("tr.transfer");
      const parts = [...form.querySelectorAll('input[name="share"]')]
        .map((input) => ({ number: input.dataset.number, amount: whole(input.value) }))
        .filter((p) => p.amount > 0);
      clearErrors(form);
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        const resp = await api("POST", `/api/transfers/${row.dataset.transfer}/split`, { body: { orders: parts } });
        await done(resp, form, t("checkout.split_done", { n: parts.length }));
      } finally {
        button.disabled = false;
      }
    } else if (form.classList.contains("credit-form")) {
      ev.preventDefault();
      const row = form.closest("tr.credit");
      const reason = form.elements.reason.value.trim();
      clearErrors(form);
      if (!reason) {
        showError(form, { field: "reason", message: t("checkout.need_reason") });
        return;
      }
      const credit = Number(row.dataset.credit);
      const to = form.elements.to ? form.elements.to.value : "";
      const number = encodeURIComponent(row.dataset.number);
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        if (to) {
          const owed = Number(form.elements.to.selectedOptions[0].dataset.balance);
          const amount = Math.min(credit, owed);
          const resp = await api("POST", `/api/orders/${number}/credit-moves`, { body: { to, amount, reason } });
          await done(resp, form, t("checkout.moved", { amount: PO.money(amount), n: to }));
        } else {
          const resp = await api("POST", `/api/orders/${number}/refunds`,
            { body: { method: row.dataset.method, amount: credit, reason } });
          await done(resp, form, t("checkout.refunded", { amount: PO.money(credit) }));
        }
      } finally {
        button.disabled = false;
      }
    }
  });
})();
