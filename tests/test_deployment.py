"""docker-compose.yml cannot run here; these tests check what can be checked of it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _setting_names() -> set[str]:
    return {f"THIDUA_{name.upper()}" for name in Settings.model_fields}


def test_every_thidua_variable_in_compose_is_a_real_setting() -> None:
    names = _setting_names()
    for service in _compose()["services"].values():
        for key in dict(service.get("environment") or {}):
            if key.startswith("THIDUA_"):
                assert key in names, f"{key} is not a setting"


def test_app_waits_for_healthy_services() -> None:
    services = _compose()["services"]
    app = services["app"]
    for dependency in ("postgres", "chroma"):
        assert app["depends_on"][dependency]["condition"] == "service_healthy"
        assert "healthcheck" in services[dependency]
    assert "healthcheck" in app


def test_env_example_and_readme_name_only_real_settings() -> None:
    names = _setting_names()
    for path in (ROOT / ".env.example", ROOT / "README.md"):
        for found in set(re.findall(r"\bTHIDUA_[A-Z_]+\b", path.read_text(encoding="utf-8"))):
            assert found in names or found == "THIDUA_TEST_DATABASE_URL", f"{path.name} names unknown {found}"


def test_readme_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(name for name in _setting_names() if f"`{name}`" not in readme)
    assert not missing, f"README configuration table lacks {missing}"
