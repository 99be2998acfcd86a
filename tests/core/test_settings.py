"""Secrets: stripped, refused when weak in production, and never printed back."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.settings import Settings, get_settings
from thidua.cli import main

STRONG = "Jx8-q2LrT0vW9zYbN4cPd7sKfA1mHgE6uRiO3tQ5"


def _production(secret: str) -> Settings:
    return Settings(_env_file=None, environment="production", secret_key=secret)  # type: ignore[call-arg]


@pytest.mark.parametrize("secret", [" " * 40, "a" * 40, "abc123", "change-me", "\tchangethis\n"])
def test_weak_or_blank_secrets_are_refused_in_production(secret: str) -> None:
    with pytest.raises(ValidationError) as info:
        _production(secret)
    if secret.strip():
        assert secret.strip() not in str(info.value), "the refused secret is not printed"


def test_a_secret_is_stripped() -> None:
    assert _production(f"  {STRONG}\n").secret_key == STRONG


def test_the_cli_names_a_bad_secret_in_one_line_without_printing_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    get_settings.cache_clear()
    monkeypatch.setenv("THIDUA_ENVIRONMENT", "production")
    monkeypatch.setenv("THIDUA_SECRET_KEY", "shortsecret9")
    try:
        assert main(["migrate"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "THIDUA_SECRET_KEY" in err and "shortsecret9" not in err
