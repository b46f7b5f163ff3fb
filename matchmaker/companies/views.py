from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker import tables
from matchmaker.auth import accounts
from matchmaker.auth.access import roles_required
from matchmaker.companies import bp, directory
from matchmaker.extensions import current_policy, db
from matchmaker.i18n import _l
from matchmaker.web import flash_refusals, safe_next, xlsx_response

PAGE = 50
EXPORT_LABELS = {"credit_code": _l("统一社会信用代码"), "name": _l("企业名称"), "role": _l("企业类型"),
                 "status": _l("审核状态"), "region_name": _l("注册地"), "park_name": _l("园区"),
                 "address": _l("地址"), "legal_representative": _l("法定代表人"),
                 "contact_name": _l("联系人"), "contact_phone": _l("联系电话"),
                 "clusters": _l("产业集群"), "local": _l("本地企业")}


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
    header, rows = directory.export_rows(db(), _directory_filters(), EXPORT_LABELS, {
        "role": {"anchor": _("主机企业"), "supplier": _("配套企业")},
        "status": {"approved": _("已审核"), "pending": _("待审核"), "rejected": _("未通过")},
        "local": {True: _("是"), False: _("否")}})
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


@bp.route("/<code>")
@roles_required("organizer", "anchor", "supplier")
def profile(code):
    """A company's page: what it published; contacts and status history for the office."""
    return render_template("companies/profile.html", **directory.profile(db(), current_user, code))
