"""Benchmark the index on this machine: `make bench` (N=1000) or `make bench N=10000`.

Fills a fresh SQLite database (in a temporary directory) with N projects, writes their
pre-rendered simple pages, serves them with `make serve` (the production app server, with
the WSGI fast path) and, in the same run, with nginx: plain nginx on the very same page
files, and nginx with the shipped deploy/nginx.conf. Prints requests per second and p50/p99
of `/simple/<project>/` and `/simple/` for each, the ratios against the targets of issue 13,
then files per second for real `twine upload`s. Uses wrk (`apt-get install wrk`) when it is
installed, else a Python client that cannot measure above a few thousand requests/s. The
machine's load average is printed beside each figure: on a shared machine, rerun when the
load is high.

Environment: BENCH_SECONDS (per wrk run, default 8), BENCH_CONNECTIONS (default 16),
BENCH_UPLOADS (files uploaded with twine, default 40), WEB_WORKERS / WEB_THREADS (make serve).
"""

from __future__ import annotations

# ruff: noqa: S603 - runs our own tools (migrate, gunicorn, twine) with fixed arguments
import http.client
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


def fill(count: int) -> tuple[list[str], str]:
    """N projects with releases and file rows (the simple pages don't read file bytes)."""
    import django

    django.setup()
    from django.utils import timezone

    from accounts.models import User
    from packages.models import File, FilenameUse, Project, Release, Role
    from tests.factories import EmailAddressFactory

    user = User.objects.create_user("bench", "bench@example.com", PASSWORD)
    EmailAddressFactory(user=user, email=user.email, verified=True, primary=True)
    names = [f"bench-project-{i}" for i in range(count)]
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
    return names, user.username


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


def warm_up(port: int, workers: int) -> None:
    """Every gunicorn worker loads Django before the clock starts (a page needing no static)."""
    measure(port, ["/simple/"] * workers * 20, "text/html", workers * 2)


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


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else 1000
    uploads = int(os.environ.get("BENCH_UPLOADS", "40"))
    with tempfile.TemporaryDirectory(prefix="wharf-bench-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)  # nginx's workers read the pages as another user
        port = free_port()
        environment = bench_environment(workdir, port)
        environment["PAGES_ROOT"] = str(workdir / "pages")
        os.environ.update(environment)
        started = time.perf_counter()
        subprocess.run(
            [str(BIN / "python"), "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env=environment,
            check=True,
        )
        names, username = fill(count)
        print(
            f"Filled a fresh SQLite database with {count} projects "
            f"({RELEASES_PER_PROJECT} releases x {FILES_PER_RELEASE} files each) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        from packages.pages import rebuild_all

        started = time.perf_counter()
        rebuild_all()
        print(
            f"Wrote their simple pages (rebuild_simple_pages) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        server = subprocess.Popen(
            ["make", "-s", "serve", f"PORT={port}", f"PYTHON={BIN / 'python'}"],
            cwd=ROOT, env=environment, start_new_session=True,
        )  # fmt: skip
        nginx = None
        try:
            wait_for(port, server)
            have_nginx = bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists())
            if have_nginx:
                nginx, plain, shipped = start_nginx(
                    workdir, workdir / "pages", workdir / "files", port
                )
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
                f"{os.environ.get('WEB_WORKERS', '2')}\n"
            )
            json_ = "application/vnd.pypi.simple.v1+json"
            wharf = run("wharf (make serve) /simple/<p>/ HTML", port, pages, "text/html", workdir)
            run("wharf (make serve) /simple/<p>/ JSON", port, pages, json_, workdir)
            wharf_root = run(
                "wharf (make serve) /simple/ root", port, ["/simple/"], "text/html", workdir
            )
            if have_nginx:
                nginx_page = run(
                    "nginx, plain, same page files", plain, pages, "text/html", workdir
                )
                shipped_page = run(
                    "nginx, deploy/nginx.conf, /simple/<p>/", shipped, pages, "text/html", workdir
                )
                nginx_root = run(
                    "nginx, plain, same /simple/ root file",
                    plain,
                    ["/simple/"],
                    "text/html",
                    workdir,
                )
                root_size = (workdir / "pages" / "simple" / "index.html").stat().st_size
                print(f"\n  (/simple/ root is {root_size // 1024} KB)\nTargets (issue 13):")
                verdict("wharf /simple/<p>/ req/s", wharf, 20000)
                verdict("wharf / nginx on the same page bytes", wharf / nginx_page, 0.25)
                verdict("nginx shipped config / plain nginx", shipped_page / nginx_page, 0.90)
                verdict(
                    "wharf /simple/ root / nginx on the same bytes", wharf_root / nginx_root, 0.50
                )
            else:
                print(
                    "  nginx is not installed: no side-by-side figures "
                    "(apt-get install nginx-light)"
                )
            print()
            rate = upload_files(port, username, PASSWORD, workdir, uploads, "bench-password")
            print(
                f"  twine upload, username + password: {rate:>6.1f} files/s "
                f"({uploads} wheels, load {load()})"
            )
            token = api_token(username)
            rate = upload_files(port, "__token__", token, workdir, uploads, "bench-token")
            print(
                f"  twine upload, API token:           {rate:>6.1f} files/s "
                f"({uploads} wheels, load {load()})"
            )
            verdict(f"twine upload with a token at {count} projects, files/s", rate, 50)
        finally:
            if nginx is not None:
                nginx.terminate()
                nginx.wait(timeout=10)
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
