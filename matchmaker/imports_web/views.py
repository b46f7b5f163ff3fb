from pathlib import Path

from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker import imports
from matchmaker.auth.access import roles_required
from matchmaker.errors import ValidationError
from matchmaker.extensions import current_policy, graph
from matchmaker.imports_web import bp


def _uploads() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "uploads"


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
        job = imports.preview(graph(), _uploads(), current_user, kind, upload.read(),
                              upload.filename, current_policy())
    except (ValidationError, imports.TooManyPreviews) as e:
        return render_template("imports/upload.html", kinds=kinds, kind=kind, error={
            "message": e.message, "details": e.details[:500]}), e.status
    return render_template("imports/job.html", job=job), \
        400 if job["summary"]["error_count"] else 200


@bp.route("/<job_id>/start", methods=["POST"])
@roles_required("anchor", "organizer")
def start(job_id):
    """Step 2: import in the background; the job page shows the progress."""
    imports.start(graph(), _uploads(), current_user, job_id,
                  request.form.get("valid_only") == "1", current_policy(),
                  current_app.config["EMBEDDING_MODEL"])
    return redirect(url_for("imports.job", job_id=job_id))


@bp.route("/<job_id>")
@roles_required("anchor", "organizer")
def job(job_id):
    job = imports.get(graph(), current_user, job_id)
    if job["status"] == "expired":
        raise imports.PreviewExpired()
    return render_template("imports/job.html", job=job)


@bp.route("/<job_id>/status")
@roles_required("anchor", "organizer")
def status(job_id):
    job = imports.get(graph(), current_user, job_id)
    return jsonify({k: job[k] for k in ("status", "done", "total", "report")})
