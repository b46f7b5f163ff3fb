from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker.auth.access import roles_required
from matchmaker.errors import DomainError
from matchmaker.extensions import db
from matchmaker.mail import bp, service
from matchmaker.mail.forms import PreferencesForm
from matchmaker.web import int_arg

PAGE = 50


@bp.route("/preferences", methods=["GET", "POST"])
@roles_required(unapproved_ok=True)
def preferences():
    """Which e-mails the user receives (default: all) and in which language."""
    form = PreferencesForm(data=service.preferences(db(), current_user)
                           if request.method == "GET" else None)
    form.topics.choices = [(t, service.TOPIC_TEXT[t]) for t in service.topics_for(current_user)]
    form.language.choices = list(service.LANGUAGES.items())
    if form.validate_on_submit():
        try:
            service.set_preferences(db(), current_user, form.topics.data, form.language.data)
        except DomainError as e:
            getattr(form, e.field or "topics").errors.append(e.message)
        else:
            flash(_("邮件设置已保存"), "success")
            return redirect(url_for("mail.preferences"))
    status = 400 if request.method == "POST" else 200
    return render_template("mail/preferences.html", form=form), status


@bp.route("/outbox")
@roles_required("organizer")
def outbox():
    """Every e-mail queued, sent or failed; in development (no SMTP server), what would be
    sent."""
    status = request.args.get("status") or None
    page = int_arg("page", 1, 1, 10_000)
    result = service.outbox(db(), status, page, PAGE)
    return render_template("mail/outbox.html", result=result, status=status, page=page,
                           per_page=PAGE, status_text=service.STATUS_TEXT,
                           topic_text=service.TOPIC_TEXT,
                           smtp_on=bool(current_app.config["SMTP_HOST"]))


@bp.route("/outbox/<path:key>")
@roles_required("organizer")
def outbox_message(key):
    return render_template("mail/outbox_message.html",
                           message=service.outbox_message(db(), key, current_app.config),
                           status_text=service.STATUS_TEXT)
