import re

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph import catalog, reference
from matchmaker.auth.access import roles_required
from matchmaker.errors import DomainError
from matchmaker.extensions import db
from matchmaker.matching import service as matching
from matchmaker.matching.ranking import Filters
from matchmaker.needs import bp
from matchmaker.needs import service
from matchmaker.needs.forms import NeedForm


@bp.route("/")
@roles_required("anchor")
def index():
    needs = db().read(catalog.needs_of, current_user.company) if current_user.company else []
    return render_template("needs/index.html", needs=needs)


@bp.route("/new", methods=["GET", "POST"], defaults={"need_id": None})
@bp.route("/<need_id>/edit", methods=["GET", "POST"])
@roles_required("anchor")
def edit(need_id):
    """Post a need (as a draft or open at once), or edit one of the company's own."""
    existing = service.own_need(db(), current_user, need_id) if need_id else None
    form = NeedForm(data=_form_data(existing) if existing and request.method == "GET" else None)
    form.category.choices = [("", "—")] + [
        (c["code"], c["name"])
        for c in db().read_once(reference.list_categories) if c["parent"]]
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k != "csrf_token"}
        data["id"] = need_id
        data["certs_required"] = [c for c in re.split(r"[,，、;；\s]+", data["certs_required"] or "")
                                  if c]
        try:
            saved = service.save_need(db(), current_app.config["EMBEDDING_MODEL"],
                                      current_user, data, existing)
        except DomainError as e:
            getattr(form, e.field or "title", form.title).errors.append(e.message)
        else:
            return redirect(url_for("needs.show", need_id=saved["id"]))
    return render_template("needs/new.html", form=form, existing=existing), \
        200 if request.method == "GET" else 400


def _form_data(need: dict) -> dict:
    deadline = need.get("deadline")
    return dict(need, deadline=deadline.to_native() if deadline else None,
                certs_required="、".join(need.get("certs_required") or []),
                status=need["status"] if need["status"] in ("open", "draft") else "open")


@bp.route("/<need_id>/status", methods=["POST"])
@roles_required("anchor")
def set_status(need_id):
    service.set_need_status(db(), current_user, need_id, request.form.get("status"))
    flash({"open": _("需求已发布，匹配度高的配套企业会收到通知"), "closed": _("需求已关闭"),
           "draft": _("需求已转为草稿")}[request.form["status"]], "success")
    return redirect(url_for("needs.show", need_id=need_id))


@bp.route("/<need_id>/marks/<supplier>", methods=["POST"])
@roles_required("anchor")
def mark(need_id, supplier):
    status = request.form.get("status") or None
    service.mark(db(), current_user, need_id, supplier, status, request.form.get("reason"))
    flash({"shortlisted": _("已加入候选，联系人见“跟进”"), "engaged": _("已标记为已对接"),
           "not_a_fit": _("已标记为不合适，今后的排序会参考这一判断"),
           None: _("已取消标记")}[status], "success")
    return redirect(url_for("needs.show", need_id=need_id, _anchor=f"s-{supplier}"))


@bp.route("/<need_id>")
@roles_required("anchor", "organizer", "supplier")
def show(need_id):
    if current_user.role == "supplier":   # the published need, without anyone's ranking
        return render_template("needs/brief.html",
                               need=service.public_need(db(), need_id),
                               interested=need_id in service.interests_of(db(), current_user))
    filters = Filters(local_only=request.args.get("local") == "1",
                      required_certs=[c for c in request.args.getlist("cert") if c])
    result = matching.match_need(db(), need_id, current_user, filters)
    follow_up = service.for_need(db(), current_user, result["need"]) \
        if result["need"]["company"] == current_user.company else None
    return render_template("needs/show.html", need=result["need"], matches=result["matches"],
                           abstain=result["abstain"], filters=filters, follow_up=follow_up)
