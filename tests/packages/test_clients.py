"""The real clients against a live server: twine uploads, pip and uv install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from packages.models import File, Release
from tests.factories import PASSWORD, UserFactory
from tests.packages.conftest import build_sdist, build_wheel

BIN = Path(sys.executable).parent
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ENV = {
    **os.environ,
    "NO_PROXY": "*",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_CONFIG_FILE": os.devnull,
    "UV_NO_CONFIG": "1",
    "TWINE_NON_INTERACTIVE": "1",
    "COLUMNS": "1000",  # rich would wrap twine's messages at 80
    "NO_COLOR": "1",
}


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, env=ENV, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed:\n{result.stdout}\n{result.stderr}")
    result.output = " ".join((result.stdout + result.stderr).split())
    return result


# twine 7 refuses --skip-existing for any index but PyPI's own URLs before it sends a byte
# (Settings.verify_feature_capability). The rest of its skip logic is generic: it reads our
# "File already exists" reason phrase. So that one check is switched off, nothing else.
TWINE_ALLOWING_SKIP_EXISTING = (
    "import sys, twine.settings, twine.__main__;"
    "twine.settings.Settings.verify_feature_capability = lambda self: None;"
    "sys.argv[0] = 'twine'; sys.exit(twine.__main__.main())"
)


def twine(url: str, username: str, *files: Path, password: str = PASSWORD, extra=()):
    command = (
        [str(BIN / "python"), "-c", TWINE_ALLOWING_SKIP_EXISTING]
        if "--skip-existing" in extra
        else [str(BIN / "twine")]
    )
    return run(
        *command, "upload", "--repository-url", f"{url}/legacy/",
        "-u", username, "-p", password, "--non-interactive", "--disable-progress-bar",
        *extra, *map(str, files), check=False,
    )  # fmt: skip


def write(directory: Path, built: tuple[str, bytes]) -> Path:
    path = directory / built[0]
    path.write_bytes(built[1])
    return path


@pytest.fixture
def dists(tmp_path: Path) -> dict[str, Path]:
    out = tmp_path / "dist"
    out.mkdir()
    return {
        "dep": write(out, build_wheel("wharf-dep", "1.0")),
        "app": write(out, build_wheel("Wharf_App", "1.0", requires_dist=["wharf-dep>=1"])),
        "app_sdist": write(out, build_sdist("Wharf_App", "1.0")),
        "app2": write(out, build_wheel("Wharf_App", "2.0", requires_dist=["wharf-dep>=1"])),
    }


def installed_versions(target: Path) -> dict[str, str]:
    found = {}
    for info in target.glob("*.dist-info"):
        name, version = info.name.removesuffix(".dist-info").split("-")
        found[name] = version
    return found


def test_twine_upload_then_pip_and_uv_install(live_server, dists, tmp_path, settings):
    url = live_server.url
    owner = UserFactory(verified=True)
    result = twine(
        url, owner.username, dists["dep"], dists["app"], dists["app_sdist"], dists["app2"]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert File.objects.count() == 4

    # An identical re-upload with --skip-existing succeeds, as with PyPI.
    again = twine(url, owner.username, dists["app"], dists["app_sdist"], extra=["--skip-existing"])
    assert again.returncode == 0, again.stdout + again.stderr

    # Before the yank pip picks the newest release (and the simple pages are now cached).
    before = tmp_path / "before"
    run(
        str(BIN / "python"), "-m", "pip", "install", "--index-url", f"{url}/simple/",
        "--no-cache-dir", "--target", str(before), "wharf-app",
    )  # fmt: skip
    assert installed_versions(before) == {"wharf_app": "2.0", "wharf_dep": "1.0"}

    # The Owner yanks 2.0 on the project's management page.
    browser = Client()
    browser.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    release = Release.objects.get(project__normalized_name="wharf-app", version="2.0")
    response = browser.post(
        "/manage/project/wharf-app/", {"action": "yank", "release": release.pk, "reason": "broken"}
    )
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.yanked and release.yanked_reason == "broken"

    # 2.0 yanked: an unpinned install skips it, a pinned one still gets it (PEP 592).
    pip_target = tmp_path / "pip"
    run(
        str(BIN / "python"), "-m", "pip", "install", "--index-url", f"{url}/simple/",
        "--no-cache-dir", "--target", str(pip_target), "wharf-app",
    )  # fmt: skip
    assert installed_versions(pip_target) == {"wharf_app": "1.0", "wharf_dep": "1.0"}

    pinned = tmp_path / "pinned"
    run(
        str(BIN / "python"), "-m", "pip", "install", "--index-url", f"{url}/simple/",
        "--no-cache-dir", "--target", str(pinned), "wharf-app==2.0",
    )  # fmt: skip
    assert installed_versions(pinned)["wharf_app"] == "2.0"

    uv_target = tmp_path / "uv"
    run(
        str(BIN / "uv"), "pip", "install", "--index-url", f"{url}/simple/", "--no-cache",
        "--python", str(BIN / "python"), "--target", str(uv_target), "wharf-app",
    )  # fmt: skip
    assert installed_versions(uv_target) == {"wharf_app": "1.0", "wharf_dep": "1.0"}
    uv_pinned = tmp_path / "uv-pinned"
    run(
        str(BIN / "uv"), "pip", "install", "--index-url", f"{url}/simple/", "--no-cache",
        "--python", str(BIN / "python"), "--target", str(uv_pinned), "wharf-app==2.0",
    )  # fmt: skip
    assert installed_versions(uv_pinned)["wharf_app"] == "2.0"


def test_twine_refusals_show_the_message(live_server, dists):
    url = live_server.url
    owner = UserFactory(verified=True)
    assert twine(url, owner.username, dists["app"]).returncode == 0

    other = UserFactory(verified=True)  # a second, verified user without a role
    result = twine(url, other.username, dists["app2"])
    output = result.output
    assert result.returncode != 0
    assert (
        "403" in output
        and "isn't allowed to upload" in output
        and "ask one of its Owners" in output
    )

    unverified = UserFactory(unverified=True)
    result = twine(url, unverified.username, dists["dep"])
    output = result.output
    assert (
        "403" in output and "no verified email address" in output and "/accounts/email/" in output
    )

    result = twine(url, owner.username, dists["dep"], password="wrong")
    assert "403" in result.output and "invalid username or password" in result.output
    assert File.objects.count() == 1


def test_twine_sees_file_already_exists(live_server, tmp_path):
    url = live_server.url
    owner = UserFactory(verified=True)
    first = tmp_path / "a"
    first.mkdir()
    second = tmp_path / "b"
    second.mkdir()
    original = write(first, build_wheel("clash", "1.0", summary="one"))
    changed = write(second, build_wheel("clash", "1.0", summary="two"))
    assert twine(url, owner.username, original).returncode == 0
    result = twine(url, owner.username, changed)
    output = result.output
    assert (
        result.returncode != 0 and "File already exists" in output and "bump the version" in output
    )
    # --skip-existing treats "File already exists" as done, as on PyPI.
    assert twine(url, owner.username, changed, extra=["--skip-existing"]).returncode == 0
