"""E-mail and the worker, sent through a real SMTP server (aiosmtpd) that the tests start on
loopback: notifications become messages in the recipient's language, retries with back-off,
permanent refusals, STARTTLS with a login, the agenda attached when a schedule is published,
the reminder the day before a fair (once), preferences, the outbox, and workers racing for the
same queue or taking over a dead worker's job."""
from __future__ import annotations

import email
import email.policy
import socket
import subprocess
import threading
import time
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from conftest import csrf_token, login
from icalendar import Calendar

from graph import companies as company_store
from graph import fairs as fair_store
from graph import jobs as job_store
from matchmaker import clock, jobs, notifications
from matchmaker.auth import accounts
from matchmaker.fairs import meetings, setup, timetable
from matchmaker.mail import periodic
from matchmaker.mail import service as mail
from matchmaker.worker import Worker


class Mailbox:
    """What the SMTP server received; `refuse` holds replies to give the next RCPT commands
    instead of accepting them."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(app, **options) -> tuple[Mailbox, Controller]:
    box = Mailbox()
    port = _free_port()
    server = Controller(box, hostname="127.0.0.1", port=port, **options)
    server.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none",
                      SMTP_FROM="matchmaker@city.gov.cn", JOB_FIRST_RETRY_SECONDS=60)
    return box, server


@pytest.fixture
def smtp(app):
    box, server = _start(app)
    yield box
    server.stop()


@pytest.fixture
def city(graph, make_company):
    anchor = make_company("星联重工", role="anchor", clusters=["CM"], user="buyer@x.cn")
    pump = make_company("浏阳液压有限公司", region="430181", user="sales@pump.cn")
    accounts.create_user(graph, "office@c.cn", "洽谈会办公室", "organizer", "correct-horse-1")
    return {"anchor": anchor["credit_code"], "pump": pump["credit_code"]}


def mail_jobs(graph, status=None) -> list[dict]:
    return graph.read(job_store.list_jobs, "mail", status, 0, 1000)


def later(seconds: float):
    """A worker clock `seconds` ahead of now."""
    return lambda: jobs.now_ms() + int(seconds * 1000)


# ------------------------------------------------------------------------ messages

def test_a_decision_goes_out_in_the_recipients_language(app, graph, smtp, city):
    accounts.create_user(graph, "boss@pump.cn", "王总", "supplier", "correct-horse-1",
                         city["pump"])
    mail.set_preferences(graph, accounts.load_user(graph, "boss@pump.cn"),
                         list(mail.TOPICS), "en")
    accounts.set_company_status(graph, city["pump"], "rejected", "营业执照不清晰 & 过期", "office@c.cn")
    assert {j["status"] for j in mail_jobs(graph)} == {"queued"}
    assert Worker(app).run_once() == 2

    default, english = smtp.to("sales@pump.cn")[0], smtp.to("boss@pump.cn")[0]
    assert default["Subject"] == "贵企业的注册信息未通过审核，请联系产业链办公室（原因：营业执照不清晰 & 过期）"
    body = default.get_content()
    assert body.index("您好") < body.index("—— English ——") < body.index("Dear")
    assert "营业执照不清晰 & 过期" in body and "&amp;" not in body  # plain text, not HTML
    assert "http://127.0.0.1:5000/mail/preferences" in body
    assert default["From"] == "产业链配套撮合平台 <matchmaker@city.gov.cn>"
    assert english["Subject"].startswith("Your registration was not approved")
    assert "您好" not in english.get_content()
    assert {j["status"] for j in mail_jobs(graph)} == {"done"}
    assert {j["topic"] for j in mail_jobs(graph)} == {"registration"}


def test_a_refused_attempt_is_retried_after_a_backoff(app, graph, smtp, city):
    smtp.refuse = ["451 4.3.0 Mailbox busy, try again later"]
    accounts.set_company_status(graph, city["pump"], "approved", "", "office@c.cn")
    started = jobs.now_ms()
    Worker(app).run_once()
    [job] = mail_jobs(graph)
    assert job["status"] == "queued" and job["attempts"] == 1 and not smtp.messages
    assert job["last_error"].startswith("451 4.3.0 Mailbox busy")
    assert 60_000 <= job["run_after"] - started <= 60_000 + 10_000  # JOB_FIRST_RETRY_SECONDS
    assert Worker(app).run_once() == 0  # not due yet
    assert Worker(app, clock=later(61)).run_once() == 1
    [job] = mail_jobs(graph)
    assert job["status"] == "done" and job["attempts"] == 2
    assert [m["Subject"] for m in smtp.messages] == ["贵企业已通过产业链办公室审核"]
    assert [jobs.backoff_ms(n, 60) // 1000 for n in (1, 2, 3, 7, 8)] == [60, 120, 240, 3600, 3600]


def test_a_permanent_refusal_fails_at_once_and_an_unreachable_server_runs_out_of_attempts(
        app, graph, smtp, city):
    smtp.refuse = ["550 5.1.1 No such user"]
    accounts.set_company_status(graph, city["pump"], "approved", "", "office@c.cn")
    Worker(app).run_once()
    [job] = mail_jobs(graph)
    assert (job["status"], job["attempts"], job["last_error"]) == (
        "failed", 1, "550 5.1.1 No such user")

    app.config["SMTP_PORT"] = _free_port()  # nothing listens there
    accounts.set_company_status(graph, city["anchor"], "approved", "", "office@c.cn")
    for attempt in range(jobs.MAX_ATTEMPTS):
        Worker(app, clock=later(attempt * 3600)).run_once()
    [job] = [j for j in mail_jobs(graph) if j["to"] == "buyer@x.cn"]
    assert job["status"] == "failed" and job["attempts"] == jobs.MAX_ATTEMPTS
    assert "ConnectionRefusedError" in job["last_error"]


def test_starttls_with_a_login(app, graph, city, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    import ssl
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password, session.ssl is not None))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)
    box, server = _start(app, tls_context=context, require_starttls=True,
                         authenticator=authenticate, auth_required=True)
    try:
        app.config.update(SMTP_SECURITY="starttls", SMTP_USER="matchmaker@city.gov.cn",
                          SMTP_PASSWORD="s3cret", SMTP_CA_FILE=str(cert))
        accounts.set_company_status(graph, city["pump"], "approved", "", "office@c.cn")
        Worker(app).run_once()
        assert len(box.messages) == 1
        assert logins == [(b"matchmaker@city.gov.cn", b"s3cret", True)]  # over TLS only

        app.config["SMTP_PASSWORD"] = "wrong"  # bad credentials: retried, in case they are fixed
        accounts.set_company_status(graph, city["anchor"], "approved", "", "office@c.cn")
        Worker(app).run_once()
        [job] = [j for j in mail_jobs(graph) if j["to"] == "buyer@x.cn"]
        assert job["status"] == "queued" and "SMTPAuthenticationError" in job["last_error"]
    finally:
        server.stop()


def test_without_smtp_messages_stay_in_the_outbox_for_organizers(app, client, graph, city):
    assert not app.config["SMTP_HOST"]  # development default
    notifications.send(graph, [(city["pump"], "matching_need", "挖掘机液压油缸", "/suppliers/needs")])
    Worker(app).run_once()
    [job] = mail_jobs(graph)
    assert job["status"] == "skipped" and job["to"] == "sales@pump.cn"

    login(client, "sales@pump.cn")
    assert client.get("/mail/outbox").status_code == 403
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "office@c.cn")
    page = client.get("/mail/outbox").get_data(as_text=True)
    assert "未配置邮件服务器" in page and "sales@pump.cn" in page and "需求匹配与供货意向" in page
    assert "未发送（未配置邮件服务器）（1）" in page
    message = client.get(f"/mail/outbox/{job['key']}").get_data(as_text=True)
    assert "新的采购需求与贵企业能力匹配：挖掘机液压油缸" in message
    assert "http://127.0.0.1:5000/suppliers/needs" in message
    assert client.get("/mail/outbox?status=nonsense").status_code == 400
    assert client.get("/mail/outbox/mail|nope").status_code == 404


# ------------------------------------------------------------------------ preferences

def test_each_user_chooses_what_they_receive(app, client, graph, smtp, city):
    login(client, "sales@pump.cn")
    page = client.get("/mail/preferences").get_data(as_text=True)
    assert page.count('checked') == len(mail.TOPICS) + 1  # every topic, and the language
    token = csrf_token(client, "/mail/preferences")
    saved = client.post("/mail/preferences", data={
        "csrf_token": token, "topics": ["registration", "schedule"], "language": "zh"})
    assert saved.status_code == 302
    assert mail.preferences(graph, accounts.load_user(graph, "sales@pump.cn")) == {
        "topics": ["registration", "schedule"], "language": "zh"}
    bad = client.post("/mail/preferences", data={"csrf_token": token, "topics": ["spam"],
                                                 "language": "zh"})
    assert bad.status_code == 400 and "spam" in bad.get_data(as_text=True)
    assert client.post("/mail/preferences", data={
        "csrf_token": token, "topics": [], "language": "fr"}).status_code == 400

    notifications.send(graph, [(city["pump"], "matching_need", "液压油缸", "/suppliers/needs"),
                               (city["pump"], "approved", "", "/")])
    Worker(app).run_once()
    assert [m["Subject"] for m in smtp.messages] == ["贵企业已通过产业链办公室审核"]
    assert "English" not in smtp.messages[0].get_content()  # Chinese only, as chosen
    assert len(notifications.inbox(graph, accounts.load_user(graph, "sales@pump.cn"))) == 2

    login(client, "office@c.cn")  # organizers are offered only what reaches them
    assert "洽谈邀约" not in client.get("/mail/preferences").get_data(as_text=True)


# ------------------------------------------------------------------------ fairs

def _fair(graph, city, first_day: date) -> str:
    fair_id = setup.create(graph, {
        "name": "工程机械配套洽谈会", "venue": "长沙国际会展中心", "days": first_day.isoformat(),
        "day_start": "09:00", "day_end": "10:00", "slot_minutes": "30", "tables": "2",
        "registration_opens": (first_day - timedelta(days=20)).isoformat(),
        "registration_closes": first_day.isoformat()}, {"CM"}, "office@c.cn")
    for company, role in ((city["anchor"], "anchor"), (city["pump"], "supplier")):
        graph.write(fair_store.register, {"key": f"{fair_id}|{company}", "fair": fair_id,
                                          "company": company, "role": role,
                                          "available": [0, 1], "at": 0})
    graph.write(fair_store.add_proposals, [{
        "key": f"{fair_id}|{city['anchor']}|{city['pump']}", "fair": fair_id,
        "anchor": city["anchor"], "supplier": city["pump"], "need": "N1",
        "need_title": "挖掘机液压油缸", "fit": 90, "tier": "high", "reasons": [], "at": 0}])
    return fair_id


class As:
    def __init__(self, company, role):
        self.company, self.role, self.is_organizer = company, role, False


def test_meeting_answers_and_the_published_schedule_with_its_agenda(app, graph, smtp, city):
    fair_id = _fair(graph, city, clock.today() + timedelta(days=10))
    key = f"{fair_id}|{city['anchor']}|{city['pump']}"
    meetings.send_request(graph, key, As(city["pump"], "supplier"))
    meetings.answer_request(graph, key, As(city["anchor"], "anchor"), True)
    timetable.run_scheduler(graph, fair_id, time_limit=2)
    timetable.publish(graph, fair_id)
    Worker(app).run_once()

    subjects = sorted((m["To"], m["Subject"]) for m in smtp.messages)
    pump_name = graph.read(company_store.get_company, city["pump"])["name"]
    assert subjects == sorted([
        ("buyer@x.cn", f"{pump_name}（工程机械配套洽谈会） 向贵企业发起了洽谈邀约"),
        ("buyer@x.cn", "工程机械配套洽谈会：洽谈日程已发布"),
        ("sales@pump.cn", "工程机械配套洽谈会：洽谈日程已发布"),
        ("sales@pump.cn", "工程机械配套洽谈会：贵企业发起的洽谈邀约已被接受")])
    published = next(m for m in smtp.to("sales@pump.cn") if "日程" in m["Subject"])
    body = published.get_body(("plain",)).get_content()
    assert "09:00–09:30" in body and "星联重工" in body and "长沙国际会展中心" in body
    [attachment] = list(published.iter_attachments())
    assert attachment.get_filename() == f"agenda-{fair_id}.ics"
    assert attachment.get_content_type() == "text/calendar"
    [event] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert "星联重工" in str(event["summary"])
    assert event.decoded("dtstart").strftime("%H:%M") == "09:00"


def test_the_reminder_goes_out_once_the_day_before(app, graph, smtp, city):
    tomorrow = clock.today() + timedelta(days=1)
    fair_id = _fair(graph, city, tomorrow)
    assert Worker(app, today=lambda: tomorrow).run_once() == 0  # on the day: too late
    first, second = Worker(app), Worker(app)
    first.run_once()
    second.run_once()  # another tick, or another machine's worker
    assert sorted(m["To"] for m in smtp.messages) == ["buyer@x.cn", "sales@pump.cn"]
    assert smtp.messages[0]["Subject"] == "明天举行：工程机械配套洽谈会"
    assert graph.read(job_store.get_job, f"fair_reminder|{fair_id}")["status"] == "done"


def test_follow_ups_are_due_3_and_6_months_after_the_last_day():
    fair = {"id": "F1", "days": ["2026-11-30"]}
    assert periodic.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    due = lambda day: [r["key"] for r in periodic.due([fair], day)]  # noqa: E731
    assert due(date(2026, 11, 29)) == ["fair_reminder|F1"]
    assert due(date(2027, 2, 27)) == []
    assert due(date(2027, 2, 28)) == due(date(2027, 3, 6)) == ["follow_up|F1|3"]
    assert due(date(2027, 3, 7)) == []  # missed by more than a week: not sent late
    assert due(date(2027, 5, 30)) == ["follow_up|F1|6"]


# ------------------------------------------------------------------------ the queue

def test_two_workers_racing_send_each_message_once(app, graph, smtp, city):
    for n in range(12):
        notifications.send(graph, [(city["pump"], "matching_need", f"需求{n}", "/"),
                                   (city["anchor"], "interest", f"企业{n}", "/")])
    racers = [Worker(app, name="machine-a"), Worker(app, name="machine-b")]
    barrier, counts = threading.Barrier(2), []

    def race(worker):
        barrier.wait()
        counts.append(worker.run_once())
    threads = [threading.Thread(target=race, args=(w,)) for w in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(smtp.messages) == 24
    assert len({m["Message-ID"] for m in smtp.messages}) == 24  # none sent twice
    done = mail_jobs(graph, "done")
    assert len(done) == 24 and all(j["attempts"] == 1 for j in done)


def test_six_simultaneous_claims_of_one_job_give_it_to_one(app, graph):
    jobs.enqueue(graph, "mail", {}, key="mail|one")
    barrier, claimed = threading.Barrier(6), []

    def claim(n):
        barrier.wait()
        claimed.append(graph.write(job_store.claim, f"w{n}", f"token{n}", jobs.now_ms(), 60_000))
    threads = [threading.Thread(target=claim, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len([c for c in claimed if c]) == 1


def test_a_dead_workers_job_is_taken_over_after_its_lease(app, graph, smtp, city):
    accounts.set_company_status(graph, city["pump"], "approved", "", "office@c.cn")
    lease = int(app.config["JOB_LEASE_SECONDS"] * 1000)
    dead = graph.write(job_store.claim, "dead-machine", "dead-token", jobs.now_ms(), lease)
    assert dead and Worker(app).run_once() == 0 and not smtp.messages  # its lease holds
    assert Worker(app, clock=later(lease / 1000 + 1)).run_once() == 1
    assert len(smtp.messages) == 1
    job = graph.read(job_store.get_job, dead["key"])
    assert job["status"] == "done" and job["attempts"] == 2
    assert not graph.write(job_store.finish, dead["key"], "dead-token", "failed",
                           jobs.now_ms(), "late")  # the dead worker's claim is void


def test_a_long_job_keeps_its_lease(app, graph, monkeypatch):
    from matchmaker import worker as worker_module
    app.config["JOB_LEASE_SECONDS"] = 0.6
    seen = []

    def slow(graph_, payload, config):
        time.sleep(1.5)
        seen.append(graph.read(job_store.get_job, "slow|1")["lease_until"])
    monkeypatch.setitem(worker_module.HANDLERS, "slow", slow)
    jobs.enqueue(graph, "slow", {}, key="slow|1")
    started = jobs.now_ms()
    assert Worker(app).run_once() == 1
    assert seen[0] > started + 1200  # renewed while it ran, not the first 600 ms lease


def test_worker_command_runs_the_due_jobs(app, graph, smtp, city):
    from matchmaker.cli import worker
    accounts.set_company_status(graph, city["pump"], "approved", "", "office@c.cn")
    result = app.test_cli_runner().invoke(worker, ["--once"])
    assert result.exit_code == 0 and "ran 1 jobs" in result.output, result.output
    assert len(smtp.messages) == 1
    app.config["SMTP_SECURITY"] = "ssl3"
    refused = app.test_cli_runner().invoke(worker, ["--once"])
    assert refused.exit_code != 0 and "MATCHMAKER_SMTP_SECURITY" in refused.output


def test_ended_jobs_are_forgotten_after_90_days(app, graph, city):
    accounts.set_company_status(graph, city["pump"], "approved", "", "office@c.cn")
    Worker(app).run_once()
    assert len(mail_jobs(graph)) == 1
    Worker(app, clock=later(89 * 86_400)).run_once()
    assert len(mail_jobs(graph)) == 1
    Worker(app, clock=later(91 * 86_400)).run_once()
    assert mail_jobs(graph) == []


def test_the_worker_process_sends_what_was_queued_while_it_was_down(app, graph, smtp, city):
    """`matchmaker worker` as its own process, on the test's database: it sends the message
    queued before it started, and stops cleanly on SIGTERM."""
    import os
    import signal
    import sys
    accounts.set_company_status(graph, city["pump"], "approved", "", "office@c.cn")
    env = dict(os.environ, MATCHMAKER_DATA_DIR=str(app.config["DATA_DIR"]),
               NEO4J_DATABASE=graph.database, MATCHMAKER_SMTP_HOST="127.0.0.1",
               MATCHMAKER_SMTP_PORT=str(app.config["SMTP_PORT"]),
               MATCHMAKER_SMTP_SECURITY="none", MATCHMAKER_WORKER_POLL_SECONDS="0.2",
               MATCHMAKER_SECRET_KEY="test-secret")
    process = subprocess.Popen([sys.executable, "-m", "matchmaker.cli", "worker"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [m["To"] for m in smtp.messages] == ["sales@pump.cn"]
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert process.returncode == 0, output
    assert "stopped" in output
    assert [j["status"] for j in mail_jobs(graph)] == ["done"]
