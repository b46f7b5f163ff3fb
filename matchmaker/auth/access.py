"""Access checks for views: role, and for company users an approved company. Company ownership
of each object is checked in the services."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from matchmaker.errors import Forbidden
from matchmaker.i18n import _l

# Until the office approves a company, its users see their registration status, their inbox and
# their own profile; nothing they do reaches other companies, rates or fairs.
NOT_APPROVED = {"pending": _l("贵企业的注册正在审核中，审核通过后才能使用此功能"),
                "rejected": _l("贵企业的注册未通过审核，请查看消息中的原因，修改后联系产业链办公室")}


def company_approved(user) -> bool:
    """Organizers belong to no company; a company user needs an approved company."""
    return not user.company or user.company_status == "approved"


def not_approved_message(user) -> str:
    return NOT_APPROVED.get(user.company_status, NOT_APPROVED["pending"])


def roles_required(*roles, unapproved_ok: bool = False):
    """A web page for `roles` (admins pass every role check). Company users also need an
    approved company, unless `unapproved_ok` (their own profile)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if roles and current_user.role not in roles and current_user.role != "admin":
                abort(403)
            if not unapproved_ok and not company_approved(current_user):
                raise Forbidden(not_approved_message(current_user))
            return view(*args, **kwargs)
        return wrapped
    return decorator


def api_access(scope: str, *roles: str):
    """An API route: logged in (session or token), one of `roles` (any when none given), an
    approved company for company users, and, for a token, `scope` granted to it."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if roles and current_user.role not in roles and current_user.role != "admin":
                raise Forbidden(_l("当前账户的角色不能使用此接口"))
            if not company_approved(current_user):
                raise Forbidden(not_approved_message(current_user), field="company")
            if current_user.scopes is not None and scope not in current_user.scopes:
                raise Forbidden(_l("令牌没有“%(scope)s”权限", scope=scope), field="scope")
            return view(*args, **kwargs)
        wrapped.api_scope = scope
        return wrapped
    return decorator
