"""The repository challenge: where the claimant publishes the nonce, and fetching it.

URL derivation (kept simple on purpose): the claimant adds a file named
`wharf-recovery.txt` at the top of the claimed repository's default branch.

- `https://github.com/<owner>/<repo>` → `https://raw.githubusercontent.com/<owner>/<repo>/HEAD/wharf-recovery.txt`
- `https://gitlab.com/<group>/<repo>` → `https://gitlab.com/<group>/<repo>/-/raw/HEAD/wharf-recovery.txt`
- any other URL `<repo>` → `<repo>/wharf-recovery.txt` (self-hosted forges, plain web pages)

All outside HTTP of this app goes through `fetch_text()`; tests point it at a local server.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings

from core.errors import WharfError

CHALLENGE_FILENAME = "wharf-recovery.txt"
FETCH_TIMEOUT_SECONDS = 5
FETCH_MAX_BYTES = 64 * 1024


class ChallengeFetchError(WharfError):
    """The challenge file could not be fetched (the message says why)."""


def challenge_file_url(repository_url: str) -> str:
    """The URL the system fetches for a repository (see the module docstring)."""
    parts = urlsplit(repository_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WharfError(
            f"{repository_url!r} is not an http(s) repository URL; use e.g. "
            "https://github.com/owner/repo."
        )
    path = parts.path.rstrip("/").removesuffix(".git")
    host = parts.hostname.lower()
    segments = [s for s in path.split("/") if s]
    if host in ("github.com", "www.github.com") and len(segments) >= 2:
        owner, repo = segments[:2]
        return f"https://raw.githubusercontent.com/{owner}/{repo}/HEAD/{CHALLENGE_FILENAME}"
    if host == "gitlab.com" and len(segments) >= 2:
        return f"https://gitlab.com/{'/'.join(segments)}/-/raw/HEAD/{CHALLENGE_FILENAME}"
    netloc = parts.netloc
    return f"{parts.scheme}://{netloc}{path}/{CHALLENGE_FILENAME}"


def _refuse_private_host(url: str) -> None:
    """Staff fetch claimant-chosen URLs: never let them reach the server's own network."""
    if settings.RECOVERY_CHALLENGE_ALLOW_PRIVATE_HOSTS:
        return
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as error:
        raise ChallengeFetchError(f"Cannot resolve {host}: {error}. Check the URL.") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise ChallengeFetchError(
                f"{host} resolves to a private address; only public repositories can be checked."
            )


def fetch_text(url: str) -> str:
    """GET url (no redirects, timeout, size limit) and return its text."""
    _refuse_private_host(url)
    try:
        with requests.get(
            url,
            timeout=FETCH_TIMEOUT_SECONDS,
            stream=True,
            allow_redirects=False,
            headers={"User-Agent": "Wharf account recovery"},
        ) as response:
            if response.status_code != 200:
                raise ChallengeFetchError(
                    f"{url} answered HTTP {response.status_code}; the claimant must publish "
                    f"{CHALLENGE_FILENAME} on the default branch."
                )
            body = b""
            for chunk in response.iter_content(8192):
                body += chunk
                if len(body) > FETCH_MAX_BYTES:
                    raise ChallengeFetchError(
                        f"{url} is larger than {FETCH_MAX_BYTES} bytes; the file should hold "
                        "only the code."
                    )
    except requests.RequestException as error:
        raise ChallengeFetchError(f"Could not fetch {url}: {error}. Try again later.") from error
    return body.decode("utf-8", "replace")


def nonce_matches(text: str, nonce: str) -> bool:
    """True when the fetched file contains the nonce (on a line of its own or anywhere)."""
    return nonce in text
