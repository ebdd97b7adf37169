"""Real mail servers on 127.0.0.1 for the mail tests: aiosmtpd (SMTP) and Debian's dovecot (IMAP)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

SMTP_USER = "kikaku"
SMTP_PASSWORD = "smtp-secret"
IMAP_USER = "kikaku"
IMAP_PASSWORD = "imap-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Captured:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class SmtpRecorder:
    """aiosmtpd handler that keeps every message it accepts; refuses addresses in `refuse`."""

    messages: list[Captured] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(Captured(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: SmtpRecorder

    @property
    def messages(self) -> list[Captured]:
        return self.recorder.messages


@contextmanager
def _running_smtp(**options) -> Iterator[SmtpServer]:
    """aiosmtpd's Controller on a free loopback port, recording every message it receives."""
    recorder = SmtpRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, authenticator=_authenticate, **options)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, recorder)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (AUTH PLAIN/LOGIN allowed without TLS on loopback)."""
    with _running_smtp(auth_require_tls=False) as server:
        yield server


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (cryptography comes with msoffcrypto-tool)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture
def smtp_starttls_server(tmp_path, monkeypatch):
    """A real SMTP server on 127.0.0.1 that requires STARTTLS before AUTH; its self-signed
    certificate is trusted through SSL_CERT_FILE, as a municipality's own CA would be."""
    import ssl

    cert, key = self_signed_cert(tmp_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with _running_smtp(auth_require_tls=True, require_starttls=True, tls_context=ctx) as server:
        yield server


# --------------------------------------------------------------------------- IMAP (dovecot)

DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
{ssl}
{cleartext}
auth_mechanisms = plain login
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/maildir/%u
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
  }}
}}
"""


def _dovecot_version() -> tuple[int, ...]:
    out = subprocess.run(["dovecot", "--version"], capture_output=True, text=True, check=True).stdout
    return tuple(int(x) for x in out.split()[0].split(".")[:2] if x.isdigit())


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    root: Path
    ssl_port: int = 0


def _wait_for_banner(port: int, log: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(200).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    text = log.read_text(errors="replace") if log.exists() else "(ログなし)"
    raise RuntimeError(f"dovecot が 127.0.0.1:{port} で応答しません:\n{text[-3000:]}")


@contextmanager
def _dovecot(tls: bool) -> Iterator[ImapServer]:
    if shutil.which("dovecot") is None or shutil.which("doveadm") is None:
        pytest.skip("dovecot が入っていません（apt-get install dovecot-imapd。scripts/setup.sh が入れます）")
    if os.geteuid() != 0:
        pytest.skip("dovecot を専用設定で起動するには root が必要です（CI と開発機は root）")
    # Not under pytest's tmp_path: its parents are mode 700, and dovecot's mail processes run as
    # the `mail` user, which must reach the maildir.
    root = Path(tempfile.mkdtemp(prefix="xs-dovecot-"))
    root.chmod(0o755)
    mail = pwd.getpwnam("mail")
    for sub in ("maildir", "home"):
        (root / sub).mkdir()
        os.chown(root / sub, mail.pw_uid, mail.pw_gid)
    port, ssl_port = free_port(), free_port() if tls else 0
    if tls:
        cert, key = self_signed_cert(root)
        ssl = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}"
    else:
        ssl = "ssl = no"
    v = _dovecot_version()
    cleartext = "auth_allow_cleartext = yes" if v >= (2, 4) else "disable_plaintext_auth = no"
    conf = root / "dovecot.conf"
    conf.write_text(
        DOVECOT_CONF.format(
            root=root, port=port, ssl_port=ssl_port, ssl=ssl, password=IMAP_PASSWORD, cleartext=cleartext
        )
    )
    subprocess.run(
        ["dovecot", "-c", str(conf)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_for_banner(port, root / "dovecot.log")
        yield ImapServer("127.0.0.1", port, IMAP_USER, IMAP_PASSWORD, root, ssl_port)
    finally:
        subprocess.run(
            ["doveadm", "-c", str(conf), "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_server():
    """Debian's dovecot on 127.0.0.1 with a private config (`ssl = no`) and a maildir in a
    temporary folder."""
    with _dovecot(tls=False) as server:
        yield server


@pytest.fixture
def imap_tls_server(monkeypatch):
    """The same with STARTTLS on `port` and IMAPS on `ssl_port`, its self-signed certificate
    trusted through SSL_CERT_FILE."""
    with _dovecot(tls=True) as server:
        monkeypatch.setenv("SSL_CERT_FILE", str(server.root / "cert.pem"))
        yield server
