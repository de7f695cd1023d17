// /counter/shift: open a shift with a float, close it with the cash counted (then its Z
// report is shown), print a shift's report on the receipt printer.
"use strict";
(() => {
  const { E, t, api } = PO;
  const $ = (id) => document.getElementById(id);

  function amountOf(form, name) {
    const input = form.querySelector(`[name="${name}"]`);
    const value = PO.whole(input.value);
    if (Number.isNaN(value)) {
      PO.showError(form, { code: E.INVALID, field: name, message: t("shift.bad_amount") });
      return null;
    }
    return value;
  }

  function submitOnce(form, send) {
    let key = null;  // one key per attempt: a retried click is recorded once
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      PO.clearErrors(form);
      const button = form.querySelector("button[type=submit]");
      if (button.disabled) return;
      key = key || PO.newKey();
      button.disabled = true;
      try {
        const done = await send(key);
        if (done) key = null;
      } finally {
        button.disabled = false;
      }
    });
  }

  const openForm = $("open-form");
  if (openForm) submitOnce(openForm, async (key) => {
    const float = amountOf(openForm, "float");
    if (float === null) return true;
    const r = await api("POST", "/api/shifts", { body: { float }, key });
    if (!r.ok && r.data.error.code !== E.SHIFT_OPEN) {
      PO.showError(openForm, r.data.error);
      return r.data.error.code !== E.NETWORK;
    }
    location.reload();  // opened (here or in another tab)
    return true;
  });

  const closeForm = $("close-form");
  if (closeForm) submitOnce(closeForm, async (key) => {
    const counted = amountOf(closeForm, "counted_cash");
    if (counted === null) return true;
    const r = await api("POST", "/api/shifts/current/close", { body: { counted_cash: counted }, key });
    if (!r.ok) {
      PO.showError(closeForm, r.data.error);
      return r.data.error.code !== E.NETWORK;
    }
    location.href = `/counter/shift?z=${r.data.id}`;
    return true;
  });

  const print = $("print-z");
  if (print) print.addEventListener("click", async () => {
    print.disabled = true;
    const r = await api("POST", `/api/shifts/${print.dataset.shift}/print`);
    print.disabled = false;
    const msg = $("print-msg");
    if (!r.ok) PO.message(msg, r.data.error.message, "error");
    else if (r.data.status === "printed") PO.message(msg, t("shift.printed"), "ok");
    else PO.message(msg, t("shift.queued", { error: r.data.error || "" }), "warn");
  });
})();
