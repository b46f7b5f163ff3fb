from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph import audit as audit_store
from graph import reference
from matchmaker.auth.access import roles_required
from matchmaker.errors import DomainError
from matchmaker.extensions import current_policy, graph
from matchmaker.reference import bp
from matchmaker.reference import edits


@bp.before_app_request
def see_reference_edits():
    """A process drops the reference lists it kept as soon as any process has edited them
    (gunicorn workers each keep their own): a request that uses one first reads the version."""
    if request.endpoint != "static":
        graph().begin_request()


def _kind(kind: str) -> str:
    if kind not in edits.KINDS:
        abort(404)
    return kind


def _back(kind: str, code: str | None):
    return redirect(url_for("reference.item", kind=kind, code=code) if code
                    else url_for("reference.items", kind=kind))


def _done(message: str, kind: str, code: str | None = None):
    flash(message, "success")
    return _back(kind, code)


def _failed(e: DomainError, kind: str, code: str | None = None):
    flash(e.message, "error")
    return _back(kind, code)


@bp.route("/")
@roles_required("organizer")
def index():
    return redirect(url_for("reference.items", kind="park"))


@bp.route("/<kind>")
@roles_required("organizer")
def items(kind):
    _kind(kind)
    rows = graph().read(reference.LISTS[kind], True)
    return render_template(
        "reference/items.html", kind=kind, rows=rows, uses=graph().read(reference.uses, kind),
        tops=[c for c in rows if kind == "category" and not c["parent"]
              and c["status"] == "active"],
        proposals=graph().read(reference.park_proposals) if kind == "park" else [],
        parks=[p for p in rows if p["status"] == "active"] if kind == "park" else [])


@bp.route("/<kind>", methods=["POST"])
@roles_required("organizer")
def add(kind):
    try:
        code = edits.add(graph(), _kind(kind), request.form, current_user.email,
                         current_policy().region)
    except DomainError as e:
        return _failed(e, kind)
    return _done(_("已添加 %(code)s", code=code), kind, code)


@bp.route("/<kind>/<code>")
@roles_required("organizer")
def item(kind, code):
    found = graph().read(reference.get_item, _kind(kind), code)
    if found is None:
        abort(404)
    live = [r for r in graph().read(reference.LISTS[kind])
            if r["code"] != code and bool(r.get("parent")) == bool(found.get("parent"))]
    return render_template(
        "reference/item.html", kind=kind, item=found, others=live,
        uses=graph().read(reference.uses, kind).get(code, 0),
        history=[e for e in graph().read(audit_store.events, f"{kind}:{code}")
                 if e["subject"] == f"{kind}:{code}"])


def _edit(kind: str, code: str, change, message: str):
    try:
        change()
    except DomainError as e:
        return _failed(e, kind, code)
    return _done(message, kind, code)


@bp.route("/<kind>/<code>/rename", methods=["POST"])
@roles_required("organizer")
def rename(kind, code):
    return _edit(_kind(kind), code, lambda: edits.rename(
        graph(), kind, code, request.form, current_user.email, current_policy().region),
        _("已保存，原名称作为别名保留"))


@bp.route("/<kind>/<code>/aliases", methods=["POST"])
@roles_required("organizer")
def aliases(kind, code):
    return _edit(_kind(kind), code, lambda: edits.set_aliases(
        graph(), kind, code, request.form.get("aliases", ""), current_user.email),
        _("别名已保存"))


@bp.route("/<kind>/<code>/merge", methods=["POST"])
@roles_required("organizer")
def merge(kind, code):
    into = request.form.get("into", "")
    try:
        moved = edits.merge(graph(), _kind(kind), code, into, current_user.email)
    except DomainError as e:
        return _failed(e, kind, code)
    return _done(_("已合并到 %(code)s，转移了 %(n)s 条关联记录", code=into, n=moved), kind, into)


@bp.route("/<kind>/<code>/retire", methods=["POST"])
@roles_required("organizer")
def retire(kind, code):
    return _edit(_kind(kind), code, lambda: edits.retire(graph(), kind, code,
                                                         current_user.email),
                 _("已停用：不再供新记录选择，已有记录保留"))


@bp.route("/<kind>/<code>/restore", methods=["POST"])
@roles_required("organizer")
def restore(kind, code):
    return _edit(_kind(kind), code, lambda: edits.restore(graph(), kind, code,
                                                          current_user.email),
                 _("已恢复使用"))


@bp.route("/proposals", methods=["POST"])
@roles_required("organizer")
def proposal():
    """Confirm a proposed park name as a new park, map it to a park, or dismiss it."""
    key, action = request.form.get("key", ""), request.form.get("action")
    try:
        if action == "confirm":
            code = edits.confirm_proposal(graph(), key, request.form, current_user.email,
                                          current_policy().region)
            message = _("已新建园区 %(code)s，并关联提到它的企业", code=code)
        elif action == "map":
            edits.map_proposal(graph(), key, request.form.get("park", ""), current_user.email)
            message = _("已作为园区别名，并关联提到它的企业")
        elif action == "dismiss":
            edits.dismiss_proposal(graph(), key, current_user.email)
            message = _("已忽略")
        else:
            abort(400)
    except DomainError as e:
        return _failed(e, "park")
    return _done(message, "park")
