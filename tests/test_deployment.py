"""docker-compose.yml cannot run here; these tests check what can be checked of it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
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
            test_only = {"THIDUA_TEST_DATABASE_URL", "THIDUA_TEST_CHROMA_URL", "THIDUA_TEST_REDIS_URL"}
            known = found in names or found in test_only
            assert known, f"{path.name} names unknown {found}"


def test_readme_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(name for name in _setting_names() if f"`{name}`" not in readme)
    assert not missing, f"README configuration table lacks {missing}"


DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_compose_has_the_production_services_each_with_a_health_check() -> None:
    services = _compose()["services"]
    assert set(services) >= {"app", "worker", "postgres", "chroma"}
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
    assert "--workers" in services["app"]["command"]
    assert services["worker"]["command"] == ["thidua", "worker"]
    assert services["app"]["environment"]["THIDUA_WEB_BACKGROUND"] == "false"


def test_compose_needs_no_recent_compose_features() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "required:" not in text, "env_file.required needs Compose 2.24"
    for service in _compose()["services"].values():
        for entry in service.get("env_file") or []:
            assert isinstance(entry, str)


_CREDENTIAL = re.compile(r"(?i)(password|secret|token|api_key|database_url)")


def test_every_credential_in_compose_comes_from_the_environment() -> None:
    for name, service in _compose()["services"].items():
        for key, value in dict(service.get("environment") or {}).items():
            if _CREDENTIAL.search(key) and value:
                assert "${" in str(value), f"{name}: {key} is hard-coded"
                assert not re.search(r"://\w+:\w+@", str(value)), f"{name}: {key} holds literal credentials"


def test_dockerfile_runs_unprivileged_with_exec_form_and_a_cached_dependency_layer() -> None:
    lines = [line.strip() for line in DOCKERFILE.splitlines() if line.strip() and not line.startswith("#")]
    entry = next(line for line in lines if line.startswith("ENTRYPOINT"))
    command = next(line for line in lines if line.startswith("CMD"))
    assert entry.split(maxsplit=1)[1].startswith("[") and command.split(maxsplit=1)[1].startswith("[")
    assert '"sh"' not in command and "sh -c" not in command
    user = next(line for line in lines if line.startswith("USER"))
    assert user.split()[1] not in {"root", "0"}
    lock_install = next(i for i, line in enumerate(lines) if "--require-hashes" in line)
    first_source = next(i for i, line in enumerate(lines) if line.startswith("COPY core"))
    assert lock_install < first_source, "dependencies are installed before the source is copied"
    script = (ROOT / "scripts" / "docker-entrypoint.sh").read_text(encoding="utf-8")
    assert 'exec "$@"' in script


def test_lock_files_pin_every_dependency_with_hashes() -> None:
    for name in ("requirements.lock", "requirements-dev.lock"):
        text = (ROOT / name).read_text(encoding="utf-8")
        pins = re.findall(r"^([A-Za-z0-9_.\-\[\]]+)==\S+ \\$", text, flags=re.MULTILINE)
        assert len(pins) > 50
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
        for block in blocks:
            if "==" in block.split("\n", 1)[0]:
                assert "--hash=sha256:" in block, f"{name}: {block.splitlines()[0]} has no hash"


def test_compose_config_passes_where_compose_v2_is_present(tmp_path: Path) -> None:
    import shutil
    import subprocess

    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:  # noqa: S603
        pytest.skip("docker compose v2 is not installed here")
    env = tmp_path / ".env"
    env.write_text("POSTGRES_PASSWORD=x\nTHIDUA_SECRET_KEY=y\n", encoding="utf-8")
    result = subprocess.run(  # noqa: S603
        [docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "--env-file", str(env), "config", "--quiet"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
