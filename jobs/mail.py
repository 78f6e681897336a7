"""Rendering a digest (plain text and HTML, from templates) and handing it to a mail
transport named by SMTP_URL: smtp://[user:password@]host[:port], smtps:// for TLS, or
file://folder to write .eml files (the embedded default)."""

import asyncio
import os
import smtplib
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Protocol

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.notifications import SUMMARY, SUMMARY_LINES, NotificationKind, subject

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    keep_trailing_newline=True,
)

HEADINGS = {
    NotificationKind.OVERDUE: "Overdue",
    NotificationKind.DUE_TODAY: "Due today",
    NotificationKind.DUE_SOON: "Due soon",
    NotificationKind.ASSIGNED: "Your learning targets were assigned or updated",
    NotificationKind.REMOVED: "Your learning targets were removed",
    NotificationKind.NEWLY_OVERDUE: "Your people: newly overdue",
    NotificationKind.STILL_OVERDUE: "Your people: still overdue",
}
NOTES = {
    NotificationKind.ASSIGNED: "Your learning path shows them in order.",
    NotificationKind.REMOVED: "You have no learning targets at the moment.",
}
MORE = "These are the latest {shown}; the group reports list everyone."
# The console, opened on a group's report of who is overdue.
REPORT_QUERY = ('{ node(id: "%s") { ... on StaffGroup { name report { overall { overdue total } '
                'staff(state: OVERDUE) { nodes { person { displayName } targets overdue } } } } } }')


@dataclass(frozen=True)
class Line:
    kind: NotificationKind
    course: str | None
    lists: str | None
    due_on: date | None
    about: str | None = None  # an overdue summary's line: whose target it is


@dataclass(frozen=True)
class Digest:
    delivery_id: int
    email: str
    name: str
    school: str
    day: date
    lines: Sequence[Line]
    groups: Sequence[tuple[str, str]] = ()  # (name, global id): an overdue summary's group reports


class MailError(Exception):
    """The mail server could not take the message; worth retrying."""


def render(digest: Digest, sender: str, public_url: str = "") -> EmailMessage:
    kinds = {line.kind for line in digest.lines}
    sections = []
    for kind in HEADINGS:
        if kind not in kinds:
            continue
        lines = [line for line in digest.lines if line.kind == kind and line.course]
        if kind in SUMMARY:  # the latest first, as planned: who fell behind most recently
            lines.sort(key=lambda line: (-line.due_on.toordinal() if line.due_on else 0, line.about or "",
                                         line.course or ""))
        full = kind in SUMMARY and len(lines) >= SUMMARY_LINES  # planned no more: there may be others
        sections.append({
            "heading": HEADINGS[kind],
            "note": MORE.format(shown=len(lines)) if full else NOTES.get(kind),
            "lines": [
                {"course": line.course, "lists": line.lists, "about": line.about,
                 "due_on": line.due_on.isoformat() if line.due_on else None}
                for line in lines
            ],
        })
    console = public_url.rstrip("/") + "/console?"
    reports = [
        {"name": name, "url": console + urllib.parse.urlencode({"q": REPORT_QUERY % gid}) if public_url else None}
        for name, gid in digest.groups
    ]
    values = {
        "name": digest.name, "school": digest.school, "day": digest.day.strftime("%A %-d %B %Y"),
        "sections": sections, "subject": subject(kinds, digest.school), "reports": reports,
    }
    message = EmailMessage()
    message["Subject"] = values["subject"]
    message["From"] = sender
    message["To"] = formataddr((digest.name, digest.email))
    message["Date"] = formatdate(localtime=False)
    # The same digest always carries the same id, so a mail system can drop a copy.
    message["Message-ID"] = f"<digest-{digest.delivery_id}-{digest.day.isoformat()}@trellis>"
    message.set_content(_TEMPLATES.get_template("digest.txt").render(values))
    message.add_alternative(_TEMPLATES.get_template("digest.html").render(values), subtype="html")
    return message


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


@dataclass
class FolderMailer:
    """Writes each message as an .eml file, named by its Message-ID so a resend overwrites."""

    folder: Path

    async def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").split("@")[0] + ".eml"
        partial = self.folder / f".{name}.partial"
        partial.write_bytes(bytes(message))
        os.replace(partial, self.folder / name)


class _Bounded(smtplib.SMTP):
    """An SMTP session that must be over by `deadline` (time.monotonic()): every read and
    write may take only the time left, so a server answering line by line, each line just
    inside a socket timeout, cannot stretch one send past it."""

    deadline = 0.0

    def _left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the mail server did not finish within SMTP_TIMEOUT_SECONDS")
        return left

    def send(self, s: bytes | str) -> None:  # type: ignore[override]
        if getattr(self, "sock", None):
            self.sock.settimeout(self._left())
        super().send(s)

    def getreply(self) -> tuple[int, bytes]:
        if getattr(self, "sock", None):
            self.sock.settimeout(self._left())
        return super().getreply()


class _BoundedSSL(_Bounded, smtplib.SMTP_SSL):
    pass


@dataclass
class SmtpMailer:
    """Sends through an SMTP server. `timeout` bounds the whole send, from connecting to
    the server's answer to the message (SMTP_TIMEOUT_SECONDS), so a delivery's lease
    longer than it outlasts every send."""

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    def _send(self, message: EmailMessage) -> None:
        smtp = (_BoundedSSL if self.tls else _Bounded)(timeout=self.timeout)
        smtp.deadline = time.monotonic() + self.timeout
        try:
            smtp.connect(self.host, self.port)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)
        finally:
            # Once the server has taken the message, how it answers QUIT changes nothing:
            # an error here must not make a sent digest look failed (and be sent again).
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    async def send(self, message: EmailMessage) -> None:
        try:
            await asyncio.to_thread(self._send, message)
        except (smtplib.SMTPException, OSError) as error:
            raise MailError(f"{type(error).__name__}: {error}") from error


def mailer_from_url(url: str, timeout: float = 30.0) -> Mailer:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme == "file":
        return FolderMailer(Path((parsed.netloc + parsed.path) or "var/mail"))
    if parsed.scheme in ("smtp", "smtps"):
        tls = parsed.scheme == "smtps"
        return SmtpMailer(
            host=parsed.hostname or "localhost",
            port=parsed.port or (465 if tls else 25),
            tls=tls,
            username=urllib.parse.unquote(parsed.username) if parsed.username else None,
            password=urllib.parse.unquote(parsed.password) if parsed.password else None,
            timeout=timeout,
        )
    raise ValueError(f"SMTP_URL must start with smtp://, smtps:// or file://; got {url!r}")
