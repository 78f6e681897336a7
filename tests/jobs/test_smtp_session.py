"""One send to an SMTP server is bounded as a whole by SMTP_TIMEOUT_SECONDS, and a
message the server took is never reported failed because of how it answered QUIT:
either would let a second worker send the same digest again."""

import socket
import threading
import time
from collections.abc import Iterator
from datetime import date

import pytest

from domain.notifications import NotificationKind
from jobs.mail import Digest, Line, MailError, SmtpMailer, render

pytestmark = pytest.mark.live  # a real SMTP conversation over a socket

MESSAGE = render(Digest(1, "staff@example.org", "Staff", "Ashdown Primary", date(2026, 3, 6),
                        [Line(NotificationKind.DUE_TODAY, "Course 1", "Phonics", date(2026, 3, 6))]), "t@example.org")


class ScriptedServer:
    """A minimal SMTP server on 127.0.0.1 that waits `delay` seconds before each answer
    and answers QUIT with `quit_reply`; it counts the messages it accepted."""

    def __init__(self, delay: float, quit_reply: str = "221 bye") -> None:
        self.delay, self.quit_reply = delay, quit_reply
        self.accepted = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _answer(self, conn: socket.socket, line: str) -> None:
        time.sleep(self.delay)
        conn.sendall(line.encode() + b"\r\n")

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn, conn.makefile("rb") as lines:
            try:
                self._answer(conn, "220 scripted.test")
                in_data = False
                for raw in lines:
                    line = raw.decode().rstrip("\r\n")
                    if in_data:
                        if line == ".":
                            in_data = False
                            self.accepted += 1
                            self._answer(conn, "250 accepted")
                        continue
                    verb = line.split(" ", 1)[0].upper()
                    if verb == "DATA":
                        in_data = True
                        self._answer(conn, "354 go on")
                    elif verb == "QUIT":
                        self._answer(conn, self.quit_reply)
                        return
                    else:
                        self._answer(conn, "250 ok")
            except OSError:
                return

    def close(self) -> None:
        self.listener.close()
        self.thread.join(timeout=5)


@pytest.fixture
def servers() -> Iterator[list[ScriptedServer]]:
    made: list[ScriptedServer] = []
    yield made
    for server in made:
        server.close()


async def test_a_server_answering_slowly_line_by_line_cannot_stretch_a_send_past_the_timeout(
    servers: list[ScriptedServer],
) -> None:
    """Each answer comes 0.3 s after its command, well inside a 1 s socket timeout, but
    the whole conversation would take over 2 s: the send gives up at 1 s, unsent."""
    servers.append(server := ScriptedServer(delay=0.3))
    started = time.monotonic()
    with pytest.raises(MailError, match="(?i)timed out|SMTP_TIMEOUT_SECONDS"):
        await SmtpMailer("127.0.0.1", server.port, timeout=1.0).send(MESSAGE)
    assert time.monotonic() - started < 1.5
    assert server.accepted == 0


async def test_a_slow_but_timely_server_takes_the_message(servers: list[ScriptedServer]) -> None:
    servers.append(server := ScriptedServer(delay=0.05))
    await SmtpMailer("127.0.0.1", server.port, timeout=5.0).send(MESSAGE)
    assert server.accepted == 1


async def test_a_message_taken_is_sent_whatever_the_server_answers_to_quit(servers: list[ScriptedServer]) -> None:
    """The server said 250 to the message, then 421 to QUIT: the digest is sent, and
    reporting it failed would have it sent again."""
    servers.append(server := ScriptedServer(delay=0, quit_reply="421 closing"))
    await SmtpMailer("127.0.0.1", server.port, timeout=5.0).send(MESSAGE)
    assert server.accepted == 1
