from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker import tables
from matchmaker.auth import accounts
from matchmaker.auth.access import roles_required
from matchmaker.companies import bp, directory
from matchmaker.extensions import current_policy, db
from matchmaker.web import flash_refusals, safe_next, xlsx_response

PAGE = 50


def _back_to() -> str:
    return safe_next(request.form.get("next"), url_for("companies.directory"))


# A decision the office cannot take as asked (no reason for a rejection) is flashed on the list.
flash_refusals(bp, _back_to, statuses=(400, 409))


def _directory_filters() -> dict:
    return {"role": request.args.get("role") or None,
            "status": request.args.get("status") or None,
            "search": (request.args.get("q") or "").strip()[:50] or None,
            "region": request.args.get("region") or None,
            "park": request.args.get("park") or None}


@bp.route("", endpoint="directory")
@roles_required("organizer")
def directory_page():
    page, _per_page = directory.page_args(request.args.get("page"), PAGE)
    filters = _directory_filters()
    result = directory.companies(db(), current_user, filters, page, PAGE)
    return render_template("companies/directory.html", result=result, filters=filters,
                           companies=directory.with_duplicate_review(db(), result["items"]),
                           **directory.filter_choices(db(), current_policy().region))


@bp.route("/export.<fmt>")
@roles_required("organizer")
def export(fmt):
    if fmt not in ("xlsx", "csv"):
        abort(404)
    header, rows = directory.export_rows(db(), _directory_filters())
    if fmt == "xlsx":
        return xlsx_response({_("企业名录"): (header, rows)}, "companies.xlsx")
    return Response(tables.write_csv(header, rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=companies.csv"})


@bp.route("/<credit_code>/status", methods=["POST"])
@roles_required("organizer")
def set_status(credit_code):
    """The office approves or rejects a registration (a rejection names its reason)."""
    accounts.set_company_status(db(), credit_code, request.form.get("status"),
                                request.form.get("reason"), current_user.email)
    flash(_("已更新企业状态"), "success")
    return redirect(_back_to())
