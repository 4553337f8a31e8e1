"""The WSGI fast path: /simple/ pages and local /files/ answered before Django's stack.

Installers fetch /simple/<project>/ far more than anything else. Through Django's middleware
a page cost ~0.5 ms of Python per request; here it is a stat() and a dict look-up on the
pre-rendered page (packages.pages), with the same negotiation (PEP 691 Accept), ETag/304
and headers as the Django view. Anything it cannot answer exactly as the view would (no
page file yet, a name that is not normalized, a POST, an HTTP request when the site
redirects to HTTPS, an unknown Host) goes on to Django unchanged.

config/wsgi.py wraps the Django application in `FastPath` for every production server.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http.request import split_domain_port, validate_host

from . import simple
from .pages import FILES, local_pages_root
from .storage import local_files_root

StartResponse = Callable[..., object]
WSGIApp = Callable[[dict, StartResponse], Iterable[bytes]]

# Normalized names only (PEP 503): anything else is Django's (a 301 or a 404).
_PROJECT = re.compile(r"^/simple/([a-z0-9](?:[a-z0-9-]{0,198}[a-z0-9])?)/$")
# Content-addressed keys: ab/cd/<sha256>/<filename> (and its .metadata).
_FILE = re.compile(
    r"^/files/([0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})/[A-Za-z0-9][A-Za-z0-9._!+-]*)$"
)
_FILE_TYPES = {"whl": "application/zip", "gz": "application/gzip", "zip": "application/zip"}
_MAX_CACHED = 4096  # pages kept per process (a 10,000-project index fits in a few MB)
_CHUNK = 256 * 1024


class _Cached:
    __slots__ = ("body", "checked", "etag", "identity")

    def __init__(self, identity: tuple[int, int, int], body: bytes, etag: str) -> None:
        self.identity = identity
        self.body = body
        self.etag = etag
        self.checked = time.monotonic()


@lru_cache(maxsize=512)
def _negotiate(accept: str) -> str | None:
    try:
        return simple.choose_content_type(accept)
    except simple.NotAcceptable:
        return None


@lru_cache(maxsize=64)
def _host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, list(allowed))


class _Config:
    """What the fast path reads from settings, computed once per settings object."""

    __slots__ = ("allowed_hosts", "files_root", "headers", "pages_root", "proxy", "ssl_redirect")

    def __init__(self) -> None:
        root = local_pages_root()
        self.pages_root = None if root is None else str(root) + "/simple/"
        self.files_root = local_files_root()
        self.allowed_hosts = tuple(settings.ALLOWED_HOSTS)
        self.proxy = settings.SECURE_PROXY_SSL_HEADER
        self.ssl_redirect = settings.SECURE_SSL_REDIRECT
        self.headers = {secure: tuple(_security_headers(secure)) for secure in (False, True)}


_config_for: tuple[object, _Config] | None = None


def _config() -> _Config:
    # Tests and override_settings swap settings._wrapped: the snapshot follows it.
    global _config_for
    wrapped = settings._wrapped
    if _config_for is None or _config_for[0] is not wrapped:
        _config_for = (wrapped, _Config())
    return _config_for[1]


def _security_headers(secure: bool) -> list[tuple[str, str]]:
    """What Django's middleware adds to the simple view's answer (see the test beside)."""
    headers = [("Vary", "Accept")]
    if settings.CONTENT_SECURITY_POLICY:
        headers.append(("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append(("Referrer-Policy", settings.SECURE_REFERRER_POLICY))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    headers.append(("X-Frame-Options", settings.X_FRAME_OPTIONS))
    if secure and settings.SECURE_HSTS_SECONDS:
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        headers.append(("Strict-Transport-Security", value))
    return headers


class FastPath:
    """WSGI middleware answering /simple/ from pre-rendered pages and /files/ from disk."""

    # A page read is trusted this long before its file is stat()ed again: a rewritten page
    # is served within a second (installers revalidate a page every 60 s anyway).
    recheck_seconds = 1.0

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.pages: dict[str, _Cached] = {}

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(("/simple/", "/files/")) and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            config = _config()
            secure = self._secure(environ, config)
            if secure is not None and self._host_ok(environ, config):
                if path.startswith("/simple/"):
                    answer = self._simple(environ, path, secure, config, start_response)
                else:
                    answer = self._file(environ, path, secure, config, start_response)
                if answer is not None:
                    return answer
        return self.app(environ, start_response)

    # --- what Django would check first -----------------------------------------------------

    @staticmethod
    def _secure(environ: dict, config: _Config) -> bool | None:
        """Whether the request is HTTPS; None when Django must redirect it to HTTPS."""
        secure = environ.get("wsgi.url_scheme") == "https"
        if config.proxy is not None:
            secure = environ.get(config.proxy[0], "").split(",")[0].strip() == config.proxy[1]
        if config.ssl_redirect and not secure:
            return None
        return secure

    @staticmethod
    def _host_ok(environ: dict, config: _Config) -> bool:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        return _host_allowed(host, config.allowed_hosts)

    # --- /simple/ --------------------------------------------------------------------------

    def _page(self, key: str) -> _Cached | None:
        cached = self.pages.get(key)
        now = time.monotonic()
        if cached is not None and now - cached.checked < self.recheck_seconds:
            return cached
        try:
            status = os.stat(key)
        except OSError:
            return None
        identity = (status.st_ino, status.st_mtime_ns, status.st_size)
        if cached is not None and cached.identity == identity:
            cached.checked = now
            return cached
        try:
            with open(key, "rb") as handle:
                body = handle.read()
        except OSError:
            return None
        if len(self.pages) >= _MAX_CACHED:
            self.pages.pop(next(iter(self.pages)))
        cached = self.pages[key] = _Cached(identity, body, simple.etag_of(body))
        return cached

    def _simple(
        self,
        environ: dict,
        path: str,
        secure: bool,
        config: _Config,
        start_response: StartResponse,
    ) -> Iterable[bytes] | None:
        root = config.pages_root
        if root is None:
            return None
        if path == "/simple/":
            folder = root
        else:
            match = _PROJECT.match(path)
            if match is None:
                return None
            folder = root + match.group(1) + "/"
        content_type = _negotiate(environ.get("HTTP_ACCEPT", ""))
        if content_type is None:
            return None  # Django answers 406 with its message
        stored = simple.JSON_V1 if content_type == simple.JSON_V1 else simple.TEXT_HTML
        page = self._page(folder + FILES[stored])
        if page is None:
            return None  # not written yet (or no such project): Django renders or 404s
        headers = [("ETag", page.etag), ("Cache-Control", "max-age=60, public")]
        headers += config.headers[secure]
        if _matches(environ.get("HTTP_IF_NONE_MATCH", ""), page.etag):
            start_response("304 Not Modified", headers)
            return []
        shown = content_type if content_type == simple.JSON_V1 else content_type + "; charset=utf-8"
        headers += [("Content-Type", shown), ("Content-Length", str(len(page.body)))]
        start_response("200 OK", headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [page.body]

    # --- /files/ ---------------------------------------------------------------------------

    def _file(
        self,
        environ: dict,
        path: str,
        secure: bool,
        config: _Config,
        start_response: StartResponse,
    ) -> Iterable[bytes] | None:
        root = config.files_root
        match = _FILE.match(path)
        if root is None or match is None:
            return None
        key = match.group(1)
        metadata = key.endswith(".metadata")
        etag = f'"{match.group(2)}{"-metadata" if metadata else ""}"'
        headers = [("ETag", etag), ("Cache-Control", "max-age=31536000, public, immutable")]
        headers += config.headers[secure][1:]  # no Vary on files
        if _matches(environ.get("HTTP_IF_NONE_MATCH", ""), etag, weak=False):
            start_response("304 Not Modified", headers)
            return []
        try:
            handle = open(os.path.join(root, key), "rb")  # noqa: SIM115 - closed by the server
            size = os.fstat(handle.fileno()).st_size
        except OSError:
            return None  # Django answers the 404
        filename = key.rsplit("/", 1)[-1]
        if metadata:
            headers.append(("Content-Type", "text/plain; charset=utf-8"))
            headers.append(("Content-Disposition", f'inline; filename="{filename}"'))
        else:
            kind = _FILE_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")
            headers.append(("Content-Type", kind))
            headers.append(("Content-Disposition", f'attachment; filename="{filename}"'))
        headers.append(("Content-Length", str(size)))
        start_response("200 OK", headers)
        if environ.get("REQUEST_METHOD") == "HEAD":
            handle.close()
            return []
        wrapper = environ.get("wsgi.file_wrapper")
        if wrapper is not None:
            return wrapper(handle, _CHUNK)
        return _chunks(handle)


def _matches(header: str, etag: str, *, weak: bool = True) -> bool:
    if not header:
        return False
    if not weak:
        return header == etag
    wanted = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag in wanted or "*" in wanted


def _chunks(handle) -> Iterable[bytes]:
    with handle:
        while chunk := handle.read(_CHUNK):
            yield chunk
