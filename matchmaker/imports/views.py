from pathlib import Path

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph import ledger as ledger_store
from graph import reference
from matchmaker import tables
from matchmaker.auth.access import roles_required
from matchmaker.errors import ValidationError
from matchmaker.extensions import current_policy, db
from matchmaker.i18n import shown
from matchmaker.imports import bp
from matchmaker.imports import jobs as imports
from matchmaker.imports import purchases as ledger
from matchmaker.web import year_arg


def _uploads() -> Path:
    return imports.uploads_dir(current_app.config)


@bp.route("/", methods=["GET", "POST"])
@roles_required("anchor", "organizer")
def upload():
    """Step 1: upload and preview; nothing is stored but the file itself."""
    kinds = imports.kinds_for(current_user)
    kind = request.values.get("kind") or kinds[0]
    if request.method == "GET":
        return render_template("imports/upload.html", kinds=kinds, kind=kind, error=None)
    try:
        upload = request.files.get("file")
        if not upload or not upload.filename:
            raise ValidationError(_("请选择要上传的文件"), field="file")
        imports.remember_columns(db(), current_user, kind, _column_choices())
        job = imports.preview(db(), _uploads(), current_user, kind, upload.read(),
                              upload.filename, current_policy(),
                              current_app.config["EMBEDDING_MODEL"],
                              (request.form.get("sheet") or "").strip() or None)
    except (ValidationError, imports.TooManyPreviews) as e:
        return render_template("imports/upload.html", kinds=kinds, kind=kind, error={
            "message": e.message, "details": e.details[:500]}), e.status
    return render_template("imports/job.html", job=job), \
        400 if job["summary"]["error_count"] else 200


def _column_choices() -> dict[str, str]:
    """{the file's header: column} as the user mapped the headers the importer did not know."""
    return {request.form.get(f"header_{i}", ""): request.form.get(f"column_{i}", "")
            for i in range(tables.MAX_COLUMNS) if f"header_{i}" in request.form}


@bp.route("/<job_id>/start", methods=["POST"])
@roles_required("anchor", "organizer")
def start(job_id):
    """Step 2: queue the import for the worker; the job page shows the progress."""
    imports.start(db(), _uploads(), current_user, job_id,
                  request.form.get("valid_only") == "1")
    return redirect(url_for("imports.job", job_id=job_id))


@bp.route("/<job_id>")
@roles_required("anchor", "organizer")
def job(job_id):
    job = imports.get(db(), current_user, job_id)
    if job["status"] == "expired":
        raise imports.PreviewExpired()
    return render_template("imports/job.html", job=job)


@bp.route("/<job_id>/status")
@roles_required("anchor", "organizer")
def status(job_id):
    job = imports.get(db(), current_user, job_id)
    return jsonify(shown({k: job[k] for k in ("status", "phase", "done", "total", "report")}))


@bp.route("/material-groups", methods=["GET", "POST"])
@roles_required("organizer")
def material_groups():
    """Anchors' ERP material groups that no part was found for: the office files each once."""
    year = year_arg(request.values)
    if request.method == "POST":
        moved = ledger.map_material_group(db(), request.form.get("anchor", ""),
                                          request.form.get("text", ""),
                                          request.form.get("category", ""), current_user.email)
        flash(_("已对应，%(n)s 条采购记录归入该品类", n=moved), "success")
        return redirect(url_for("imports.material_groups", year=year))
    return render_template(
        "imports/material_groups.html", year=year,
        groups=db().read(ledger_store.unmapped_groups, year),
        parts=[c for c in db().read_once(reference.list_categories) if c["parent"]])
