"""Small helpers shared by the views of every feature: where to go back to, query-string
arguments, spreadsheet downloads, and the answer to a service's refusal (one failure policy per
blueprint, declared once, instead of try/except in every view)."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from flask import (Blueprint, Response, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_login import current_user

from matchmaker import charts, clock, tables
from matchmaker.auth.access import company_approved
from matchmaker.errors import DomainError, ValidationError
from matchmaker.extensions import current_policy
from matchmaker.ratelimit import RateLimited
from matchmaker.i18n import _l

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_next(target, fallback: str) -> str:
    """`target` when it is a path on this site, else `fallback`: every `next` goes through here.

    Browsers drop tabs and newlines inside URLs and read a backslash as a slash, so
    "/\\t/evil.example" and "/\\\\evil.example" lead off-site although they start with one slash;
    an encoded slash ("/%2F/evil.example") does too once a proxy decodes it."""
    if not isinstance(target, str) or not target:
        return fallback
    for form in (target, unquote(target)):
        if any(ch < " " or ch == "\x7f" or ch == "\\" for ch in form):
            return fallback
        if not form.startswith("/") or form.startswith("//"):
            return fallback
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return fallback
    return target


def referring_page(fallback: str) -> str:
    """The page of this site that a form was posted from (browsers send it as Referer)."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host:
        return fallback
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""), fallback)


def int_arg(name: str, default: int | None, low: int, high: int, source=None) -> int | None:
    """An integer from the query string (or `source`, e.g. request.form); `default` when absent.
    Anything else than a whole number in [low, high] is a 400 naming the parameter."""
    raw = (source if source is not None else request.args).get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(_l("%(name)s 应为整数", name=name), field=name) from None
    if not low <= value <= high:
        raise ValidationError(_l("%(name)s 应在 %(low)s–%(high)s 之间", name=name, low=low, high=high),
                              field=name)
    return value


def year_arg(source=None, required: bool = False) -> int:
    """The year a page or API call is about: one the policy file has rules for; last year by
    default, unless the caller must name it (`required`)."""
    year = int_arg("year", None if required else clock.today().year - 1,
                   current_policy().first_year, clock.today().year + 1, source)
    if year is None:
        raise ValidationError(_l("缺少 year 参数"), field="year")
    return year


def xlsx_response(sheets: dict[str, tuple[list[str], list[list]]], filename: str) -> Response:
    """An Excel download: {sheet: (header, rows)} (formula-like text is neutralized)."""
    return Response(tables.write_xlsx(sheets), mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz" or (
        request.accept_mimetypes.best == "application/json")


def domain_error_response(e: DomainError):
    """A service's refusal as the caller expects it: JSON for the API, else an error page."""
    headers = {"Retry-After": str(e.retry_after)} if isinstance(e, RateLimited) else {}
    if wants_json():
        return jsonify(e.to_dict()), e.status, headers
    return render_template("error.html", status=e.status, message=e.message), e.status, headers


def flash_refusals(bp: Blueprint, back: Callable[[], str],
                   statuses: tuple[int, ...] | None = None) -> None:
    """The failure policy of a blueprint whose forms post and redirect: when a service refuses
    a form post (a DomainError; one of `statuses` when given), the user is sent back to `back()`
    with the reason flashed. Pages (GET), other refusals and the access check's own refusal (a
    company not yet approved) get the site's error answer."""
    @bp.errorhandler(DomainError)
    def refused(e: DomainError):
        if (request.method != "POST" or (statuses and e.status not in statuses)
                or not (current_user.is_authenticated and company_approved(current_user))):
            return domain_error_response(e)
        flash(str(e.message), "error")
        return redirect(back())


def chart_download(*specs) -> Response | None:
    """The Excel of the page's figure named by `?chart=`; otherwise None, after giving each
    figure the address of its download (this page with `?chart=<id>`)."""
    wanted = request.args.get("chart")
    for spec in specs:
        if spec and spec["id"] == wanted:
            return xlsx_response(charts.sheets(spec), f"{spec['id']}.xlsx")
    for spec in specs:
        if spec:
            spec["download"] = url_for(request.endpoint, **{
                **(request.view_args or {}), **request.args.to_dict(), "chart": spec["id"]})
    return None
