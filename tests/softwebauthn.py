"""A software security key for tests: ES256, "none" attestation, browser-shaped JSON.

create() and get() take the options the server sends (publicKey JSON, as fido2's
`dict(options)`) and return what the browser's `credential.toJSON()` would post.
The key keeps a signature counter; tests can set `counter` to simulate a clone.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor
from fido2.utils import websafe_decode, websafe_encode

_FLAG_USER_PRESENT = 0x01
_FLAG_USER_VERIFIED = 0x04
_FLAG_ATTESTED = 0x40
_AAGUID = bytes(16)


class SoftAuthenticator:
    """One credential on one software key."""

    def __init__(
        self, origin: str = "http://localhost:8000", *, verifies_user: bool = False
    ) -> None:
        self.origin = origin
        # A passkey authenticator checks a PIN or biometrics and says so (UV flag).
        self.verifies_user = verifies_user
        self.user_handle: str | None = None
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0
        self.rp_id: str | None = None

    def _cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        # COSE_Key: kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
        return cbor.encode(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps(data, separators=(",", ":")).encode()

    def credential_data(self) -> bytes:
        """The attested credential data (what the server stores) of this key."""
        header = _AAGUID + struct.pack(">H", len(self.credential_id)) + self.credential_id
        return header + self._cose_public_key()

    def _auth_data(self, rp_id: str, *, attested: bool) -> bytes:
        flags = _FLAG_USER_PRESENT | (_FLAG_ATTESTED if attested else 0)
        flags |= _FLAG_USER_VERIFIED if self.verifies_user else 0
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags])
        data += struct.pack(">I", self.counter)
        if attested:
            data += self.credential_data()
        return data

    def create(self, options: dict[str, Any], *, origin: str | None = None) -> dict[str, Any]:
        """navigator.credentials.create() + toJSON(), for the server's creation options."""
        public_key = options["publicKey"]
        self.rp_id = public_key["rp"]["id"]
        self.user_handle = public_key["user"]["id"]
        client_data = self._client_data("webauthn.create", public_key["challenge"], origin)
        attestation = cbor.encode(
            {"fmt": "none", "attStmt": {}, "authData": self._auth_data(self.rp_id, attested=True)}
        )
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "cross-platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "attestationObject": websafe_encode(attestation),
                "transports": ["usb"],
            },
        }

    def get(self, options: dict[str, Any], *, origin: str | None = None) -> dict[str, Any]:
        """navigator.credentials.get() + toJSON(): signs the challenge, counting up."""
        public_key = options["publicKey"]
        allowed = [websafe_decode(c["id"]) for c in public_key.get("allowCredentials") or []]
        if allowed and self.credential_id not in allowed:
            raise LookupError("this key is not among the allowed credentials")
        self.counter += 1
        rp_id = public_key.get("rpId") or self.rp_id
        client_data = self._client_data("webauthn.get", public_key["challenge"], origin)
        auth_data = self._auth_data(rp_id, attested=False)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "cross-platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "authenticatorData": websafe_encode(auth_data),
                "signature": websafe_encode(signature),
                "userHandle": self.user_handle if self.verifies_user else None,
            },
        }
