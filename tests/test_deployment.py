"""The Compose deployment holds together: Compose accepts it, every service it runs has a health
check, only the proxy is published, secrets arrive as files, the image runs unprivileged, and the
Beacon settings it sets are ones Beacon accepts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import PROJECT_ROOT, SECRET_SETTINGS, load_settings
from bot.testing.keys import TEST_USER_KEY_SECRET

COMPOSE = PROJECT_ROOT / "compose.yaml"
CADDYFILE = PROJECT_ROOT / "deploy" / "Caddyfile"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
HOST = "beacon.example.org"
INTERPOLATION = {"BEACON_HOST": HOST, "BOT_USERNAME": "beacon_city_bot"}
SECRET_VALUES = {
    "bot_token": "123456789:AAHfakefakefakefakefakefakefakefake1",
    "user_key_secret": TEST_USER_KEY_SECRET,
    "webhook_secret": "compose-test-webhook-secret",
    "database_url": "postgresql+asyncpg://beacon:pw@postgres:5432/beacon",
    "postgres_password": "pw",
}


def interpolated(text: str) -> str:
    """Replace `${NAME}`, `${NAME:-default}` and `${NAME:?message}` as Compose would."""

    def one(match: re.Match[str]) -> str:
        name, operator, rest = match.group(1), match.group(2), match.group(3)
        if name in INTERPOLATION:
            return INTERPOLATION[name]
        assert operator == ":-", f"${{{name}}} has no default and the test gives no value"
        return rest

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", one, text)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The Compose file, interpolated with the test's .env values."""
    loaded: dict[str, Any] = yaml.safe_load(interpolated(COMPOSE.read_text(encoding="utf-8")))
    return loaded


def test_compose_accepts_the_file(tmp_path: Path) -> None:
    """`docker compose config` (or docker-compose's) finds the file valid; CI always has one."""
    command = next(
        (c for c in (["docker", "compose"], ["docker-compose"]) if compose_runs(c)), None
    )
    if command is None:
        if os.environ.get("CI"):
            pytest.fail("neither `docker compose` nor `docker-compose` is installed")
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    environment = {**os.environ, **INTERPOLATION}
    checked = subprocess.run(
        [*command, "-f", str(COMPOSE), "config", "-q"],
        env=environment, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr


def compose_runs(command: list[str]) -> bool:
    """Say whether a Compose command is installed and answers `version`."""
    if shutil.which(command[0]) is None:
        return False
    answer = subprocess.run([*command, "version"], capture_output=True, timeout=60, check=False)
    return answer.returncode == 0


def test_every_long_running_service_has_a_health_check(compose: dict[str, Any]) -> None:
    """Each service but the one-shot migration says how to tell it is healthy."""
    services = compose["services"]
    assert {"beacon", "postgres", "redis", "proxy", "migrate"} <= set(services)
    missing = [n for n, s in services.items() if n != "migrate" and "healthcheck" not in s]
    assert missing == []


def test_only_the_proxy_is_reachable_from_outside(compose: dict[str, Any]) -> None:
    """Only the proxy publishes ports (80 and 443); Beacon's ports, the database and Redis stay
    on the inside network."""
    published = {name for name, s in compose["services"].items() if s.get("ports")}
    assert published == {"proxy"}
    assert compose["services"]["proxy"]["ports"] == ["80:80", "443:443"]


def test_beacon_waits_for_the_migration_and_runs_two_workers(compose: dict[str, Any]) -> None:
    """The schema is upgraded once, before the workers start; the workers share Redis."""
    beacon = compose["services"]["beacon"]
    assert beacon["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert compose["services"]["migrate"]["command"] == ["python", "-m", "bot", "db", "upgrade"]
    assert beacon["command"][-2:] == ["--workers", "2"]
    assert beacon["environment"]["REDIS_URL"].startswith("redis://redis:")


def test_secrets_are_files_never_values(compose: dict[str, Any]) -> None:
    """No secret setting has a value in the file: each comes from a mounted secret file."""
    for name in ("beacon", "migrate"):
        environment = compose["services"][name]["environment"]
        for field in SECRET_SETTINGS:
            assert field.upper() not in environment or field == "redis_url"
        files = {k: v for k, v in environment.items() if k.endswith("_FILE")}
        mounted = set(compose["services"][name]["secrets"])
        assert {Path(v).name for v in files.values()} == mounted
        assert {k.removesuffix("_FILE").lower() for k in files} <= set(SECRET_SETTINGS)


def test_beacon_accepts_the_settings_compose_gives_it(
    compose: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The beacon service's environment, with its secret files, loads as valid settings."""
    environment: dict[str, str] = compose["services"]["beacon"]["environment"]
    for key in list(os.environ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    for key, given in environment.items():
        value = str(given)
        if key.endswith("_FILE"):
            secret = tmp_path / Path(value).name
            secret.write_text(SECRET_VALUES[secret.name] + "\n", encoding="utf-8")
            value = str(secret)
        elif key == "PROMETHEUS_MULTIPROC_DIR":  # a tmpfs mount in the container
            assert value in compose["services"]["beacon"]["tmpfs"]
            value = str(tmp_path)
        monkeypatch.setenv(key, value)
    settings = load_settings()
    assert settings.public_url == f"https://{HOST}"
    assert settings.webhook_url == f"https://{HOST}/telegram"
    assert settings.database_url == SECRET_VALUES["database_url"]
    assert settings.user_key_secret is not None
    assert settings.user_key_secret.get_secret_value() == TEST_USER_KEY_SECRET


def test_the_proxy_reaches_beacons_ports_and_is_the_trusted_one(compose: dict[str, Any]) -> None:
    """Caddy sends the webhook path to WEBHOOK_PORT and the rest to WEB_PORT, and its fixed
    address is the only proxy whose X-Forwarded-For Beacon believes."""
    environment = compose["services"]["beacon"]["environment"]
    caddy = CADDYFILE.read_text(encoding="utf-8")
    assert f"reverse_proxy beacon:{environment['WEBHOOK_PORT']}" in caddy
    assert f"reverse_proxy beacon:{environment['WEB_PORT']}" in caddy
    assert "handle /telegram*" in caddy and environment["WEBHOOK_URL"].endswith("/telegram")
    proxy_address = compose["services"]["proxy"]["networks"]["inside"]["ipv4_address"]
    assert environment["WEB_TRUSTED_PROXIES"] == proxy_address
    assert f":{environment['OPS_PORT']}/readyz" in " ".join(
        compose["services"]["beacon"]["healthcheck"]["test"]
    )


def test_the_image_runs_unprivileged() -> None:
    """The Dockerfile switches to a non-root user before it runs Beacon."""
    lines = DOCKERFILE.read_text(encoding="utf-8").splitlines()
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
