"""The staff pages' plumbing: sign-in and sessions, CSRF, templates, the page guard.

A browser signs in at /login and gets an HttpOnly session cookie; the same session
authorises the JSON API (one write path for pages and scripts). Every write through a
session must carry the session's CSRF token: the ``X-CSRF-Token`` header on fetches, the
``csrf`` field on forms. The login form itself is protected by a double-submit cookie.
Pages send a strict Content-Security-Policy (no inline script) and buyer text is only ever
put in the page escaped (Jinja2 autoescape, ``textContent`` in scripts).
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
import jinja2
from aiohttp import web

from commerce import pushes, sessions
from commerce.db import utcnow
from commerce.staff import role_at_least
from commerce.states import ErrorCode, Role
from pickup_counter.api import ACTOR, PUBLIC_PATHS, ROLE, WRITE_METHODS, Forbidden, Unauthorized
from pickup_counter.i18n import LANG_COOKIE, LANGS, lang_of, strings, translate

HERE = Path(__file__).parent
SESSION_COOKIE = "plusone_session"
LOGIN_CSRF_COOKIE = "plusone_login_csrf"
SESSION = web.RequestKey("session", sessions.Session)
LOCALE = web.AppKey("page_locale", str)
ZONE = web.AppKey("page_zone", object)
SHOP = web.AppKey("page_shop", str)
BUDGET = web.AppKey("push_budget", object)  # PLUSONE_PUSH_BUDGET (None: LINE's quota)
_SESSION_PATHS = ("/api", "/counter", "/manager", "/login", "/logout")
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class CsrfFailed(Forbidden):
    code = ErrorCode.CSRF


def _secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto") == "https"


def address_of(request: web.Request) -> str:
    return request.remote or "unknown"


@web.middleware
async def session_middleware(request: web.Request, handler):
    """Resolve the session cookie (not for bearer callers) and check CSRF on API writes."""
    if request.path.startswith(_SESSION_PATHS) and not request.headers.get("Authorization"):
        token = request.cookies.get(SESSION_COOKIE, "")
        session = await sessions.session_for(token, now=utcnow()) if token else None
        if session is not None:
            request[SESSION] = session
            request[ROLE] = session.role
            request[ACTOR] = f"staff:{session.username}"
            if request.method in WRITE_METHODS and request.path.startswith("/api"):
                sent = request.headers.get("X-CSRF-Token", "")
                if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
                    raise CsrfFailed("send the page's X-CSRF-Token with every write")
        elif token and request.path.startswith("/api") and request.path not in PUBLIC_PATHS:
            raise Unauthorized("your sign-in has expired; sign in again")
    response = await handler(request)
    if not request.path.startswith("/api") and response.content_type == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _safe_next(value: str | None, default: str = "/counter") -> str:
    """Only a path on this site; ``default`` when there is none or it is not one.

    A local path starts with exactly one "/" and holds no backslash, whitespace or control
    character (browsers drop tabs and newlines, so "/\\t/evil" would become "//evil", another
    host; CR/LF would split the header)."""
    value = (value or "").strip()
    if (value.startswith("/") and not value.startswith(("//", "/\\")) and "\\" not in value
            and not any(c.isspace() or not c.isprintable() for c in value)):
        return value
    return default


def base_context(request: web.Request, *areas: str) -> dict[str, Any]:
    lang = lang_of(request, request.app[LOCALE])
    session = request.get(SESSION)
    return {
        "lang": lang,
        "other_lang": "en" if lang == "zh-TW" else "zh-TW",
        "t": lambda key, **p: translate(lang, key, **p),
        "js_strings": strings(lang, *areas),
        "error_codes": {code.name: code.value for code in ErrorCode},  # the scripts' PO.E
        "session": session,
        "csrf": session.csrf if session else "",
        "can_manage": bool(session and role_at_least(session.role, Role.MANAGER)),
        "can_admin": bool(session and role_at_least(session.role, Role.ADMIN)),
        "shop_name": request.app[SHOP],
        "path": request.path,
        "path_qs": request.path_qs,
    }


async def month_pushes(app: web.Application) -> dict[str, Any]:
    """This month's message cost for the top bar of every staff page: what we counted
    (billed as LINE bills), LINE's own count and quota (as last read), pushes held."""
    zone = app[ZONE]
    now = utcnow().astimezone(zone)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return await pushes.summary(start, end, month=start.strftime("%Y-%m"), budget=app.get(BUDGET))


Handler = Callable[[web.Request], Awaitable[dict[str, Any]]]


def page(template: str, *, role: str = "cashier", areas: tuple[str, ...] = ()) -> Callable[[Handler], Callable]:
    """A signed-in page: redirect to /login without a session, 403 below ``role``;
    the handler returns the template's context."""
    def wrap(fn: Handler):
        async def handler(request: web.Request) -> web.Response:
            session = request.get(SESSION)
            if session is None:
                raise web.HTTPSeeOther(f"/login?next={quote(request.raw_path, safe='/')}")  # raw: no spaces
            ctx = base_context(request, *areas)
            if not role_at_least(session.role, role):
                ctx["needed_role"] = role
                return aiohttp_jinja2.render_template("forbidden.html", request, ctx, status=403)
            ctx["pushes"] = await month_pushes(request.app)
            ctx.update(await fn(request))
            return aiohttp_jinja2.render_template(template, request, ctx)
        return handler
    return wrap


def _login_page(request: web.Request, *, status: int = 200, error: str = "", field: str = "",
                username: str = "", notice: str = "") -> web.Response:
    csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    ctx = base_context(request) | {"login_csrf": csrf, "error": error, "field": field, "username": username,
                                   "next": _safe_next(request.query.get("next")), "notice": notice}
    response = aiohttp_jinja2.render_template("login.html", request, ctx, status=status)
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="Strict", path="/login",
                        secure=_secure(request))
    return response


async def login_form(request: web.Request) -> web.Response:
    if request.get(SESSION) is not None:
        raise web.HTTPSeeOther(_safe_next(request.query.get("next")))
    notice = "login.signed_out" if request.query.get("bye") else ""
    return _login_page(request, notice=notice)


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    lang = lang_of(request, request.app[LOCALE])
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(str(form.get("csrf", "")).encode(), expected.encode()):
        return _login_page(request, status=400, error=translate(lang, "login.expired"), username=username)
    if not username.strip() or not password:
        field = "username" if not username.strip() else "password"
        return _login_page(request, status=400, error=translate(lang, "login.required"), field=field,
                           username=username)
    try:
        result = await sessions.sign_in(username, password, address=address_of(request), now=utcnow())
    except sessions.TooManyAttempts as err:
        minutes = max(1, -(-int(err.data["retry_after"]) // 60))
        response = _login_page(request, status=429, error=translate(lang, "login.too_many", minutes=minutes),
                               field="password", username=username)
        response.headers["Retry-After"] = str(err.data["retry_after"])
        return response
    if result is None:
        return _login_page(request, status=401, error=translate(lang, "login.wrong"), field="password",
                           username=username)
    token, _ = result
    response = web.HTTPSeeOther(_safe_next(request.query.get("next")))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax", path="/", secure=_secure(request),
                        max_age=int(sessions.LIFETIME.total_seconds()))
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    raise response


async def logout(request: web.Request) -> web.Response:
    session = request.get(SESSION)
    form = await request.post()
    if session is not None:
        if not hmac.compare_digest(str(form.get("csrf", "")).encode(), session.csrf.encode()):
            raise web.HTTPForbidden(text="the form expired; reload the page")
        await sessions.sign_out(request.cookies.get(SESSION_COOKIE, ""))
    response = web.HTTPSeeOther("/login?bye=1")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def choose_lang(request: web.Request) -> web.Response:
    lang = request.match_info["lang"]
    if lang not in LANGS:
        raise web.HTTPNotFound()
    response = web.HTTPSeeOther(_safe_next(request.query.get("next"), default="/"))
    response.set_cookie(LANG_COOKIE, lang, path="/", samesite="Lax", max_age=int(timedelta(days=400).total_seconds()))
    raise response


async def home(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/counter")


def static_url(app: web.Application) -> Callable[[str], str]:
    def url(filename: str) -> str:
        return str(app.router["pages_static"].url_for(filename=filename))
    return url


def setup(app: web.Application, *, locale: str, zone, shop_name: str, push_budget: int | None = None) -> None:
    """Templates, static files, sign-in routes. Page routes are added by their modules."""
    app[LOCALE], app[ZONE], app[SHOP], app[BUDGET] = locale, zone, shop_name, push_budget
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                               undefined=jinja2.StrictUndefined)
    env.globals["static"] = static_url(app)
    env.filters["money"] = lambda amount: f"{int(amount or 0):,}"
    env.filters["local"] = lambda value, fmt="%Y-%m-%d %H:%M": _local(value, zone, fmt)
    app.router.add_static("/static", HERE / "static", name="pages_static", append_version=True)
    app.router.add_get("/", home)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/lang/{lang}", choose_lang)


def _local(value: Any, zone, fmt: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime(fmt)
    return value.isoformat()
