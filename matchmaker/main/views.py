from flask import render_template
from flask_login import current_user, login_required

from graph import companies as company_store
from matchmaker import notifications
from matchmaker.extensions import db
from matchmaker.main import bp


@bp.route("/")
@login_required
def home():
    company = db().read(company_store.get_company, current_user.company) \
        if current_user.company else None
    pending = db().read(company_store.count_companies, None, "pending") \
        if current_user.is_organizer else 0
    return render_template("main/home.html", company=company, pending=pending)


@bp.route("/notifications")
@login_required
def inbox():
    """Newest first; opening the page marks them read."""
    items = notifications.inbox(db(), current_user)
    notifications.mark_read(db(), current_user, [n["id"] for n in items if not n["read"]])
    return render_template("main/notifications.html", items=items)
