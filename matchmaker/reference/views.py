from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph import audit as audit_store
from graph import reference
from matchmaker.auth.access import roles_required
from matchmaker.extensions import current_policy, db
from matchmaker.reference import bp
from matchmaker.web import flash_refusals
from matchmaker.reference import edits


@bp.before_app_request
def see_reference_edits():
    """A process drops the reference lists it kept as soon as any process has edited them
    (gunicorn workers each keep their own): a request that uses one first reads the version."""
    if request.endpoint != "static":
        db().begin_request()


def _kind(kind: str) -> str:
    if kind not in edits.KINDS:
        abort(404)
    return kind


def _page(kind: str, code: str | None) -> str:
    return (url_for("reference.item", kind=kind, code=code) if code
            else url_for("reference.items", kind=kind))


def _done(message: str, kind: str, code: str | None = None):
    flash(message, "success")
    return redirect(_page(kind, code))


# An edit the rules refuse is flashed on the page of the item, or of the list, it came from.
flash_refusals(bp, lambda: _page(request.view_args.get("kind", "park"),
                                 request.view_args.get("code")))


@bp.route("/")
@roles_required("organizer")
def index():
    return redirect(url_for("reference.items", kind="park"))


@bp.route("/<kind>")
@roles_required("organizer")
def items(kind):
    _kind(kind)
    rows = db().read(reference.LISTS[kind], True)
    return render_template(
        "reference/items.html", kind=kind, rows=rows, uses=db().read(reference.uses, kind),
        tops=[c for c in rows if kind == "category" and not c["parent"]
              and c["status"] == "active"],
        proposals=db().read(reference.park_proposals) if kind == "park" else [],
        parks=[p for p in rows if p["status"] == "active"] if kind == "park" else [])


@bp.route("/<kind>", methods=["POST"])
@roles_required("organizer")
def add(kind):
    code = edits.add(db(), _kind(kind), request.form, current_user.email,
                     current_policy().region)
    return _done(_("已添加 %(code)s", code=code), kind, code)


@bp.route("/<kind>/<code>")
@roles_required("organizer")
def item(kind, code):
    found = db().read(reference.get_item, _kind(kind), code)
    if found is None:
        abort(404)
    live = [r for r in db().read(reference.LISTS[kind])
            if r["code"] != code and bool(r.get("parent")) == bool(found.get("parent"))]
    return render_template(
        "reference/item.html", kind=kind, item=found, others=live,
        uses=db().read(reference.uses, kind).get(code, 0),
        history=[e for e in db().read(audit_store.events, f"{kind}:{code}")
                 if e["subject"] == f"{kind}:{code}"])


@bp.route("/<kind>/<code>/rename", methods=["POST"])
@roles_required("organizer")
def rename(kind, code):
    edits.rename(db(), _kind(kind), code, request.form, current_user.email,
                 current_policy().region)
    return _done(_("已保存，原名称作为别名保留"), kind, code)


@bp.route("/<kind>/<code>/aliases", methods=["POST"])
@roles_required("organizer")
def aliases(kind, code):
    edits.set_aliases(db(), _kind(kind), code, request.form.get("aliases", ""),
                      current_user.email)
    return _done(_("别名已保存"), kind, code)


@bp.route("/<kind>/<code>/merge", methods=["POST"])
@roles_required("organizer")
def merge(kind, code):
    into = request.form.get("into", "")
    moved = edits.merge(db(), _kind(kind), code, into, current_user.email)
    return _done(_("已合并到 %(code)s，转移了 %(n)s 条关联记录", code=into, n=moved), kind, into)


@bp.route("/<kind>/<code>/retire", methods=["POST"])
@roles_required("organizer")
def retire(kind, code):
    edits.retire(db(), _kind(kind), code, current_user.email)
    return _done(_("已停用：不再供新记录选择，已有记录保留"), kind, code)


@bp.route("/<kind>/<code>/restore", methods=["POST"])
@roles_required("organizer")
def restore(kind, code):
    edits.restore(db(), _kind(kind), code, current_user.email)
    return _done(_("已恢复使用"), kind, code)


@bp.route("/proposals", methods=["POST"])
@roles_required("organizer")
def proposal():
    """Confirm a proposed park name as a new park, map it to a park, or dismiss it."""
    key, action = request.form.get("key", ""), request.form.get("action")
    if action == "confirm":
        code = edits.confirm_proposal(db(), key, request.form, current_user.email,
                                      current_policy().region)
        message = _("已新建园区 %(code)s，并关联提到它的企业", code=code)
    elif action == "map":
        edits.map_proposal(db(), key, request.form.get("park", ""), current_user.email)
        message = _("已作为园区别名，并关联提到它的企业")
    elif action == "dismiss":
        edits.dismiss_proposal(db(), key, current_user.email)
        message = _("已忽略")
    else:
        abort(400)
    return _done(message, "park")
