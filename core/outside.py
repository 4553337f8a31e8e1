"""The one way Wharf talks HTTP to other sites (GitHub keys, OIDC issuers, HIBP, challenges).

Every outgoing request goes through `fetch()`: a timeout, no redirects, a size limit, and
(unless the caller allows it) a refusal of private addresses, so a URL chosen by a user can
never reach the server's own network. Tests point URLs at a local fake server.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from .errors import WharfError

DEFAULT_TIMEOUT_SECONDS = 10
DEFAULT_MAX_BYTES = 1024 * 1024
USER_AGENT = "Wharf package index"


class FetchError(WharfError):
    """The other site could not be reached or answered badly (the message says how)."""

    status_code = 502


@dataclass(frozen=True)
class Fetched:
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> object:
        import json

        try:
            return json.loads(self.body)
        except ValueError as error:
            raise FetchError(f"the answer is not JSON: {error}") from error


def refuse_private_host(url: str) -> None:
    """Raise FetchError when url's host resolves to a non-public address."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as error:
        raise FetchError(f"Cannot resolve {host}: {error}. Check the URL.") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise FetchError(
                f"{host} resolves to a private address; only public sites can be fetched."
            )


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    json_body: object | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_private: bool = False,
) -> Fetched:
    """Request url and return its status, body and headers (any status; the caller decides)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url!r} is not an http(s) URL.")
    if not allow_private:
        refuse_private_host(url)
    try:
        with requests.request(
            method,
            url,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            json=json_body,
            timeout=timeout,
            stream=True,
            allow_redirects=False,
        ) as response:
            body = b""
            for chunk in response.iter_content(8192):
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"{url} is larger than {max_bytes} bytes.")
            return Fetched(status=response.status_code, body=body, headers=dict(response.headers))
    except requests.RequestException as error:
        raise FetchError(f"Could not fetch {url}: {error}. Try again later.") from error
