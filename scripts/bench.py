"""Benchmark the index on this machine: `make bench` (N=1000) or `make bench N=10000`.

Fills a fresh SQLite database (in a temporary directory) with N projects, serves it with
gunicorn as production would, and prints requests per second and p50/p99 latency of
`/simple/<project>/` (HTML and JSON) and `/simple/`, then files per second for real
`twine upload`s. Figures only: nothing passes or fails.

Environment: BENCH_WORKERS (gunicorn workers, default 4), BENCH_CONCURRENCY (client
threads, default 8), BENCH_REQUESTS (per project-page measurement, default 2000),
BENCH_UPLOADS (files uploaded with twine, default 40).
"""

from __future__ import annotations

# ruff: noqa: S603 - runs our own tools (migrate, gunicorn, twine) with fixed arguments
import http.client
import os
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
    for _ in range(200):
        if server.poll() is not None:
            raise SystemExit("gunicorn exited; see its output above")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


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


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else 1000
    workers = int(os.environ.get("BENCH_WORKERS", "4"))
    concurrency = int(os.environ.get("BENCH_CONCURRENCY", "8"))
    requests = int(os.environ.get("BENCH_REQUESTS", "2000"))
    uploads = int(os.environ.get("BENCH_UPLOADS", "40"))
    with tempfile.TemporaryDirectory(prefix="wharf-bench-") as tmp:
        workdir = Path(tmp)
        port = free_port()
        environment = bench_environment(workdir, port)
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
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"), "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                "--log-level", "warning", "--keep-alive", "30",
            ],
            cwd=ROOT, env=environment,
        )  # fmt: skip
        try:
            wait_for(port, server)
            warm_up(port, workers)
            print(
                f"gunicorn, {workers} workers, {concurrency} client threads, "
                f"local-memory cache per worker, {os.cpu_count()} CPUs\n"
            )
            stride = max(1, count // requests) if count > requests else 1
            cold = [f"/simple/{n}/" for n in names[::stride][:requests]]
            warm = [cold[i % min(50, len(cold))] for i in range(requests)]
            html = "text/html"
            json_ = "application/vnd.pypi.simple.v1+json"
            show(
                "/simple/<project>/ HTML, first hits (uncached)",
                measure(port, cold, html, concurrency),
            )
            show("/simple/<project>/ HTML, cached", measure(port, warm, html, concurrency))
            show(
                "/simple/<project>/ JSON, first hits (uncached)",
                measure(port, cold, json_, concurrency),
            )
            show("/simple/<project>/ JSON, cached", measure(port, warm, json_, concurrency))
            index_requests = max(50, min(500, requests // 4))
            show(
                f"/simple/ HTML ({count} projects)",
                measure(port, ["/simple/"] * index_requests, html, concurrency),
            )
            show(
                f"/simple/ JSON ({count} projects)",
                measure(port, ["/simple/"] * index_requests, json_, concurrency),
            )
            print()
            rate = upload_files(port, username, PASSWORD, workdir, uploads, "bench-password")
            print(f"  twine upload, username + password: {rate:>6.1f} files/s ({uploads} wheels)")
            token = api_token(username)
            rate = upload_files(port, "__token__", token, workdir, uploads, "bench-token")
            print(f"  twine upload, API token:           {rate:>6.1f} files/s ({uploads} wheels)")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
