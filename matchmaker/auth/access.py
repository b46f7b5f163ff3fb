"""Role checks for views. Company ownership is checked in the services, per object."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from matchmaker.errors import Forbidden


def roles_required(*roles):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles and current_user.role != "admin":
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def api_access(scope: str, *roles: str):
    """An API route: logged in (session or token), one of `roles` (any when none given), and,
    for a token, `scope` granted to it."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if roles and current_user.role not in roles and current_user.role != "admin":
                raise Forbidden("当前账户的角色不能使用此接口")
            if current_user.scopes is not None and scope not in current_user.scopes:
                raise Forbidden(f"令牌没有“{scope}”权限", field="scope")
            return view(*args, **kwargs)
        wrapped.api_scope = scope
        return wrapped
    return decorator
