"""The repository challenge: where the claimant publishes the nonce, and fetching it.

URL derivation (kept simple on purpose): the claimant adds a file named
`wharf-recovery.txt` at the top of the claimed repository's default branch.

- `https://github.com/<owner>/<repo>` → `https://raw.githubusercontent.com/<owner>/<repo>/HEAD/wharf-recovery.txt`
- `https://gitlab.com/<group>/<repo>` → `https://gitlab.com/<group>/<repo>/-/raw/HEAD/wharf-recovery.txt`
- any other URL `<repo>` → `<repo>/wharf-recovery.txt` (self-hosted forges, plain web pages)

Outside HTTP goes through core.outside.fetch(); tests point it at a local server.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from core import outside
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


def fetch_text(url: str) -> str:
    """GET url (no redirects, timeout, size limit) and return its text."""
    try:
        fetched = outside.fetch(
            url,
            timeout=FETCH_TIMEOUT_SECONDS,
            max_bytes=FETCH_MAX_BYTES,
            allow_private=settings.RECOVERY_CHALLENGE_ALLOW_PRIVATE_HOSTS,
        )
    except outside.FetchError as error:
        raise ChallengeFetchError(error.message) from error
    if fetched.status != 200:
        raise ChallengeFetchError(
            f"{url} answered HTTP {fetched.status}; the claimant must publish "
            f"{CHALLENGE_FILENAME} on the default branch."
        )
    return fetched.text


def nonce_matches(text: str, nonce: str) -> bool:
    """True when the fetched file contains the nonce (on a line of its own or anywhere)."""
    return nonce in text
