from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph import catalog, reference
from matchmaker.auth.access import roles_required
from matchmaker.errors import DomainError
from matchmaker.extensions import db
from matchmaker.matching import service
from matchmaker.needs import service as need_service
from matchmaker.suppliers import bp
from matchmaker.suppliers.forms import CapabilityForm


def _categories() -> list[tuple[str, str]]:
    return [("", "—")] + [(c["code"], c["name"])
                          for c in db().read_once(reference.list_categories) if c["parent"]]


@bp.route("/profile")
@roles_required("supplier", unapproved_ok=True)
def profile():
    return render_template("suppliers/profile.html",
                           capabilities=service.capabilities_shown(db(), current_user.company))


@bp.route("/capabilities/new", methods=["GET", "POST"], defaults={"capability_id": None})
@bp.route("/capabilities/<capability_id>", methods=["GET", "POST"])
@roles_required("supplier", unapproved_ok=True)
def edit_capability(capability_id):
    """Add or edit one capability; saving re-embeds it so matching sees the change at once."""
    existing = None
    if capability_id:
        mine = {c["id"]: c for c in db().read(catalog.capabilities_of, current_user.company)}
        existing = mine.get(capability_id)
        if existing is None:  # another supplier's id, or none at all
            return render_template("error.html", status=404, message=_("没有这项能力")), 404
    form = CapabilityForm(data=_form_data(existing) if existing and request.method == "GET"
                          else None)
    form.category.choices = _categories()
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k not in ("csrf_token", "category")}
        data["categories"] = [form.category.data] if form.category.data else []
        data["id"] = capability_id
        try:
            service.save_capabilities(db(), current_app.config["EMBEDDING_MODEL"],
                                      current_user.company, [data])
        except DomainError as e:
            getattr(form, e.field or "products", form.products).errors.append(e.message)
        else:
            flash(_("已保存，匹配结果已更新"), "success")
            return redirect(url_for("suppliers.profile"))
    status = 400 if request.method == "POST" else 200
    return render_template("suppliers/capability.html", form=form, existing=existing), status


def _form_data(cap: dict) -> dict:
    return {"products": cap["products"], "processes": cap["processes"],
            "materials": cap["materials"], "equipment": cap["equipment"],
            "certifications": cap["certifications"] or [],
            "capacity_per_year": cap["capacity_per_year"],
            "category": (cap["categories"] or [""])[0]}


@bp.route("/needs")
@roles_required("supplier")
def matching_needs():
    return render_template("suppliers/needs.html",
                           needs=service.match_supplier(db(), current_user.company),
                           interested=need_service.interests_of(db(), current_user))


@bp.route("/needs/<need_id>/interest", methods=["POST"])
@roles_required("supplier")
def express_interest(need_id):
    """The supplier tells the anchor it can supply this need; the anchor is notified."""
    if need_service.express_interest(db(), current_user, need_id, request.form.get("message")):
        flash(_("已告知采购方，对方可在需求页看到贵企业的联系方式"), "success")
    else:
        flash(_("此前已表达过意向"), "info")
    return redirect(url_for("suppliers.matching_needs", _anchor=f"need-{need_id}"))
