"""`check --deploy` warns when rate limits would count per process."""

from __future__ import annotations

from tests.accounts.test_settings import PRODUCTION, run


def test_check_deploy_warns_about_a_per_process_cache():
    env = {**PRODUCTION, "CACHE_URL": "locmemcache://"}
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode != 0
    assert "wharf.W002" in result.stderr
    assert "Set CACHE_URL to a shared cache" in result.stderr
