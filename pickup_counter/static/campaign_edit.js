// A campaign's own page (/manager/campaigns/{id}): a manager edits its title, note, deadline
// and pickup, changes an item's name, price or stock, adds an item, and cancels it with a
// reason, then sees whom to refund. Writes go through PO.manager.send (session + CSRF +
// Idempotency-Key, one key per action); buyer text is only ever set as text.
"use strict";
(() => {
  const box = document.getElementById("campaign");
  if (!box || !PO.manager) return;
  const { E, t, api, el, money, toast, showError, clearErrors } = PO;
  const { send, busy, said, shopTime, pickupText, setStatus, editedFields } = PO.manager;
  const campaignId = box.dataset.campaign;
  const memos = new WeakMap();
  const memoOf = (node) => {
    if (!memos.has(node)) memos.set(node, {});
    return memos.get(node);
  };
  const $ = (selector, root = box) => root.querySelector(selector);

  // The API's messages are English: a refused field is said in the page's language, by name.
  const FIELD_WORDS = {
    title: "mgr.err.title", note: "mgr.err.note", closes_at: "mgr.err.closes_at", pickup_from: "mgr.err.pickup",
    pickup_until: "mgr.err.pickup", pickup_place: "mgr.err.place", label: "mgr.err.label", name: "mgr.err.name",
    price: "mgr.err.price", stock: "mgr.err.stock", limit_per_buyer: "mgr.err.limit", barcode: "mgr.err.barcode",
    reason: "mgr.err.reason",
  };

  function say(error) {
    const key = error.code === E.INVALID && FIELD_WORDS[error.field];
    return key ? { ...error, message: t(key) } : said(error);
  }

  // A whole number when it is one (full-width digits and 1,000 are read too), null when blank,
  // else the text as typed, so the API names what is wrong next to the field.
  function number(value) {
    const text = String(value ?? "").trim();
    if (!text) return null;
    const n = PO.whole(text);
    return Number.isNaN(n) ? text : n;
  }

  // --- the page's figures from a campaign view ------------------------------------------------

  function itemRow(item) {
    const found = $(`tr.item[data-item="${CSS.escape(String(item.id))}"]`);
    if (found) return found;
    // a new item: its row from the page's template
    const row = document.getElementById("item-template").content.querySelector("tr.item").cloneNode(true);
    row.dataset.item = item.id;
    row.querySelector('[data-action="edit-item"]').setAttribute("aria-label", t("mgr.item.edit_of", { label: item.label }));
    $("#items tbody").append(row);
    return row;
  }

  function showItems(items) {
    for (const item of items) {
      const row = itemRow(item);
      const cell = (role) => row.querySelector(`[data-role="${role}"]`);
      Object.assign(row.dataset, { name: item.name, price: String(item.price), stock: item.stock === null ? "" : String(item.stock) });
      cell("label").textContent = item.label;
      cell("name").textContent = item.name;
      cell("price").textContent = money(item.price);
      cell("stock").textContent = item.stock === null ? t("mgr.stock.no_cap") : String(item.stock);
      cell("sold").textContent = String(item.sold);
      cell("left").textContent = item.left === null ? "—" : String(item.left);
      cell("waitlisted").textContent = String(item.waitlisted);
    }
  }

  function showCampaign(c) {
    document.querySelector('#campaign-head [data-role="title"]').textContent = c.title;
    $('[data-role="deadline"]').textContent = shopTime(c.closes_at);
    $('[data-role="pickup"]').textContent = pickupText(c);
    const note = $('[data-role="note"]');
    if (c.note) note.textContent = c.note;
    else note.replaceChildren(el("span", { class: "muted" }, t("mgr.campaign.no_note")));
    $('[data-role="cancel-reason"]').textContent = c.cancel_reason || "";
    $('[data-role="cancel-reason-box"]').hidden = !c.cancel_reason;
    box.dataset.status = c.status;
    setStatus(document.getElementById("campaign-head"), c.status);
    showItems(c.items);
  }

  function ordersChanged() {
    const hint = document.getElementById("orders-changed");
    if (hint) hint.hidden = false;
  }

  // --- the campaign's words, deadline and pickup ----------------------------------------------

  async function saveCampaign(form) {
    clearErrors(form);
    const body = editedFields(form, "input[name], textarea[name]");
    if (!body) return;
    if (!Object.keys(body).length) {
      toast(t("mgr.edit.nothing"));
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    const result = await busy(button, () => send(memoOf(form), "PATCH", `/api/campaigns/${campaignId}`, body));
    if (!result.ok) {
      showError(form, result.data.error, say);
      return;
    }
    const c = result.data;
    showCampaign(c);
    for (const input of form.querySelectorAll("input[name], textarea[name]")) {
      if (input.name === "closes_at") input.dataset.initial = input.value;
      else input.value = input.dataset.initial = c[input.name] || "";
    }
    document.getElementById("edit-campaign").open = false;
    toast(t("mgr.edit.saved"));
  }

  // --- an item's name, price and stock ---------------------------------------------------------

  function editRowOf(row) {
    const next = row.nextElementSibling;
    return next && next.classList.contains("item-edit") ? next : null;
  }

  // An item's edit form, opened under its row from the page's template and filled from the
  // row's figures; one is open at a time, and closing it drops what was typed.
  function showItemEdit(row, open) {
    for (const other of box.querySelectorAll("tr.item")) {
      const editRow = editRowOf(other);
      if (editRow && (open || other === row)) {
        editRow.remove();
        other.querySelector('[data-action="edit-item"]').setAttribute("aria-expanded", "false");
      }
    }
    if (!open) return;
    const editRow = document.getElementById("item-edit-template").content.querySelector("tr").cloneNode(true);
    const { name, price, stock, uncapped } = editRow.querySelector(".item-form").elements;
    name.value = name.dataset.initial = row.dataset.name;
    price.value = price.dataset.initial = row.dataset.price;
    stock.value = stock.dataset.initial = row.dataset.stock;
    uncapped.checked = stock.disabled = row.dataset.stock === "";
    row.after(editRow);
    row.querySelector('[data-action="edit-item"]').setAttribute("aria-expanded", "true");
    name.focus();
  }

  function itemBody(form) {
    const { name, price, stock, uncapped } = form.elements;
    const body = {};
    if (name.value.trim() !== name.dataset.initial) body.name = name.value.trim();
    if (price.value.trim() !== price.dataset.initial) body.price = number(price.value);
    const wasCapped = stock.dataset.initial !== "";
    if (uncapped.checked) {
      if (wasCapped) body.uncapped = true;
    } else if (!wasCapped || stock.value.trim() !== stock.dataset.initial) {
      body.stock = number(stock.value);
    }
    return body;
  }

  async function saveItem(form) {
    clearErrors(form);
    const row = form.closest("tr.item-edit").previousElementSibling;
    const body = itemBody(form);
    if (body.stock === null) { // a cap needs a number; "no cap" is the box
      showError(form, { field: "stock", message: t("mgr.err.stock") });
      return;
    }
    if (!Object.keys(body).length) {
      showItemEdit(row, false);
      toast(t("mgr.edit.nothing"));
      return;
    }
    const path = `/api/campaigns/${campaignId}/items/${row.dataset.item}`;
    const button = form.querySelector('button[type="submit"]');
    const result = await busy(button, () => send(memoOf(form), "PATCH", path, body));
    if (!result.ok) {
      showError(form, result.data.error, say);
      return;
    }
    const view = result.data;
    showCampaign(view);
    const item = view.items.find((i) => String(i.id) === row.dataset.item);
    showItemEdit(row, false);
    const news = [t("mgr.item.saved", { label: item ? item.label : "" })];
    if (view.promoted) news.push(t("mgr.item.promoted", { n: view.promoted }));
    if (view.cut) news.push(t("mgr.item.cut", { n: view.cut }));
    if (view.promoted || view.cut) ordersChanged();
    toast(news.join(" · "));
  }

  // --- a new item ---------------------------------------------------------------------------

  async function addItem(form) {
    clearErrors(form);
    const value = (name) => form.elements[name].value.trim();
    const body = {
      label: value("label"), name: value("name"), price: number(value("price")), stock: number(value("stock")),
      limit_per_buyer: number(value("limit_per_buyer")), barcode: value("barcode") || null,
    };
    const button = form.querySelector('button[type="submit"]');
    const result = await busy(button, () => send(memoOf(form), "POST", `/api/campaigns/${campaignId}/items`, body));
    if (!result.ok) {
      showError(form, result.data.error, say);
      return;
    }
    showCampaign(result.data);
    const added = result.data.items.find((i) => i.label === body.label.toUpperCase());
    toast(t("mgr.item.added", { label: added ? added.label : body.label, name: added ? added.name : body.name }));
    form.reset();
    const used = new Set(result.data.items.map((i) => i.label));
    form.elements.label.value = "ABCDEFGHIJKLMNOPQRSTUVWXYZ".split("").find((l) => !used.has(l)) || "";
    form.elements.name.focus();
  }

  // --- cancelling, and whom to refund ----------------------------------------------------------

  const cancelForm = document.getElementById("cancel-form");
  let costAsked = 0; // the newest cost question; an older answer is dropped

  function confirming() {
    return cancelForm && !$(".confirm-cancel", cancelForm).hidden;
  }

  function showCancelConfirm(open) {
    $(".confirm-cancel", cancelForm).hidden = !open;
    $('[data-role="ask-row"]', cancelForm).hidden = open;
    if (open) {
      sayHowTold();
      $('[data-action="cancel-confirm"]', cancelForm).focus();
    } else costAsked += 1;
  }

  // How the groups will be told: free by reply (the default) or now by push, with its cost.
  async function sayHowTold() {
    const told = $('[data-role="told"]', cancelForm);
    const unknown = $('[data-role="unknown"]', cancelForm);
    const groups = (box.dataset.groups || "").split(",").filter(Boolean);
    const notify = cancelForm.elements.notify.value;
    const title = document.querySelector('#campaign-head [data-role="title"]').textContent;
    $('[data-role="ask"]', cancelForm).textContent = t("mgr.cancel.ask", { title });
    unknown.hidden = true;
    if (!groups.length) {
      told.textContent = t("mgr.cancel.no_groups");
      return;
    }
    if (notify !== "push") {
      told.textContent = t("mgr.cancel.ask_reply", { n: groups.length });
      return;
    }
    told.textContent = t("mgr.cancel.cost_loading");
    const asked = ++costAsked;
    const result = await api("GET", `/api/announcement-cost?group_ids=${encodeURIComponent(groups.join(","))}`);
    if (asked !== costAsked) return;
    if (!result.ok) {
      told.textContent = t("mgr.cancel.cost_failed", { reason: say(result.data.error).message });
      return;
    }
    told.textContent = t("mgr.cancel.ask_push", { n: groups.length, billed: result.data.billed });
    if (result.data.unknown.length) {
      unknown.textContent = t("mgr.cancel.cost_unknown", { n: result.data.unknown.length });
      unknown.hidden = false;
    }
  }

  function askToCancel() {
    clearErrors(cancelForm);
    if (!cancelForm.elements.reason.value.trim()) {
      showError(cancelForm, { field: "reason", message: t("mgr.err.reason") });
      return;
    }
    showCancelConfirm(true);
  }

  async function cancelNow(button) {
    const body = { reason: cancelForm.elements.reason.value.trim(), notify: cancelForm.elements.notify.value };
    const result = await busy(button, () => send(memoOf(cancelForm), "POST", `/api/campaigns/${campaignId}/cancel`, body));
    if (!result.ok) {
      showCancelConfirm(false);
      showError(cancelForm, result.data.error, say);
      return;
    }
    showCampaign(result.data.campaign);
    // nothing is edited any more: the forms, the item buttons and their column go
    document.querySelectorAll('[data-role="editing"]').forEach((node) => node.remove());
    ordersChanged();
    showRefunds(result.data.refunds, result.data.refund_total);
    toast(t("mgr.cancel.done"));
  }

  function refundRow(r) {
    const number = String(r.order_number);
    const name = r.display_name || (r.member_id === null ? t("mgr.buyer.walk_in") : "—");
    return el("tr", { dataset: { order: number } },
      el("td", {}, el("a", { href: `/counter?q=${encodeURIComponent(number)}&order=${encodeURIComponent(number)}` }, `#${number}`)),
      el("td", { class: "buyer" }, r.member_id === null || r.member_id === undefined ? name
        : el("a", { href: `/manager/members/${Number(r.member_id)}` }, name)),
      el("td", { class: "num" }, money(r.paid)));
  }

  function showRefunds(refunds, total) {
    const section = document.getElementById("refunds");
    $("tbody", section).replaceChildren(...refunds.map(refundRow));
    $('[data-role="refund-total"]', section).textContent = money(total);
    $(".table-wrap", section).hidden = !refunds.length;
    $('[data-role="hint"]', section).hidden = !refunds.length;
    $('[data-role="none"]', section).hidden = refunds.length > 0;
    section.hidden = false;
    section.scrollIntoView({ block: "start" });
  }

  // --- events -------------------------------------------------------------------------------

  box.addEventListener("click", (ev) => {
    const button = ev.target.closest("[data-action]");
    if (!button) return;
    switch (button.dataset.action) {
      case "edit-item": {
        const row = button.closest("tr.item");
        showItemEdit(row, !editRowOf(row));
        break;
      }
      case "edit-item-cancel": {
        showItemEdit(button.closest("tr.item-edit").previousElementSibling, false);
        break;
      }
      case "cancel-back": showCancelConfirm(false); break;
      case "cancel-confirm": cancelNow(button); break;
      default: break;
    }
  });
  box.addEventListener("change", (ev) => {
    const target = ev.target;
    if (target.name === "uncapped") {
      const stock = target.form.elements.stock;
      stock.disabled = target.checked;
      if (!target.checked) stock.focus();
    } else if (target.form === cancelForm && confirming()) sayHowTold();
  });
  box.addEventListener("submit", (ev) => {
    const form = ev.target;
    ev.preventDefault();
    if (form.id === "campaign-form") saveCampaign(form);
    else if (form.classList.contains("item-form")) saveItem(form);
    else if (form.id === "add-item-form") addItem(form);
    else if (form === cancelForm) askToCancel();
  });
  document.addEventListener("po:escape", () => {
    if (confirming()) showCancelConfirm(false);
  });
})();
