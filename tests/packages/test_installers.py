"""What pip and uv read from the index before downloading: Requires-Python and PEP 658 metadata.

Each test records the paths the live server was asked for, so it shows not only what was
installed but that the installer decided from the index page (PEP 503 data-requires-python,
PEP 691 requires-python, PEP 658/714 core metadata) without fetching the files it skipped.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.signals import request_started

from packages.models import File
from tests.factories import UserFactory
from tests.packages.conftest import build_wheel
from tests.packages.test_clients import BIN, installed_versions, run, twine, write

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# A Requires-Python that excludes the running interpreter, e.g. ">=3.12" on 3.11.
TOO_NEW = f">={sys.version_info.major}.{sys.version_info.minor + 1}"


@pytest.fixture
def requested() -> Iterator[list[str]]:
    """The paths the live server is asked for while the test runs."""
    paths: list[str] = []

    def record(sender, environ, **kwargs) -> None:
        paths.append(environ.get("PATH_INFO", ""))

    request_started.connect(record, weak=False)
    yield paths
    request_started.disconnect(record)


@pytest.fixture
def published(live_server, tmp_path: Path) -> dict[str, str]:
    """wharf-py 1.0 (any Python 3) and 2.0 (requires a Python newer than this one)."""
    out = tmp_path / "dist"
    out.mkdir()
    files = [
        write(out, build_wheel("wharf-py", "1.0", requires_python=">=3.8")),
        write(out, build_wheel("wharf-py", "2.0", requires_python=TOO_NEW)),
    ]
    result = twine(live_server.url, UserFactory(verified=True).username, *files)
    assert result.returncode == 0, result.output
    return {f.release.version: f.path for f in File.objects.select_related("release")}


def test_index_pages_carry_requires_python(client, published):
    html = client.get("/simple/wharf-py/").content.decode()
    assert f'data-requires-python="&gt;={TOO_NEW[2:]}"' in html
    assert 'data-requires-python="&gt;=3.8"' in html
    page = client.get("/simple/wharf-py/", HTTP_ACCEPT="application/vnd.pypi.simple.v1+json")
    by_version = {f["filename"].split("-")[1]: f for f in page.json()["files"]}
    assert by_version["2.0"]["requires-python"] == TOO_NEW


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_installer_picks_the_release_this_python_can_run(
    installer, live_server, published, requested, tmp_path
):
    target = tmp_path / installer
    index = f"{live_server.url}/simple/"
    if installer == "pip":
        command = [
            str(BIN / "python"), "-m", "pip", "install", "--no-cache-dir", "--index-url", index,
            "--target", str(target), "wharf-py",
        ]  # fmt: skip
    else:
        command = [
            str(BIN / "uv"), "pip", "install", "--no-cache", "--index-url", index,
            "--python", str(BIN / "python"), "--target", str(target), "wharf-py",
        ]  # fmt: skip
    run(*command)

    assert installed_versions(target) == {"wharf_py": "1.0"}
    # Decided from the index page: 2.0's file and metadata were never fetched.
    assert f"/files/{published['1.0']}" in requested
    assert not any(published["2.0"] in path for path in requested), requested


def test_uv_resolves_from_core_metadata_without_downloading_wheels(
    live_server, published, requested, tmp_path
):
    requirements = tmp_path / "requirements.in"
    requirements.write_text("wharf-py\n")
    result = run(
        str(BIN / "uv"), "pip", "compile", "--no-cache", "--index-url",
        f"{live_server.url}/simple/", "--python", str(BIN / "python"), "--no-header",
        str(requirements),
    )  # fmt: skip
    assert "wharf-py==1.0" in result.stdout
    # PEP 658: the resolver read the .metadata file and never the wheel itself.
    assert f"/files/{published['1.0']}.metadata" in requested, requested
    assert f"/files/{published['1.0']}" not in requested, requested
