from flask import render_template
from flask_login import current_user, login_required

from graph import companies as company_store
from matchmaker import notifications
from matchmaker.extensions import graph
from matchmaker.main import bp


@bp.route("/")
@login_required
def home():
    company = graph().read(company_store.get_company, current_user.company) \
        if current_user.company else None
    pending = graph().read(company_store.count_companies, None, "pending") \
        if current_user.is_organizer else 0
    return render_template("main/home.html", company=company, pending=pending)


@bp.route("/notifications")
@login_required
def inbox():
    """Newest first; opening the page marks them read."""
    items = notifications.inbox(graph(), current_user)
    notifications.mark_read(graph(), current_user, [n["id"] for n in items if not n["read"]])
    return render_template("main/notifications.html", items=items)
