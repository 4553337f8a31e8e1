"""Benchmark the index on this machine: `make bench` (N=1000) or `make bench N=10000`.

Runs Wharf as the README's Production section does, on a fresh SQLite database in a
temporary directory: `make serve` (granian with the WSGI fast path), and, when a Redis
answers on 127.0.0.1:6379, Redis as cache and broker with a real celery worker writing the
simple pages (else tasks run in the request, as without a broker). In the same run it
serves the very same page files with plain nginx and with the shipped deploy/nginx.conf.

Prints, with the load average beside each figure:
- requests/s and p50/p99 of `/simple/<project>/` (HTML and JSON) and `/simple/` for each
  server, and the ratios against the targets of issue 13 (wrk when installed, else a
  Python client that cannot measure above a few thousand requests/s);
- files/s of real `twine upload`s with an API token at 1,000 projects and again at N (the
  database grows in between), beside twine against a server that does nothing (what the
  client itself costs: twine starts in ~0.6 s and spends ~2 ms a file of its own).
On a shared machine, rerun when the load is high.

Environment: BENCH_SECONDS (per wrk run, default 8), BENCH_CONNECTIONS (default 16),
BENCH_UPLOADS (files per twine upload, default 200), BENCH_REDIS_URL (default
redis://127.0.0.1:6379/13; "none" for no broker), WEB_WORKERS / WEB_THREADS (make serve).
"""

from __future__ import annotations

# ruff: noqa: S603 - runs our own tools (migrate, gunicorn, twine) with fixed arguments
import http.client
import http.server
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench password 1234"
RELEASES_PER_PROJECT = 3
FILES_PER_RELEASE = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_environment(workdir: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "FILES_ROOT": str(workdir / "files"),
        "SECRET_KEY": "bench-only-secret-" + "x" * 40,
        "DEBUG": "false",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_URL": f"filemail://{workdir / 'mail'}",
        "CELERY_BROKER_URL": "",
        "CACHE_URL": "locmemcache://",
        "NO_PROXY": "*",
    }


def fill(start: int, count: int) -> list[str]:
    """Projects start..count-1 with releases and file rows (pages don't read file bytes)."""
    import django

    django.setup()
    from django.utils import timezone

    from accounts.models import User
    from packages.models import File, FilenameUse, Project, Release, Role
    from tests.factories import EmailAddressFactory

    user = User.objects.filter(username="bench").first()
    if user is None:
        user = User.objects.create_user("bench", "bench@example.com", PASSWORD)
        EmailAddressFactory(user=user, email=user.email, verified=True, primary=True)
    names = [f"bench-project-{i}" for i in range(start, count)]
    now = timezone.now()
    for start in range(0, count, 1000):
        chunk = names[start : start + 1000]
        projects = Project.objects.bulk_create(
            Project(name=n, normalized_name=n, similarity_key=n.replace("-", "")) for n in chunk
        )
        Role.objects.bulk_create(Role(project=p, user=user, role="Owner") for p in projects)
        releases = Release.objects.bulk_create(
            Release(project=p, version=f"1.{r}", canonical_version=f"1.{r}", summary="bench")
            for p in projects
            for r in range(RELEASES_PER_PROJECT)
        )
        files, uses = [], []
        for release in releases:
            for f in range(FILES_PER_RELEASE):
                dist = release.project.normalized_name.replace("-", "_")
                filename = f"{dist}-{release.version}-py3{f}-none-any.whl"
                sha = f"{release.pk:032x}{f:032x}"
                files.append(
                    File(
                        release=release,
                        filename=filename,
                        packagetype="bdist_wheel",
                        python_version="py3",
                        requires_python=">=3.9",
                        size=12345,
                        sha256=sha,
                        blake2_256=sha,
                        md5=sha[:32],
                        upload_time=now,
                        uploaded_by=user,
                        path=f"{sha[:2]}/{sha[2:4]}/{sha}/{filename}",
                        metadata_sha256=sha,
                    )
                )
                uses.append(FilenameUse(filename=filename, project_name=release.project.name))
        File.objects.bulk_create(files)
        FilenameUse.objects.bulk_create(uses)
    return names


def measure(port: int, paths: list[str], accept: str, concurrency: int) -> dict[str, float]:
    """Fire every path once over keep-alive connections; latency figures in ms."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    queue = list(reversed(paths))

    def worker() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if not queue:
                    break
                path = queue.pop()
            started = time.perf_counter()
            connection.request("GET", path, headers={"Accept": accept})
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    errors += 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "max": latencies[-1],
        "errors": errors,
    }


def show(label: str, figures: dict[str, float]) -> None:
    errors = f", {figures['errors']:.0f} errors" if figures["errors"] else ""
    print(
        f"  {label:<44} {figures['rps']:>8.0f} req/s   p50 {figures['p50']:>7.2f} ms"
        f"   p99 {figures['p99']:>7.2f} ms   ({figures['requests']:.0f} requests"
        f"{errors}; max {figures['max']:.0f} ms)"
    )


def api_token(username: str) -> str:
    from accounts.models import User
    from tokens.services import token_create

    _token, raw = token_create(user=User.objects.get(username=username), name="bench")
    return raw


def warm_up(port: int) -> None:
    """Wait until the app server's workers answer (granian listens before they have loaded
    Django), then send each a few requests, so no figure includes a worker's start."""
    for _ in range(600):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if connection.getresponse().status == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    workers = int(os.environ.get("WEB_WORKERS", "2"))
    measure(port, ["/healthz"] * workers * 20, "text/html", workers * 2)


def wait_for(port: int, server: subprocess.Popen) -> None:
    for _ in range(600):  # a loaded machine takes a while to start Django in each worker
        if server.poll() is not None:
            raise SystemExit("the app server exited; see its output above")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def upload_files(
    port: int, username: str, password: str, workdir: Path, count: int, project: str
) -> float:
    from tests.packages.conftest import build_wheel

    out = workdir / project
    out.mkdir()
    paths = []
    for i in range(count):
        filename, data = build_wheel(project, f"1.0.{i}")
        (out / filename).write_bytes(data)
        paths.append(str(out / filename))
    started = time.perf_counter()
    result = subprocess.run(
        [
            str(BIN / "twine"), "upload", "--repository-url", f"http://127.0.0.1:{port}/legacy/",
            "-u", username, "-p", password, "--non-interactive", "--disable-progress-bar",
            *paths,
        ],
        capture_output=True, text=True, env={**os.environ, "NO_PROXY": "*"},
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        print(result.stdout, result.stderr)
        raise SystemExit("twine upload failed")
    return count / elapsed


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


WRK_SCRIPT = """
local names = {}; local i = 0
for l in io.lines(os.getenv("BENCH_NAMES")) do names[#names + 1] = l end
request = function() i = i % #names + 1; return wrk.format("GET", names[i]) end
"""


def wrk(port: int, paths: list[str], accept: str, workdir: Path) -> dict[str, float]:
    """wrk -t2 -c16 over paths in turn (keep-alive): req/s and latency percentiles in ms."""
    (workdir / "paths.txt").write_text("\n".join(paths) + "\n")
    (workdir / "rotate.lua").write_text(WRK_SCRIPT)
    seconds = os.environ.get("BENCH_SECONDS", "8")
    connections = os.environ.get("BENCH_CONNECTIONS", "16")
    result = subprocess.run(
        [
            "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
            "-s", str(workdir / "rotate.lua"), "-H", f"Accept: {accept}", f"http://127.0.0.1:{port}",
        ],
        capture_output=True, text=True,
        env={**os.environ, "BENCH_NAMES": str(workdir / "paths.txt")},
    )  # fmt: skip
    figures: dict[str, float] = {"errors": 0}

    def millis(value: str) -> float:
        for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
            if value.endswith(unit):
                return float(value.removesuffix(unit)) * factor
        return float(value)

    for line in result.stdout.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(parts[1])
        elif parts[:1] == ["50%"]:
            figures["p50"] = millis(parts[1])
        elif parts[:1] == ["99%"]:
            figures["p99"] = millis(parts[1])
        elif "requests in" in line:
            figures["requests"] = float(parts[0])
        elif line.strip().startswith("Non-2xx"):
            figures["errors"] = float(parts[-1])
    if "rps" not in figures:
        raise SystemExit(f"wrk failed: {result.stdout} {result.stderr}")
    figures["max"] = figures["p99"]
    return figures


def run(label: str, port: int, paths: list[str], accept: str, workdir: Path) -> float:
    before = load()
    if shutil.which("wrk"):
        figures = wrk(port, paths, accept, workdir)
    else:
        figures = measure(port, (paths * (4000 // len(paths) + 1))[:4000], accept, 16)
    errors = f", {figures['errors']:.0f} errors" if figures["errors"] else ""
    print(
        f"  {label:<46} {figures['rps']:>9.0f} req/s   p50 {figures['p50']:>6.2f} ms"
        f"   p99 {figures['p99']:>6.2f} ms   load {before}{errors}"
    )
    return figures["rps"]


def verdict(label: str, value: float, target: float, unit: str = "") -> None:
    mark = "meets" if value >= target else "MISSES"
    print(f"  {label:<58} {value:>9.3g}{unit}  target >= {target:g}{unit}: {mark}")


def start_nginx(workdir: Path, pages: Path, files: Path, upstream: int) -> tuple:
    """One nginx: plain on the page files, and the shipped deploy/nginx.conf; (process, ports)."""
    plain, shipped = free_port(), free_port()
    values = {
        "WHARF_LISTEN": f"127.0.0.1:{shipped}",
        "WHARF_UPSTREAM": f"127.0.0.1:{upstream}",
        "WHARF_PAGES_ROOT": str(pages),
        "WHARF_FILES_ROOT": str(files),
    }
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    for name, value in values.items():  # what envsubst does, without needing it here
        config = config.replace("${" + name + "}", value)
    (workdir / "wharf.conf").write_text(config)
    (workdir / "nginx.conf").write_text(
        f"""
worker_processes 2; pid {workdir}/nginx.pid; error_log {workdir}/nginx.err; daemon off;
events {{ worker_connections 1024; }}
http {{
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  types {{ text/html html; }} default_type text/html;
  client_body_temp_path {workdir}/nb; proxy_temp_path {workdir}/np;
  fastcgi_temp_path {workdir}/nf; uwsgi_temp_path {workdir}/nu; scgi_temp_path {workdir}/ns;
  server {{ listen 127.0.0.1:{plain}; root {pages}; index index.html; }}
  include {workdir}/wharf.conf;
}}
"""
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen(
        [
            nginx,
            "-p",
            str(workdir),
            "-c",
            str(workdir / "nginx.conf"),
            "-e",
            str(workdir / "nginx.err"),
        ]
    )
    return process, plain, shipped


def redis_url() -> str | None:
    """The bench's Redis (cache and broker, as in production), emptied; None when none answers."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    if url == "none":
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()
    except redis.RedisError:
        return None
    return url


class NullUploadHandler(http.server.BaseHTTPRequestHandler):
    """Answers every upload 200 at once: twine against it costs only twine."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def client_floor(workdir: Path, uploads: int) -> float:
    """Files/s of twine uploading to a server that does nothing."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NullUploadHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        return upload_files(port, "__token__", "x", workdir, uploads, "bench-null")
    finally:
        server.shutdown()


def start(command: list[str], environment: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=environment, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def reads(count: int, names: list[str], port: int, workdir: Path) -> None:
    """/simple/ through Wharf, plain nginx and the shipped nginx config, and the targets."""
    have_nginx = bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists())
    nginx = None
    try:
        if have_nginx:
            nginx, plain, shipped = start_nginx(workdir, workdir / "pages", workdir / "files", port)
            wait_for(plain, nginx)
        stride = max(1, count // 2000)
        pages = [f"/simple/{n}/" for n in names[::stride][:2000]]
        for path in pages[:200] + ["/simple/"]:  # every worker has read its pages once
            measure(port, [path] * 4, "text/html", 4)
        tool = (
            "wrk -t2 -c" + os.environ.get("BENCH_CONNECTIONS", "16")
            if shutil.which("wrk")
            else "a Python client (install wrk!)"
        )
        print(
            f"\n/simple/ at {count} projects, {len(pages)} pages in turn, {tool}, "
            f"{os.cpu_count()} CPUs; make serve = granian, WEB_WORKERS="
            f"{os.environ.get('WEB_WORKERS', '2')}, WEB_THREADS="
            f"{os.environ.get('WEB_THREADS', '1')}\n"
        )
        json_ = "application/vnd.pypi.simple.v1+json"
        wharf = run("wharf (make serve) /simple/<p>/ HTML", port, pages, "text/html", workdir)
        run("wharf (make serve) /simple/<p>/ JSON", port, pages, json_, workdir)
        wharf_root = run(
            "wharf (make serve) /simple/ root", port, ["/simple/"], "text/html", workdir
        )
        if not have_nginx:
            print("  nginx is not installed: no side-by-side figures (apt-get install nginx-light)")
            return
        nginx_page = run("nginx, plain, same page files", plain, pages, "text/html", workdir)
        shipped_page = run(
            "nginx, deploy/nginx.conf, /simple/<p>/", shipped, pages, "text/html", workdir
        )
        nginx_root = run(
            "nginx, plain, same /simple/ root file", plain, ["/simple/"], "text/html", workdir
        )
        root_size = (workdir / "pages" / "simple" / "index.html").stat().st_size
        print(f"\n  (/simple/ root is {root_size // 1024} KB)\nTargets (issue 13):")
        verdict("wharf /simple/<p>/ req/s", wharf, 20000)
        verdict("wharf / nginx on the same page bytes", wharf / nginx_page, 0.25)
        verdict("nginx shipped config / plain nginx", shipped_page / nginx_page, 0.90)
        verdict("wharf /simple/ root / nginx on the same bytes", wharf_root / nginx_root, 0.50)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)


def uploads_at(count: int, port: int, token: str, workdir: Path, uploads: int) -> float:
    rate = upload_files(port, "__token__", token, workdir, uploads, f"bench-token-{count}")
    print(
        f"  twine upload, API token, at {count:>6} projects: {rate:>6.1f} files/s "
        f"({uploads} wheels, load {load()})"
    )
    return rate


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else 1000
    uploads = int(os.environ.get("BENCH_UPLOADS", "200"))
    first = min(count, 1000)
    with tempfile.TemporaryDirectory(prefix="wharf-bench-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)  # nginx's workers read the pages as another user
        port = free_port()
        environment = bench_environment(workdir, port)
        environment["PAGES_ROOT"] = str(workdir / "pages")
        redis = redis_url()
        if redis is not None:
            environment["CELERY_BROKER_URL"] = environment["CACHE_URL"] = redis
        os.environ.update(environment)
        started = time.perf_counter()
        subprocess.run(
            [str(BIN / "python"), "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env=environment,
            check=True,
        )
        names = fill(0, first)
        print(
            f"Filled a fresh SQLite database with {first} projects "
            f"({RELEASES_PER_PROJECT} releases x {FILES_PER_RELEASE} files each) "
            f"in {time.perf_counter() - started:.1f} s; "
            + (f"cache and broker: {redis}, one celery worker" if redis else "no broker")
        )
        processes = [start(["make", "-s", "serve", f"PORT={port}"], environment)]
        if redis is not None:
            processes.append(
                start(
                    [
                        str(BIN / "celery"),
                        "-A",
                        "config",
                        "--quiet",
                        "worker",
                        "-c",
                        "1",
                        "-l",
                        "warning",
                    ],
                    environment,
                )
            )
        try:
            wait_for(port, processes[0])
            warm_up(port)
            token = api_token("bench")
            print(
                "\nUploads (twine upload of BENCH_UPLOADS wheels to one new project):\n"
                f"  twine against a server that does nothing:  "
                f"{client_floor(workdir, uploads):>6.1f} files/s (what twine itself allows)"
            )
            small = uploads_at(first, port, token, workdir, uploads)
            if count > first:
                started = time.perf_counter()
                names += fill(first, count)
                print(
                    f"  (grew the database to {count} projects in "
                    f"{time.perf_counter() - started:.1f} s)"
                )
            large = uploads_at(count, port, token, workdir, uploads)

            from packages.pages import rebuild_all

            started = time.perf_counter()
            rebuild_all()
            print(
                f"\nWrote the simple pages of {count} projects (rebuild_simple_pages) in "
                f"{time.perf_counter() - started:.1f} s"
            )
            reads(count, names, port, workdir)
            print()
            verdict(f"twine upload with a token at {count} projects, files/s", large, 50)
            if count > first:
                ratio = large / small
                mark = "meets" if abs(ratio - 1) <= 0.10 else "MISSES"
                print(
                    f"  {f'uploads at {count} / at {first} projects':<58} {ratio:>9.3g}  "
                    f"target within 10 % of 1: {mark}"
                )
        finally:
            for process in processes:
                stop(process)


if __name__ == "__main__":
    main()
