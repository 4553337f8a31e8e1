from __future__ import annotations

import math

from tokens import secrets as token_secrets


def test_generated_token_has_prefix_public_id_and_enough_randomness(settings) -> None:
    public_id, raw = token_secrets.generate()
    assert raw.startswith(f"{settings.TOKEN_PREFIX}-{public_id}_")
    secret = raw.rsplit("_", 1)[-1] if raw.count("_") == 1 else raw.split("_", 1)[1]
    # 43 url-safe base64 characters carry 256 bits; the spec asks for at least 128.
    assert len(secret) * math.log2(64) >= 128
    assert token_secrets.parse(raw).public_id == public_id


def test_tokens_are_unique() -> None:
    assert len({token_secrets.generate()[1] for _ in range(200)}) == 200


def test_parse_refuses_other_shapes() -> None:
    _, raw = token_secrets.generate()
    for bad in ["", "wharf-", "pypi-AgEIcHlwaS5vcmc", raw[:-1], raw + "x", "x" + raw]:
        assert token_secrets.parse(bad) is None


def test_only_the_hash_matches() -> None:
    _, raw = token_secrets.generate()
    stored = token_secrets.hash_token(raw)
    assert raw not in stored
    assert token_secrets.matches(raw, stored)
    assert not token_secrets.matches(raw[:-1] + ("A" if raw[-1] != "A" else "B"), stored)
