"""In-app notifications: who hears about what. Stored as a kind and its subject so that each
user reads them in their own language; each may also go out by e-mail (matchmaker.mail)."""
from __future__ import annotations

import uuid

from flask_babel import gettext as _

from graph import notifications as notification_store


ORGANIZERS = "organizers"


def audiences(user) -> list[str]:
    return [ORGANIZERS] if user.is_organizer else [user.company] if user.company else []


def send(graph, items: list[tuple]) -> None:
    """items: (audience, kind, subject, link) or (audience, kind, subject, link, about), where
    `about` is the id of what the notification is about (a fair's, for the fair kinds). The
    notifications and their e-mails are stored in one transaction."""
    from matchmaker.mail import service as mail
    rows = [{"id": uuid.uuid4().hex, "audience": a, "kind": k, "subject": s, "link": link,
             "about": about[0] if about else None}
            for a, k, s, link, *about in items if a]
    if not rows:
        return

    def work(tx):
        notification_store.create_notifications(tx, rows)
        mail.queue(tx, rows)
    graph.write(work)


def sentence(kind: str, subject: str) -> str:
    """The notification in one sentence, in the current locale (the inbox and the e-mail's
    subject line)."""
    texts = {
        "matching_need": lambda: _("新的采购需求与贵企业能力匹配：%(s)s", s=subject),
        "interest": lambda: _("%(s)s 对贵企业的采购需求表达了意向", s=subject),
        "approved": lambda: _("贵企业已通过产业链办公室审核"),
        "rejected": lambda: _("贵企业的注册信息未通过审核，请联系产业链办公室") + (
            _("（原因：%(s)s）", s=subject) if subject else ""),
        "registered": lambda: _("新企业注册待审核：%(s)s", s=subject),
        "meeting_request": lambda: _("%(s)s 向贵企业发起了洽谈邀约", s=subject),
        "meeting_accepted": lambda: _("%(s)s：贵企业发起的洽谈邀约已被接受", s=subject),
        "meeting_declined": lambda: _("%(s)s：贵企业发起的洽谈邀约已被婉拒", s=subject),
        "schedule_published": lambda: _("%(s)s：洽谈日程已发布", s=subject),
        "fair_reminder": lambda: _("明天举行：%(s)s", s=subject),
        "follow_up": lambda: _("%(s)s 已过去一段时间，请告诉我们各场会谈的进展", s=subject),
        "standby_meeting": lambda: _("现场为您新安排了一场会谈：%(s)s", s=subject),
    }
    return texts[kind]() if kind in texts else kind


def inbox(graph, user) -> list[dict]:
    return graph.read(notification_store.notifications_for, audiences(user))


def mark_read(graph, user, ids: list[str] | None = None) -> None:
    graph.write(notification_store.mark_read, audiences(user), ids)
    user.unread = 0 if ids is None else max(0, user.unread - len(ids))
