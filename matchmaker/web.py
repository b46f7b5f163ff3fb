"""Small helpers shared by the views of every feature."""
from __future__ import annotations

from datetime import date
from urllib.parse import unquote, urlsplit

from flask import Response, request, url_for

from matchmaker import charts
from matchmaker.errors import ValidationError

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
        raise ValidationError(f"{name} 应为整数", field=name) from None
    if not low <= value <= high:
        raise ValidationError(f"{name} 应在 {low}–{high} 之间", field=name)
    return value


def year_arg(policy, source=None, required: bool = False) -> int:
    """The year a page or API call is about: one the policy file has rules for; last year by
    default, unless the caller must name it (`required`)."""
    year = int_arg("year", None if required else date.today().year - 1, policy.first_year,
                   date.today().year + 1, source)
    if year is None:
        raise ValidationError("缺少 year 参数", field="year")
    return year


def chart_download(*specs) -> Response | None:
    """The Excel of the page's figure named by `?chart=`; otherwise None, after giving each
    figure the address of its download (this page with `?chart=<id>`)."""
    wanted = request.args.get("chart")
    for spec in specs:
        if spec and spec["id"] == wanted:
            return Response(charts.workbook(spec), mimetype=XLSX, headers={
                "Content-Disposition": f"attachment; filename={spec['id']}.xlsx"})
    for spec in specs:
        if spec:
            spec["download"] = url_for(request.endpoint, **{
                **(request.view_args or {}), **request.args.to_dict(), "chart": spec["id"]})
    return None
