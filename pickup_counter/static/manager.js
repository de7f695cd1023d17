// The manager pages: campaigns (open, close, edit), transfers (confirm, void, bank statement
// import) and the pick list's print button. The server renders what is read; every write goes
// through PO.api (session + CSRF + Idempotency-Key). Buyer text is only ever set as text.
"use strict";
(() => {
  const root = document.getElementById("manager");
  if (!root) return;
  const { E, t, api, el, money, toast, showError, clearErrors } = PO;
  const zone = root.dataset.zone || "Asia/Taipei";

  // The API's messages are English; say the ones a manager meets in the page's language,
  // by code and by field (items[2].price → items.price). Others pass through as sent.
  const FIELD_WORDS = {
    title: "mgr.err.title", items: "mgr.err.items", "items.label": "mgr.err.label", "items.name": "mgr.err.name",
    "items.price": "mgr.err.price", "items.stock": "mgr.err.stock", "items.limit_per_buyer": "mgr.err.limit",
    "items.barcode": "mgr.err.barcode", closes_at: "mgr.err.closes_at", pickup_from: "mgr.err.pickup",
    pickup_until: "mgr.err.pickup", pickup_place: "mgr.err.place", group_ids: "mgr.err.groups",
    host_user_id: "mgr.err.host", reason: "mgr.transfers.need_reason", file: "mgr.err.file",
  };
  const CODE_WORDS = { [E.INVALID_STATE]: "mgr.err.state", [E.FORBIDDEN]: "mgr.err.forbidden", [E.NOT_FOUND]: "mgr.err.gone" };

  function said(error) {
    const field = (error.field || "").replace(/\[\d+\]/g, "");
    const key = (error.code === E.INVALID && FIELD_WORDS[field]) || (!error.field && CODE_WORDS[error.code]) ||
      (error.code === E.INVALID_STATE && CODE_WORDS[E.INVALID_STATE]);
    return key ? { ...error, message: t(key) } : error;
  }

  // --- times in the shop's zone (whatever zone the browser is in) ----------------------------

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function zoneParts(ms) {
    const fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    const parts = {};
    for (const p of fmt.formatToParts(new Date(ms))) parts[p.type] = Number(p.value);
    return parts;
  }

  function offsetAt(ms) {
    const p = zoneParts(ms);
    return Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - ms) / 60000);
  }

  // "2026-11-30T20:00" read as the shop's wall clock → "2026-11-30T20:00:00+08:00".
  function shopISO(local) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local || "");
    if (!m) return null;
    const naive = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    let offset = offsetAt(naive);
    offset = offsetAt(naive - offset * 60000); // the second look settles a DST change
    const sign = offset < 0 ? "-" : "+";
    const abs = Math.abs(offset);
    return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }

  // An ISO instant shown as the server shows it: "2026-11-30 20:00" in the shop's zone.
  function shopTime(iso) {
    const p = zoneParts(Date.parse(iso));
    return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
  }

  // --- writes ----------------------------------------------------------------------------

  // One action, one Idempotency-Key: a retry of the same body after a lost connection reuses
  // the key (so it is recorded once); any other attempt is a new action with a new key.
  async function send(memo, method, path, body) {
    const text = body instanceof FormData ? null : JSON.stringify(body === undefined ? null : body);
    const again = memo.pending && text !== null && memo.pending.text === text && memo.pending.path === path;
    const key = again ? memo.pending.key : PO.newKey();
    const result = await api(method, path, { body, key });
    memo.pending = result.status === 0 ? { text, key, path } : null;
    return result;
  }

  async function busy(button, work) {
    if (button) button.disabled = true;
    try {
      return await work();
    } finally {
      if (button) button.disabled = false;
    }
  }

  function setStatus(container, status) {
    const badge = container.querySelector('[data-role="status"]');
    if (!badge) return;
    const kinds = { open: "ok", closed: "", cancelled: "bad", reported: "warn", confirmed: "ok", void: "bad" };
    badge.className = `badge ${kinds[status] || ""}`.trim();
    badge.textContent = t(`mgr.status.${status}`);
  }

  // --- campaigns -------------------------------------------------------------------------

  function pickupText(c) {
    let text = "";
    if (c.pickup_from || c.pickup_until) {
      text = c.pickup_from || "";
      if (c.pickup_until && c.pickup_until !== c.pickup_from) text += ` – ${c.pickup_until}`;
    } else text = t("mgr.campaign.no_window");
    if (c.pickup_place) text += ` · ${c.pickup_place}`;
    return text;
  }

  function campaignsPage() {
    const memos = new WeakMap();
    const memoOf = (node) => {
      if (!memos.has(node)) memos.set(node, {});
      return memos.get(node);
    };

    function showEdit(card, open) {
      const form = card.querySelector(".edit-form");
      const toggle = card.querySelector('[data-action="edit"]');
      if (!form) return;
      form.hidden = !open;
      if (toggle) toggle.setAttribute("aria-expanded", String(open));
      if (open) {
        clearErrors(form);
        const first = form.querySelector("input");
        if (first) first.focus();
      }
    }

    function showCloseConfirm(card, open) {
      card.querySelector('[data-action="close"]').hidden = open;
      card.querySelector(".confirm-close").hidden = !open;
      if (open) card.querySelector('[data-action="close-confirm"]').focus();
    }

    async function closeNow(card, button) {
      const id = card.dataset.campaign;
      const result = await busy(button, () => send(memoOf(card), "POST", `/api/campaigns/${id}/close`));
      if (!result.ok) {
        toast(said(result.data.error).message, "error");
        return;
      }
      card.dataset.status = result.data.status;
      setStatus(card, result.data.status);
      card.querySelector(".confirm-close").remove();
      card.querySelector('[data-action="close"]').remove();
      // a closed campaign's deadline no longer moves
      const deadline = card.querySelector('.edit-form [name="closes_at"]');
      if (deadline) deadline.closest("div").remove();
      toast(t("mgr.close.done"));
    }

    async function saveEdit(form) {
      const card = form.closest(".campaign");
      clearErrors(form);
      const body = editedFields(form, "input[name]");
      if (!body) return;
      if (!Object.keys(body).length) {
        showEdit(card, false);
        toast(t("mgr.edit.nothing"));
        return;
      }
      const button = form.querySelector('button[type="submit"]');
      const result = await busy(button, () => send(memoOf(form), "PATCH", `/api/campaigns/${form.dataset.campaign}`, body));
      if (!result.ok) {
        showError(form, result.data.error, said);
        return;
      }
      const c = result.data;
      card.querySelector('[data-role="deadline"]').textContent = shopTime(c.closes_at);
      card.querySelector('[data-role="pickup"]').textContent = pickupText(c);
      for (const input of form.querySelectorAll("input[name]")) {
        if (input.name === "closes_at") input.value = input.dataset.initial = input.value;
        else input.value = input.dataset.initial = c[input.name] || "";
      }
      showEdit(card, false);
      toast(t("mgr.edit.saved"));
    }

    // New campaign: item rows you can add and remove; inputs are named items[i].part so an
    // API error naming items[1].price lands next to that input.
    const newForm = document.getElementById("new-campaign-form");
    const rows = document.getElementById("item-rows");

    function renumber() {
      rows.querySelectorAll(".item-row").forEach((row, i) => {
        row.querySelectorAll("input[data-part]").forEach((input) => {
          input.name = input.dataset.field = `items[${i}].${input.dataset.part}`;
        });
      });
    }

    function addItem() {
      const template = rows.querySelector(".item-row");
      const row = template.cloneNode(true);
      row.querySelectorAll(".field-error").forEach((n) => n.remove());
      row.querySelectorAll("input").forEach((input) => {
        input.value = "";
        input.removeAttribute("aria-invalid");
      });
      const used = new Set(Array.from(rows.querySelectorAll('input[data-part="label"]'), (i) => i.value.toUpperCase()));
      const next = "ABCDEFGHIJKLMNOPQRSTUVWXYZ".split("").find((l) => !used.has(l)) || "";
      row.querySelector('input[data-part="label"]').value = next;
      rows.append(row);
      renumber();
      row.querySelector('input[data-part="name"]').focus();
    }

    function removeItem(row) {
      if (rows.querySelectorAll(".item-row").length === 1) {
        row.querySelectorAll("input").forEach((input) => { input.value = ""; });
        return;
      }
      row.remove();
      renumber();
    }

    // A number when it is one; otherwise the text itself, so the API names what is wrong.
    function whole(value) {
      const text = value.trim();
      if (text === "") return null;
      return /^-?\d+$/.test(text) ? Number(text) : text;
    }

    function campaignBody() {
      const value = (name) => newForm.elements[name].value.trim();
      const picked = Array.from(newForm.querySelectorAll('input[name="group_pick"]:checked'), (i) => i.value);
      const typed = value("group_ids").split(/[\s,，、]+/).filter(Boolean);
      const items = Array.from(rows.querySelectorAll(".item-row"), (row) => {
        const part = (p) => row.querySelector(`input[data-part="${p}"]`).value;
        return {
          label: part("label").trim(), name: part("name").trim(), price: whole(part("price")),
          stock: whole(part("stock")), limit_per_buyer: whole(part("limit_per_buyer")),
          barcode: part("barcode").trim() || null,
        };
      });
      return {
        title: value("title"),
        group_ids: Array.from(new Set([...picked, ...typed])),
        host_user_id: value("host_user_id") || value("host_other") || null, // a registered host by name, else an id typed
        closes_at: shopISO(value("closes_at")),
        pickup_from: value("pickup_from") || null,
        pickup_until: value("pickup_until") || null,
        pickup_place: value("pickup_place"),
        items,
        announce: newForm.elements.announce.checked,
      };
    }

    async function openCampaign() {
      clearErrors(newForm);
      const body = campaignBody();
      if (!body.closes_at) {
        showError(newForm, { field: "closes_at", message: t("mgr.edit.need_deadline") });
        return;
      }
      const button = newForm.querySelector('button[type="submit"]');
      const result = await busy(button, () => send(memoOf(newForm), "POST", "/api/campaigns", body));
      if (!result.ok) {
        showError(newForm, result.data.error, said);
        return;
      }
      toast(t("mgr.new.done", { code: result.data.code }));
      location.href = `/manager/campaigns/${result.data.id}`;
    }

    document.addEventListener("click", (ev) => {
      const button = ev.target.closest("[data-action]");
      if (!button) return;
      const card = button.closest(".campaign");
      switch (button.dataset.action) {
        case "edit": showEdit(card, card.querySelector(".edit-form").hidden); break;
        case "edit-cancel": showEdit(card, false); break;
        case "close": showCloseConfirm(card, true); break;
        case "close-cancel": showCloseConfirm(card, false); break;
        case "close-confirm": closeNow(card, button); break;
        case "add-item": addItem(); break;
        case "remove-item": removeItem(button.closest(".item-row")); break;
        default: return;
      }
    });
    document.addEventListener("submit", (ev) => {
      const form = ev.target;
      if (form.classList.contains("edit-form")) {
        ev.preventDefault();
        saveEdit(form);
      } else if (form === newForm) {
        ev.preventDefault();
        openCampaign();
      }
    });
    document.addEventListener("po:escape", () => {
      document.querySelectorAll(".campaign").forEach((card) => {
        if (card.querySelector(".confirm-close:not([hidden])")) showCloseConfirm(card, false);
      });
    });
    if (location.hash === "#new-campaign") document.getElementById("new-campaign").open = true;

    // What the announcement would cost before the campaign is opened: each ticked group's members.
    const costLine = document.getElementById("announce-cost");
    function showCost() {
      if (!costLine || !newForm) return;
      const picked = [...newForm.querySelectorAll('input[name="group_pick"]:checked')];
      const typed = (newForm.elements.group_ids && newForm.elements.group_ids.value.trim()) ? 1 : 0;
      const known = picked.filter((box) => box.dataset.members !== "");
      const n = known.reduce((sum, box) => sum + Number(box.dataset.members), 0);
      const unknown = picked.length - known.length + typed;
      if (!newForm.elements.announce.checked || (!picked.length && !typed)) {
        costLine.textContent = "";
        return;
      }
      costLine.textContent = t(unknown ? "mgr.new.announce_cost_unknown" : "mgr.new.announce_cost", { n });
    }
    if (newForm) {
      newForm.addEventListener("change", showCost);
      newForm.addEventListener("input", showCost);
      showCost();
    }
  }

  // --- transfers and the bank statement import ----------------------------------------------

  function transfersPage() {
    const memos = new WeakMap();
    const memoOf = (node) => {
      if (!memos.has(node)) memos.set(node, {});
      return memos.get(node);
    };
    const count = document.getElementById("reported-count");

    function waiting() {
      return document.querySelectorAll("tr.transfer:not(.decided)").length;
    }

    // The row stays where it was and says what became of it.
    function decided(row, status, note) {
      if (!row || row.classList.contains("decided")) return;
      row.classList.add("decided", status);
      const cell = row.querySelector(".decide");
      cell.replaceChildren(el("span", { class: `badge ${status === "void" ? "bad" : "ok"}`, "data-role": "status" },
        t(`mgr.status.${status}`)), note ? el("span", { class: "muted small note" }, note) : null);
      count.textContent = String(waiting());
    }

    function showVoid(row, open) {
      row.querySelector(".choices").hidden = open;
      const form = row.querySelector(".void-form");
      form.hidden = !open;
      if (open) {
        clearErrors(form);
        form.elements.reason.focus();
      }
    }

    async function confirmTransfer(row, button) {
      const result = await busy(button, () => send(memoOf(row), "POST", `/api/transfers/${row.dataset.transfer}/confirm`));
      if (!result.ok) {
        toast(said(result.data.error).message, "error");
        return;
      }
      decided(row, result.data.status);
      toast(t("mgr.transfers.confirmed", { number: result.data.order_number }));
    }

    async function voidTransfer(form) {
      const row = form.closest("tr.transfer");
      clearErrors(form);
      const reason = form.elements.reason.value.trim();
      if (!reason) {
        showError(form, { field: "reason", message: t("mgr.transfers.need_reason") });
        return;
      }
      const button = form.querySelector('button[type="submit"]');
      const result = await busy(button, () => send(memoOf(form), "POST", `/api/transfers/${row.dataset.transfer}/void`, { reason }));
      if (!result.ok) {
        showError(form, result.data.error, said);
        return;
      }
      decided(row, result.data.status, reason);
      toast(t("mgr.transfers.voided", { number: result.data.order_number }));
    }

    // --- the import's result, in three sections and a count of duplicates

    function who(transfer) {
      const m = transfer.member;
      const name = m ? (m.display_name || m.line_user_id || "—") : t("mgr.buyer.walk_in");
      return `${name} · #${transfer.order_number} · ${money(transfer.amount)} · ${transfer.last5 || ""}`;
    }

    function lineCells(line) {
      return [el("td", {}, line.date), el("td", { class: "num" }, money(line.amount)),
        el("td", { class: "last5" }, line.last5 || "—"), el("td", { class: "memo" }, line.memo || "")];
    }

    function fill(id, rowsOf) {
      const section = document.getElementById(id);
      const rows = rowsOf();
      section.querySelector("tbody").replaceChildren(...rows);
      section.querySelector('[data-role="count"]').textContent = String(rows.length);
      section.hidden = rows.length === 0;
    }

    function showResult(data) {
      fill("result-matched", () => data.matched.map((line) => el("tr", { "data-transfer": line.transfer.id },
        ...lineCells(line), el("td", { class: "report" }, who(line.transfer), " ",
          el("span", { class: "badge ok" }, t(`mgr.status.${line.transfer.status}`))))));
      fill("result-ambiguous", () => data.ambiguous.map((line) => el("tr", {},
        ...lineCells(line), el("td", { class: "candidates" },
          el("ul", {}, line.candidates.map((c) => el("li", { "data-transfer": c.id }, who(c))))))));
      fill("result-unmatched", () => data.unmatched.map((line) => el("tr", {}, ...lineCells(line))));
      document.getElementById("result-duplicates").textContent =
        data.duplicates ? t("mgr.import.duplicates", { n: data.duplicates }) : "";
      document.getElementById("import-summary").textContent = t("mgr.import.summary", {
        matched: data.matched.length, ambiguous: data.ambiguous.length, unmatched: data.unmatched.length,
      });
      document.getElementById("import-result").hidden = false;
      for (const line of data.matched) {
        decided(document.querySelector(`tr.transfer[data-transfer="${line.transfer.id}"]`), line.transfer.status,
          t("mgr.import.by_bank"));
      }
    }

    async function importStatement(form) {
      clearErrors(form);
      const file = form.elements.file.files[0];
      if (!file) {
        showError(form, { field: "file", message: t("mgr.import.choose") });
        return;
      }
      const body = new FormData();
      body.append("file", file, file.name);
      const button = form.querySelector('button[type="submit"]');
      const result = await busy(button, () => send(memoOf(form), "POST", "/api/bank-statements", body));
      if (!result.ok) {
        showError(form, result.data.error, said);
        return;
      }
      showResult(result.data);
      toast(t("mgr.import.done"));
    }

    document.addEventListener("click", (ev) => {
      const button = ev.target.closest("[data-action]");
      if (!button) return;
      const row = button.closest("tr.transfer");
      if (!row) return;
      switch (button.dataset.action) {
        case "confirm": confirmTransfer(row, button); break;
        case "void": showVoid(row, true); break;
        case "void-cancel": showVoid(row, false); break;
        default: break;
      }
    });
    document.addEventListener("submit", (ev) => {
      const form = ev.target;
      if (form.classList.contains("void-form")) {
        ev.preventDefault();
        voidTransfer(form);
      } else if (form.id === "import-form") {
        ev.preventDefault();
        importStatement(form);
      }
    });
  }

  // --- the pick list ---------------------------------------------------------------------

  function picklistPage() {
    const button = document.getElementById("print-button");
    if (button) button.addEventListener("click", () => window.print());
  }

  // --- held pushes -------------------------------------------------------------------------

  function pushesPage() {
    const memos = new WeakMap();
    const memoOf = (node) => {
      if (!memos.has(node)) memos.set(node, {});
      return memos.get(node);
    };
    document.addEventListener("click", async (ev) => {
      const button = ev.target.closest("[data-action]");
      const row = button && button.closest("tr.held-push");
      if (!row || !["send", "drop"].includes(button.dataset.action)) return;
      const action = button.dataset.action;
      const result = await busy(button, () => send(memoOf(row), "POST", `/api/pushes/${row.dataset.push}/${action}`));
      if (!result.ok) {
        toast(said(result.data.error).message, "error");
        return;
      }
      row.classList.add("decided", action);
      row.querySelectorAll("button").forEach((b) => { b.hidden = true; });
      const done = row.querySelector('[data-role="done"]');
      done.textContent = t(action === "send" ? "mgr.pushes.sent" : "mgr.pushes.dropped");
      done.hidden = false;
    });
  }

  // The fields of an edit form the manager changed, as the API takes them; null when one is
  // refused on the page (said next to it). Shared by the campaigns list and a campaign's page.
  function editedFields(form, selector) {
    const body = {};
    for (const input of form.querySelectorAll(selector)) {
      if (input.value === input.dataset.initial) continue;
      if (input.name === "closes_at") {
        const iso = shopISO(input.value);
        if (!iso) {
          showError(form, { field: "closes_at", message: t("mgr.edit.need_deadline") });
          return null;
        }
        body.closes_at = iso;
      } else if (input.type === "date" && !input.value) {
        showError(form, { field: input.name, message: t("mgr.edit.need_date") });
        return null;
      } else body[input.name] = input.value;
    }
    return body;
  }

  // A campaign's own page (campaign_edit.js) writes, words its errors and reads times the same way.
  PO.manager = { send, busy, said, shopISO, shopTime, pickupText, setStatus, editedFields };

  const pages = { campaigns: campaignsPage, transfers: transfersPage, picklist: picklistPage, pushes: pushesPage };
  (pages[root.dataset.page] || (() => {}))();
})();
