// Shared by every staff page: words, the API call (session + CSRF + Idempotency-Key),
// DOM building that never parses buyer text as HTML, field errors, toasts and keys.
"use strict";
const PO = (() => {
  const strings = JSON.parse(document.getElementById("strings").textContent);
  // The API's error codes (commerce.states.ErrorCode), and the one this script makes up.
  const E = { ...JSON.parse(document.getElementById("error-codes").textContent), NETWORK: "network" };
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  function t(key, params) {
    let text = strings[key] ?? key;
    // {n} is the value; {n:one|other} the English noun for it (commerce/words/__init__.py)
    text = text.replace(/\{(\w+)(?::([^|}]*)\|([^}]*))?\}/g, (all, k, one, other) =>
      !params || !(k in params) ? all : one === undefined ? String(params[k]) : Number(params[k]) === 1 ? one : other);
    return text;
  }

  // crypto.randomUUID needs a secure context; a tablet on http://192.168… is not one.
  function newKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // One call to /api. Writes carry the CSRF token and an Idempotency-Key: pass the same
  // `key` when retrying one action, so it is recorded once. Resolves to {ok, status, data};
  // a failure has data.error = {code, message, field?}. A lost connection resolves with
  // code "network"; an ended session goes back to the sign-in page.
  async function api(method, path, { body, key } = {}) {
    const headers = { Accept: "application/json" };
    const init = { method, headers, credentials: "same-origin" };
    if (method !== "GET") {
      headers["X-CSRF-Token"] = csrf;
      headers["Idempotency-Key"] = key || newKey();
      if (body instanceof FormData) init.body = body;
      else if (body !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
    }
    let resp;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      return { ok: false, status: 0, data: { error: { code: E.NETWORK, message: t("err.network") } } };
    }
    if (resp.status === 401) {
      location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      return { ok: false, status: 401, data: { error: { code: "unauthorized", message: t("err.session") } } };
    }
    let data = null;
    try {
      data = await resp.json();
    } catch (e) {
      data = { error: { code: "internal", message: t("err.internal") } };
    }
    if (!resp.ok && data && data.error && data.error.code === E.CSRF) data.error.message = t("err.csrf");
    return { ok: resp.ok, status: resp.status, data };
  }

  // el("tr", {class: "x", dataset: {id: 1}}, "text", childNode…): strings become text nodes.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v === true) node.setAttribute(k, "");
      else node.setAttribute(k, v);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function money(amount) {
    return t("money", { amount: Number(amount || 0).toLocaleString("en-US") });
  }

  let toastTimer = null;
  function toast(message, kind = "ok") {
    const box = document.getElementById("toast");
    box.textContent = message;
    box.className = `toast ${kind}`;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, kind === "error" ? 6000 : 3000);
  }

  // Show an API error next to its fields in `form` (by name or data-field): every bad field
  // of error.fields, each worded by `word` (default: the API's message); what matches no
  // field goes to the form's [data-form-error] slot, else to a toast.
  function showError(form, error, word) {
    clearErrors(form);
    const say = (e) => (word ? word(e) : e).message || t("err.internal");
    const find = (name) => name && form && (form.querySelector(`[name="${CSS.escape(name)}"]`) ||
      form.querySelector(`[data-field="${CSS.escape(name)}"]`));
    const unplaced = [];
    let first = null;
    for (const f of error.fields || [error]) {
      const one = { ...error, ...f };
      const field = find(one.field);
      if (!field) { unplaced.push(say(one)); continue; }
      field.setAttribute("aria-invalid", "true");
      field.insertAdjacentElement("afterend", el("p", { class: "field-error", role: "alert" }, say(one)));
      first = first || field;
    }
    if (first) first.focus();
    if (!unplaced.length) return;
    const message = [...new Set(unplaced)].join(" ");
    const slot = form && form.querySelector("[data-form-error]");
    if (slot) {
      slot.textContent = message;
      slot.hidden = false;
    } else toast(message, "error");
  }

  function clearErrors(form) {
    if (!form) return;
    form.querySelectorAll(".field-error").forEach((n) => n.remove());
    form.querySelectorAll('[aria-invalid="true"]').forEach((n) => n.removeAttribute("aria-invalid"));
    form.querySelectorAll("[data-form-error]").forEach((n) => { n.textContent = ""; n.hidden = true; });
  }

  // A whole number typed by hand ("  500 " → 500), else NaN.
  // A whole amount as typed: full-width digits (１０００) and separators (1,000) are read too.
  function whole(value) {
    const text = String(value ?? "").normalize("NFKC").replace(/[,\s]/g, "");
    return /^\d{1,12}$/.test(text) ? parseInt(text, 10) : NaN;
  }

  // Put `message` in a page's message slot (hidden when empty), styled by `kind` (ok, error…).
  function message(node, text, kind) {
    node.textContent = text || "";
    node.className = `msg ${kind || ""}`;
    node.hidden = !text;
  }

  function typing(target) {
    return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  // "/" focuses the page's search box; Esc is announced as a "po:escape" event.
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "/" && !typing(ev.target)) {
      const search = document.querySelector("[data-search]");
      if (search) {
        ev.preventDefault();
        search.focus();
        search.select();
      }
    } else if (ev.key === "Escape") {
      document.dispatchEvent(new CustomEvent("po:escape", { detail: { target: ev.target } }));
    }
  });

  return { E, t, api, el, money, toast, showError, clearErrors, newKey, csrf, whole, message };
})();
