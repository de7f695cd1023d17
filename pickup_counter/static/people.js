// The buyer page: add a staff note through PO.api (session + CSRF + Idempotency-Key). The
// note is shown as text, never parsed as HTML (notes and names are untrusted).
"use strict";
(() => {
  const form = document.getElementById("note-form");
  if (!form) return;
  const { t, api, el, toast, showError, clearErrors } = PO;
  let pending = null; // a retry of the same text after a lost connection reuses its key

  function shopTime(iso) {
    const zone = document.getElementById("manager").dataset.zone || "Asia/Taipei";
    const p = {};
    const fmt = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric",
      month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
    for (const part of fmt.formatToParts(new Date(Date.parse(iso)))) p[part.type] = part.value;
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const text = form.elements.text.value.trim();
    if (!text) {
      showError(form, { field: "text", message: t("people.note_empty") });
      return;
    }
    const key = pending && pending.text === text ? pending.key : PO.newKey();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const result = await api("POST", `/api/members/${form.dataset.member}/notes`, { body: { text }, key });
    button.disabled = false;
    pending = result.status === 0 ? { text, key } : null;
    if (!result.ok) {
      const error = result.data.error;
      showError(form, error.field === "text" ? { ...error, message: t("people.note_empty") } : error);
      return;
    }
    const note = result.data;
    document.getElementById("note-list").prepend(el("li", { class: "note" },
      el("p", { class: "text" }, note.text),
      el("p", { class: "muted small" }, t("people.note_by", { actor: note.actor, at: shopTime(note.created_at) }))));
    document.getElementById("no-notes").hidden = true;
    form.reset();
    toast(t("people.note_saved"));
  });
})();
