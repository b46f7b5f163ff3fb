"""Outgoing e-mail: every in-app notification may also go out by e-mail to the users of its
audience who have not turned its topic off. Each message is a job (kind "mail") that the worker
sends through SMTP with retries; with no SMTP server configured (development) it is only kept,
and the outbox shows it.

A message is queued with what it is about (the notification's kind, subject, link) and is
written when it is sent (or shown), in the recipient's language: the one they chose, else
Chinese with English below."""
from __future__ import annotations

import hashlib
import json
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from flask import render_template
from flask_babel import force_locale

from graph import fairs as fair_store
from graph import jobs as job_store
from graph import mail as mail_store
from matchmaker import jobs, notifications
from matchmaker.errors import NotFound, ValidationError
from matchmaker.fairs import setup, timetable
from matchmaker.mail import smtp
from matchmaker.i18n import _l

# Topics a user can turn off, and the notification kinds each covers.
TOPICS = {
    "registration": ("registered", "approved", "rejected"),
    "matching": ("matching_need", "interest"),
    "meetings": ("meeting_request", "meeting_accepted", "meeting_declined"),
    "schedule": ("schedule_published",),
    "reminder": ("fair_reminder",),
    "follow_up": ("follow_up",),
}
TOPIC_TEXT = {"registration": _l("企业注册与审核结果"), "matching": _l("需求匹配与供货意向"),
              "meetings": _l("洽谈邀约与答复"), "schedule": _l("洽谈日程发布（附日历文件）"),
              "reminder": _l("洽谈会前一天的提醒"),
              "follow_up": _l("洽谈会后的跟进（3个月、6个月）")}
ORGANIZER_TOPICS = ("registration",)
TOPIC_OF = {kind: topic for topic, kinds in TOPICS.items() for kind in kinds}
LANGUAGES = {"": _l("中文，下附英文"), "zh": "中文", "en": "English"}
AGENDA_KINDS = ("schedule_published", "fair_reminder")  # these carry the company's .ics agenda
STATUS_TEXT = {"queued": _l("待发送"), "running": _l("发送中"), "done": _l("已发送"),
               "failed": _l("发送失败"), "skipped": _l("未发送（未配置邮件服务器）")}
SENDER_NAME = "产业链配套撮合平台"


# ------------------------------------------------------------------------------ queueing

def queue(tx, rows: list[dict]) -> None:
    """In the notifications' own transaction: one message for each user of each row's audience
    who has not turned the row's topic off. rows: id, audience, kind, subject, link, about."""
    rows = [r for r in rows if r["kind"] in TOPIC_OF]
    companies = sorted({r["audience"] for r in rows} - {notifications.ORGANIZERS})
    users = mail_store.company_recipients(tx, companies) if companies else []
    if any(r["audience"] == notifications.ORGANIZERS for r in rows):
        users += mail_store.organizer_recipients(tx)
    messages = []
    for r in rows:
        topic = TOPIC_OF[r["kind"]]
        for u in users:
            if u["audience"] == r["audience"] and topic not in u["mail_off"]:
                messages.append(jobs.row(
                    "mail", {"id": r["id"], "kind": r["kind"], "subject": r["subject"], "link": r["link"],
                             "about": r.get("about"), "audience": r["audience"],
                             "to": u["email"], "name": u["name"],
                             "language": u.get("mail_language")},
                    key=f"mail|{r['id']}|{u['email']}", to=u["email"], topic=topic))
    if messages:
        job_store.enqueue(tx, messages)


# ------------------------------------------------------------------------------ writing

def compose(graph, message: dict, config: dict) -> EmailMessage:
    """The e-mail for a queued message (a job's payload); needs an app context (templates and
    translations)."""
    languages = [message["language"]] if message.get("language") in ("zh", "en") else ["zh", "en"]
    context = _context(graph, message)
    subject, bodies = None, []
    for language in languages:
        with force_locale(language):
            subject = subject or notifications.sentence(message["kind"], message["subject"])
            bodies.append(render_template(
                "mail/message.html", message=message, **context,
                sentence=notifications.sentence(message["kind"], message["subject"]),
                url=config["BASE_URL"].rstrip("/") + (message["link"] or "/"),
                preferences_url=config["BASE_URL"].rstrip("/") + "/mail/preferences").strip())
    email = EmailMessage()
    email["Subject"] = subject
    address = smtp.sender(config)
    email["From"] = formataddr((SENDER_NAME, address))
    email["To"] = message["to"]
    email["Date"] = formatdate(localtime=True)
    # The same id whenever this message is sent again (a worker died after sending it), so
    # mail readers may drop the copy.
    digest = hashlib.sha1(f"{message['id']}|{message['to']}".encode()).hexdigest()
    email["Message-ID"] = f"<{digest[:32]}@{address.rpartition('@')[2] or 'localhost'}>"
    email.set_content("\n\n—— English ——\n\n".join(bodies))
    if context.get("ics"):
        email.add_attachment(context["ics"].decode(), subtype="calendar", charset="utf-8",
                             filename=f"agenda-{message['about']}.ics")
    return email


def _context(graph, message: dict) -> dict:
    """What a fair's messages show beyond their sentence: the fair, and for a company the
    meetings it has there (with its .ics agenda attached)."""
    if not message.get("about") or message["kind"] not in TOPICS["meetings"] + AGENDA_KINDS + (
            "follow_up",):
        return {}
    try:
        fair = setup.get(graph, message["about"])
    except NotFound:
        return {}
    if message["kind"] not in AGENDA_KINDS or message["audience"] == notifications.ORGANIZERS:
        return {"fair": fair}
    rows = timetable.agenda(graph, fair, message["audience"])
    name = next((r["name"] for r in graph.read(fair_store.registrations, fair["id"])
                 if r["company"] == message["audience"]), "")
    return {"fair": fair, "agenda": rows,
            "ics": timetable.agenda_ics(fair, rows, name) if rows else None}


# ------------------------------------------------------------------------------ sending

def deliver(graph, message: dict, config: dict) -> str | None:
    """The worker's handler for a "mail" job: send it, or keep it unsent ("skipped") when no
    SMTP server is configured. Raises jobs.Retry / jobs.GiveUp as smtp.send does."""
    settings = smtp.SmtpSettings.from_config(config)
    if settings is None:
        return "skipped"
    smtp.send(settings, compose(graph, message, config))
    return None


# ------------------------------------------------------------------------------ outbox

def outbox(graph, status: str | None, page: int, per_page: int) -> dict:
    if status is not None and status not in STATUS_TEXT:
        raise ValidationError(_l("未知状态“%(status)s”", status=status), field="status")
    counts = graph.read(job_store.count_by_status, "mail")
    return {"items": graph.read(job_store.list_jobs, "mail", status, (page - 1) * per_page,
                                per_page),
            "counts": counts, "total": sum(counts.values()) if status is None
            else counts.get(status, 0)}


def outbox_message(graph, key: str, config: dict) -> dict:
    """One message of the outbox, as it is (or would be) sent."""
    job = graph.read(job_store.get_job, key)
    if not job or job["kind"] != "mail":
        raise NotFound(_l("邮件不存在"))
    email = compose(graph, json.loads(job["payload"]), config)
    return {"job": job, "email": email, "body": email.get_body(("plain",)).get_content(),
            "attachments": [a.get_filename() for a in email.iter_attachments()]}


# ------------------------------------------------------------------------------ preferences

def topics_for(user) -> list[str]:
    return list(ORGANIZER_TOPICS) if user.is_organizer else list(TOPICS)


def preferences(graph, user) -> dict:
    """The topics the user receives and the language they chose ('' = Chinese with English)."""
    found = graph.read(mail_store.preferences, user.email) or {"mail_off": []}
    return {"topics": [t for t in topics_for(user) if t not in found["mail_off"]],
            "language": found.get("mail_language") or ""}


def set_preferences(graph, user, topics: list[str], language: str) -> None:
    offered = topics_for(user)
    unknown = sorted(set(topics) - set(offered))
    if unknown:
        raise ValidationError(_l("未知的邮件类型“%(join)s”", join='、'.join(unknown)), field="topics")
    if language not in LANGUAGES:
        raise ValidationError(_l("未知的邮件语言“%(language)s”", language=language), field="language")
    graph.write(mail_store.set_preferences, user.email, [t for t in offered if t not in topics],
                language or None)
