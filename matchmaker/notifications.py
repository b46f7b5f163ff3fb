"""In-app notifications: who hears about what. Stored as a kind and its subject so that each
user reads them in their own language."""
from __future__ import annotations

import uuid

from graph import notifications as notification_store


ORGANIZERS = "organizers"


def audiences(user) -> list[str]:
    return [ORGANIZERS] if user.is_organizer else [user.company] if user.company else []


def send(graph, items: list[tuple[str, str, str, str]]) -> None:
    """items: (audience, kind, subject, link)."""
    rows = [{"id": uuid.uuid4().hex, "audience": a, "kind": k, "subject": s, "link": link}
            for a, k, s, link in items if a]
    if rows:
        graph.write(notification_store.create_notifications, rows)


def inbox(graph, user) -> list[dict]:
    return graph.read(notification_store.notifications_for, audiences(user))


def mark_read(graph, user, ids: list[str] | None = None) -> None:
    graph.write(notification_store.mark_read, audiences(user), ids)
    user.unread = 0 if ids is None else max(0, user.unread - len(ids))
