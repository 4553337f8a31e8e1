"""deploy/'s systemd units pass `systemd-analyze verify` (syntax, directives, executables)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
UNITS = sorted((ROOT / "deploy").glob("*.service"))


def test_there_are_units_for_web_worker_and_beat():
    assert [u.name for u in UNITS] == [
        "wharf-beat.service",
        "wharf-web.service",
        "wharf-worker.service",
    ]


def test_units_verify(tmp_path: Path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (.ci/run installs Debian's systemd)")
    # As installed with the checkout at /srv/wharf: here the checkout is ROOT, so the
    # executables the units name (the venv's celery, make) are checked for real.
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/wharf", str(ROOT)))
    result = subprocess.run(
        [analyze, "verify", *[str(tmp_path / u.name) for u in UNITS]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        # Without systemd as PID 1 (containers, CI) verify mentions that it cannot reach it.
        if line.strip() and "Failed to connect to bus" not in line
    ]
    assert result.returncode == 0 and not problems, "\n".join(problems)


def test_beat_keeps_its_schedule_out_of_the_checkout():
    beat = (ROOT / "deploy" / "wharf-beat.service").read_text()
    assert "CELERY_BEAT_SCHEDULE_FILE=/var/lib/wharf/celerybeat-schedule" in beat
