// The admins' staff page: add a login, change a role, disable / enable, reset a password,
// create and revoke API tokens. The server renders what is read; every write goes through
// PO.api (session + CSRF). Usernames and token names are only ever set as text.
"use strict";
(() => {
  const root = document.getElementById("manager");
  if (!root || root.dataset.page !== "staff") return;
  const { E, t, api, toast, showError, clearErrors } = PO;
  const FLASH = "po.staff.flash";

  const FIELD_WORDS = { username: "staff.err.username", password: "staff.err.password", role: "staff.err.role",
    name: "staff.err.name" };
  const CODE_WORDS = { [E.USERNAME_TAKEN]: "staff.err.taken", [E.LAST_ADMIN]: "staff.err.last_admin",
    [E.FORBIDDEN]: "staff.err.forbidden", [E.NOT_FOUND]: "mgr.err.gone" };

  function said(error) {
    const key = CODE_WORDS[error.code] || (error.code === E.INVALID && FIELD_WORDS[error.field]);
    return key ? { ...error, message: t(key) } : error;
  }

  async function busy(button, work) {
    if (button) button.disabled = true;
    try {
      return await work();
    } finally {
      if (button) button.disabled = false;
    }
  }

  function reloadWith(message) {
    sessionStorage.setItem(FLASH, message);
    location.reload();
  }

  const flash = sessionStorage.getItem(FLASH);
  if (flash) {
    sessionStorage.removeItem(FLASH);
    toast(flash);
  }

  function rowError(row, error) {
    const slot = row.querySelector("[data-row-error]");
    slot.textContent = said(error).message;
    slot.hidden = false;
  }

  async function setDisabled(row, button, disabled) {
    row.querySelector("[data-row-error]").hidden = true;
    const result = await busy(button, () => api("PATCH", `/api/staff/${row.dataset.login}`, { body: { disabled } }));
    if (!result.ok) {
      rowError(row, result.data.error);
      return;
    }
    reloadWith(t(disabled ? "staff.disabled_done" : "staff.enabled_done"));
  }

  async function changeRole(form) {
    const row = form.closest("tr.login");
    const button = form.querySelector('button[type="submit"]');
    const result = await busy(button, () => api("PATCH", `/api/staff/${row.dataset.login}`,
      { body: { role: form.elements.role.value } }));
    if (!result.ok) {
      showError(form, result.data.error, said);
      return;
    }
    clearErrors(form);
    reloadWith(t("staff.role_changed"));
  }

  async function resetPassword(form) {
    const row = form.closest("tr.login");
    const button = form.querySelector('button[type="submit"]');
    const result = await busy(button, () => api("POST", `/api/staff/${row.dataset.login}/password`,
      { body: { password: form.elements.password.value } }));
    if (!result.ok) {
      showError(form, result.data.error, said);
      return;
    }
    form.reset();
    form.hidden = true;
    toast(t("staff.reset_done"));
  }

  async function addLogin(form) {
    const body = { username: form.elements.username.value, role: form.elements.role.value,
      password: form.elements.password.value };
    const button = form.querySelector('button[type="submit"]');
    const result = await busy(button, () => api("POST", "/api/staff", { body }));
    if (!result.ok) {
      showError(form, result.data.error, said);
      return;
    }
    reloadWith(t("staff.added", { name: result.data.username }));
  }

  async function createToken(form) {
    const body = { name: form.elements.name.value, role: form.elements.role.value };
    const button = form.querySelector('button[type="submit"]');
    const result = await busy(button, () => api("POST", "/api/tokens", { body }));
    if (!result.ok) {
      showError(form, result.data.error, said);
      return;
    }
    clearErrors(form);
    form.reset();
    document.getElementById("token-secret-value").textContent = result.data.secret || "";
    document.getElementById("token-secret").hidden = false;
  }

  function askRevoke(button) {  // a second click says yes
    button.dataset.action = "revoke-confirm";
    button.textContent = t("staff.revoke_confirm");
    button.title = t("staff.revoke_ask");
  }

  async function revokeToken(row, button) {
    const result = await busy(button, () => api("POST", `/api/tokens/${row.dataset.token}/revoke`));
    if (!result.ok) {
      toast(said(result.data.error).message, "error");
      return;
    }
    const badge = row.querySelector('[data-role="state"]');
    badge.className = "badge bad";
    badge.textContent = t("staff.token_revoked");
    button.remove();
    toast(t("staff.revoked_done"));
  }

  document.addEventListener("click", (ev) => {
    const button = ev.target.closest("button[data-action]");
    if (!button) return;
    const login = button.closest("tr.login");
    const token = button.closest("tr.token");
    const reset = login && login.querySelector(".reset-form");
    switch (button.dataset.action) {
      case "disable": setDisabled(login, button, true); break;
      case "enable": setDisabled(login, button, false); break;
      case "reset": reset.hidden = false; reset.elements.password.focus(); break;
      case "reset-cancel": reset.hidden = true; clearErrors(reset); break;
      case "revoke": askRevoke(button); break;
      case "revoke-confirm": if (token) revokeToken(token, button); break;
      default: break;
    }
  });
  document.addEventListener("submit", (ev) => {
    const form = ev.target;
    const work = { "add-form": addLogin, "token-form": createToken }[form.id] ||
      (form.classList.contains("role-form") && changeRole) || (form.classList.contains("reset-form") && resetPassword);
    if (!work) return;
    ev.preventDefault();
    work(form);
  });
})();
