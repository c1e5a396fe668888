"""Fixtures for the email connector: brands with addresses, `roadie smtpd` on a free loopback
port (in-process, in a thread: it shares the test database), a real swaks client, and a
throwaway Dovecot IMAP server."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()


@pytest.fixture
def brands(db):
    from roadie.desk.brands.models import Brand, Channel, ChannelKind

    lune = Brand.objects.create(slug="maison-lune", name="Maison Lune")
    ondes = Brand.objects.create(slug="ondes", name="Ondes Mobile")
    Channel.objects.create(brand=lune, kind=ChannelKind.EMAIL, address="support@maison-lune.example")
    Channel.objects.create(brand=lune, kind=ChannelKind.EMAIL, address="contact@maison-lune.example")
    Channel.objects.create(brand=ondes, kind=ChannelKind.EMAIL, address="support@ondes.example")
    return {"lune": lune, "ondes": ondes}


@pytest.fixture
def handled_mail(brands, make_agent):
    """``make(payload)``: the mail delivered to Maison Lune's support address and accepted by a
    new agent of the brand; ``(contact, agent, client)``, the client logged in as the agent."""
    from django.test import Client

    from roadie.connectors.email import intake
    from roadie.desk.contacts.actions import store_raw
    from roadie.desk.routing.actions import accept_offer, make_offer

    def make(payload: bytes, *, to: str = "support@maison-lune.example"):
        raw = store_raw(channel="email", source="smtp", payload=payload, meta={"rcpt_tos": [to]})
        [contact] = intake.ingest(raw, intake.deliveries_for([to]))
        agent = make_agent(brands=[brands["lune"]], presence="available")
        accept_offer(agent.user, make_offer(contact_id=contact.pk, agent_id=agent.pk).pk)
        contact.refresh_from_db()
        client = Client()
        client.force_login(agent.user)
        return contact, agent, client

    return make


@dataclass
class Smtpd:
    host: str
    port: int


@pytest.fixture
def smtpd():
    from roadie.connectors.email.smtpd import controller

    port = free_port()
    ctl = controller(host="127.0.0.1", port=port, max_bytes=200_000)
    ctl.start()
    try:
        yield Smtpd("127.0.0.1", port)
    finally:
        ctl.stop()


@dataclass
class SwaksResult:
    code: int
    output: str

    def last_reply(self) -> str:
        """The server's last answer before QUIT, e.g. '<** 550 5.1.1 ...'."""
        replies = [line for line in self.output.splitlines()
                   if line.startswith(("<-", "<~", "<**")) and " 221 " not in line]
        return replies[-1] if replies else ""


def swaks(server: Smtpd, *args: str, timeout: float = 30) -> SwaksResult:
    """Real SMTP client: Debian's swaks."""
    command = ["swaks", "--server", server.host, "--port", str(server.port), "--helo", "client.test",
               "--timeout", "20", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    return SwaksResult(done.returncode, done.stdout + done.stderr)


@pytest.fixture
def send():
    if shutil.which("swaks") is None:
        pytest.skip("swaks is not installed (scripts/system-deps)")
    return swaks


# --- an SMTP relay for what roadie sends ---------------------------------------------------

class Relay:
    """A local SMTP relay (aiosmtpd) that keeps what it accepts as ``(mail_from, rcpt_tos,
    bytes)``. ``answer`` is its answer to DATA (a ``550`` one refuses every recipient too);
    recipients whose address starts with ``refused@`` are refused alone."""

    def __init__(self) -> None:
        self.answer = "250 OK"
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.answer.startswith("550"):
            return self.answer
        if address.startswith("refused@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.answer.startswith("2"):
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return self.answer


@pytest.fixture
def relay(settings, closed_port):
    """The relay, on a free loopback port, set as roadie's ``ROADIE_SMTP_HOST``/``PORT``."""
    from aiosmtpd.controller import Controller

    handler = Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=closed_port)
    controller.start()
    settings.ROADIE_SMTP_HOST, settings.ROADIE_SMTP_PORT = "127.0.0.1", controller.port
    yield handler
    controller.stop()


# --- Dovecot -------------------------------------------------------------------------------

# Mailboxes tests may ask for by name (each once per session).
DOVECOT_NAMED_USERS = ("amelie@customers.example",)

DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = roadie-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {root}/dovecot.log
mail_location = maildir:{root}/mail/%u
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    host: str
    port: int
    root: Path

    users: list[str]

    def add_user(self, address: str | None = None) -> tuple[str, str]:
        """A fresh mailbox (empty), from the users created at start; password "secret"."""
        if address is None:
            address = self.users.pop(0)
        elif address not in self.users:
            raise ValueError(f"{address} is not one of {DOVECOT_NAMED_USERS}")
        else:
            self.users.remove(address)
        return address, "secret"

    def client(self, user: str, password: str = "secret"):
        from imapclient import IMAPClient

        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(user, password)
        return client


@pytest.fixture(scope="session")
def dovecot():
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(binary):
        pytest.skip("dovecot is not installed (scripts/system-deps)")
    root = Path(tempfile.mkdtemp(prefix="roadie-dovecot-"))
    root.chmod(0o755)
    port = free_port()
    if os.geteuid() == 0:
        # Dovecot refuses to run its login and mail processes as root.
        internal, login, mail_user = "dovecot", "dovenull", "dovecot"
    else:
        internal = login = mail_user = pwd.getpwuid(os.geteuid()).pw_name
    group = lambda user: __import__("grp").getgrgid(pwd.getpwnam(user).pw_gid).gr_name  # noqa: E731
    (root / "mail").mkdir()
    # Dovecot re-reads its passwd-file by mtime (1 s granularity): users are all created now.
    users = [f"u{uuid.uuid4().hex[:10]}@mail.test" for _ in range(40)] + list(DOVECOT_NAMED_USERS)
    (root / "passwd").write_text("".join(f"{u}:{{PLAIN}}secret::::::\n" for u in users))
    conf = root / "dovecot.conf"
    conf.write_text(DOVECOT_CONF.format(root=root, port=port, internal=internal,
                                        internal_group=group(internal), login=login,
                                        mail_user=mail_user, mail_group=group(mail_user)))
    if os.geteuid() == 0:
        shutil.chown(root / "mail", mail_user, group(mail_user))
    # Dovecot daemonizes: its children must not hold our pipes open (we would wait forever).
    with (root / "start.log").open("wb") as out:
        subprocess.run([binary, "-c", str(conf)], check=True, stdout=out, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            break
        time.sleep(0.05)
    else:
        log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
        pytest.fail(f"dovecot did not start:\n{log}")
    try:
        yield Dovecot("127.0.0.1", port, root, users)
    finally:
        subprocess.run(["doveadm", "-c", str(conf), "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, timeout=30)
        time.sleep(0.2)
        shutil.rmtree(root, ignore_errors=True)
