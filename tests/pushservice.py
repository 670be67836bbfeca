"""A Web Push service on loopback, written from the RFCs with ``cryptography`` alone (not with
the library the server sends with), so a test passes only if the server speaks the standard:

- RFC 8292 (VAPID): ``Authorization: vapid t=<JWT>, k=<public key>``; the JWT is ES256-signed
  by that key, its ``aud`` is this service's origin, ``exp`` within 24 hours, ``sub`` a
  ``mailto:`` or ``https:`` URI.
- RFC 8291 / RFC 8188: the body is ``aes128gcm``, encrypted to the subscription's P-256 key
  and auth secret; this service holds the browser's side of the keys and decrypts it.

Each subscription made here is a path; a test may make one answer a status (``410``) or hang.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


class Rejected(Exception):
    """A request this push service refuses (the reason is kept for the test to read)."""


@dataclass
class Browser:
    """The browser's side of one subscription."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def keys(self) -> dict:
        return {"p256dh": b64url(_point(self.key.public_key())), "auth": b64url(self.auth)}


def decrypt(body: bytes, browser: Browser) -> bytes:
    """RFC 8291 section 3.4 and RFC 8188 section 2: one or more records, padding removed."""
    salt, rs, idlen = body[:16], int.from_bytes(body[16:20], "big"), body[20]
    server_point = body[21:21 + idlen]
    if idlen != 65 or rs < 18:
        raise Rejected(f"bad aes128gcm header (idlen {idlen}, rs {rs})")
    server_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), server_point)
    shared = browser.key.exchange(ec.ECDH(), server_key)
    info = b"WebPush: info\x00" + _point(browser.key.public_key()) + server_point
    ikm = HKDF(hashes.SHA256(), 32, salt=browser.auth, info=info).derive(shared)
    cek = HKDF(hashes.SHA256(), 16, salt=salt,
               info=b"Content-Encoding: aes128gcm\x00").derive(ikm)
    base_nonce = HKDF(hashes.SHA256(), 12, salt=salt,
                      info=b"Content-Encoding: nonce\x00").derive(ikm)
    records, out = body[21 + idlen:], b""
    for seq, start in enumerate(range(0, len(records), rs)):
        nonce = (int.from_bytes(base_nonce, "big") ^ seq).to_bytes(12, "big")
        plain = AESGCM(cek).decrypt(nonce, records[start:start + rs], None)
        plain = plain.rstrip(b"\x00")
        last = start + rs >= len(records)
        if plain[-1:] != (b"\x02" if last else b"\x01"):
            raise Rejected("bad padding delimiter")
        out += plain[:-1]
    return out


def verify_vapid(header: str, audience: str) -> tuple[dict, str]:
    """RFC 8292: the JWT's claims and the public key (base64url) it is signed with."""
    if not header.lower().startswith("vapid "):
        raise Rejected("Authorization is not vapid")
    params = dict(part.strip().split("=", 1) for part in header[6:].split(","))
    token, key = params.get("t", ""), params.get("k", "")
    head_b64, claims_b64, sig_b64 = token.split(".")
    head = json.loads(b64url_decode(head_b64))
    if head.get("alg") != "ES256":
        raise Rejected(f"JWT alg {head.get('alg')}")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    sig = b64url_decode(sig_b64)
    if len(sig) != 64:
        raise Rejected("ES256 signature is not 64 bytes")
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        public.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Rejected("VAPID signature does not verify") from None
    claims = json.loads(b64url_decode(claims_b64))
    if claims.get("aud") != audience:
        raise Rejected(f"aud {claims.get('aud')!r} is not {audience!r}")
    if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600:
        raise Rejected("exp not within 24 hours")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise Rejected("sub is not a mailto: or https: URI")
    return claims, key


@dataclass
class Message:
    name: str
    payload: dict
    headers: dict
    vapid_key: str
    at: float


class PushService:
    """The service: ``subscription(name)`` gives a PushSubscription JSON for the server."""

    def __init__(self) -> None:
        self.browsers: dict[str, Browser] = {}
        self.answer: dict[str, int] = {}
        self.hang: dict[str, float] = {}
        self.messages: list[Message] = []
        self.rejected: list[str] = []
        self.requests: dict[str, int] = {}
        self.arrived = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def subscription(self, name: str) -> dict:
        browser = self.browsers.setdefault(name, Browser())
        return {"endpoint": f"{self.url}/push/{name}", "expirationTime": None,
                "keys": browser.keys()}

    def received(self, name: str) -> list[Message]:
        return [m for m in self.messages if m.name == name]

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.arrived.wait(left)
        return True

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _accept(self, name: str, headers, body: bytes) -> Message:
        if name not in self.browsers:
            raise Rejected(f"unknown subscription {name}")
        if headers.get("Content-Encoding") != "aes128gcm":
            raise Rejected(f"Content-Encoding {headers.get('Content-Encoding')}")
        if not (headers.get("TTL") or "").isdigit():
            raise Rejected("no TTL")
        _, key = verify_vapid(headers.get("Authorization", ""), self.url)
        payload = json.loads(decrypt(body, self.browsers[name]))
        return Message(name, payload, {k.lower(): v for k, v in headers.items()}, key,
                       time.monotonic())

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server's naming
                name = self.path.rsplit("/", 1)[-1]
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                service.requests[name] = service.requests.get(name, 0) + 1
                if name in service.hang:
                    time.sleep(service.hang[name])
                status = service.answer.get(name, 201)
                if status == 201:
                    try:
                        message = service._accept(name, self.headers, body)
                    except Exception as exc:  # noqa: BLE001 - the reason is the result
                        service.rejected.append(f"{name}: {exc}")
                        status = 400
                    else:
                        with service.arrived:
                            service.messages.append(message)
                            service.arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler
