"""The deployment files are consistent with each other and with the addons."""

import ast
import configparser
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ["tc_care", "tc_network", "tc_fieldops", "tc_orders", "tc_integrations"]


def _manifest(addon):
    return ast.literal_eval((ROOT / "addons" / addon / "__manifest__.py").read_text())


def test_compose_parses_and_has_the_services():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "odoo", "init", "test"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["odoo"]["build"]["dockerfile"] == "docker/Dockerfile"
    install = ",".join(services["test"]["entrypoint"])
    for addon in ADDONS:
        assert addon in install
    dockerfile = (ROOT / "docker/Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM odoo:18.0" in dockerfile
    assert "--no-deps -r /tmp/tc/requirements-oca.txt" in dockerfile


@pytest.mark.skipif(not shutil.which("docker"), reason="docker client not installed")
def test_compose_config_validates_with_docker_client():
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip("docker client has no compose plugin; parsed by the test above")
    proc = subprocess.run(
        ["docker", "compose", "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_odoo_conf_has_safe_empty_tc_settings():
    for path in (ROOT / "odoo.conf", ROOT / "docker/odoo.conf"):
        cfg = configparser.ConfigParser(inline_comment_prefixes=(";",))
        cfg.read(path)
        opts = cfg["options"]
        for key in (
            "tc_api_base_url",
            "tc_api_token",
            "tc_webhook_secret",
            "tc_tenant_id",
            "tc_public_base_url",
        ):
            assert opts[key] == "", (path, key)
        assert "queue_job" in opts["server_wide_modules"].split(",")
        assert "root.tc_events" in cfg["queue_job"]["channels"]


def test_dependency_direction():
    """tc_care <- tc_network <- tc_fieldops; tc_care <- tc_orders; integrations on top."""
    deps = {a: set(_manifest(a)["depends"]) for a in ADDONS}
    assert not deps["tc_care"] & set(ADDONS)
    assert deps["tc_network"] & set(ADDONS) == {"tc_care"}
    assert deps["tc_fieldops"] & set(ADDONS) == {"tc_network"}
    assert deps["tc_orders"] & set(ADDONS) == {"tc_care"}
    assert deps["tc_integrations"] >= set(ADDONS) - {"tc_integrations"} | {"queue_job"}
    for addon in ADDONS:
        manifest = _manifest(addon)
        assert manifest["version"].startswith("18.0.")
        assert manifest["license"] == "LGPL-3"


def test_oca_requirements_match_manifest_dependencies():
    """Every OCA addon a manifest depends on is installed by requirements-oca.txt."""
    reqs = {
        line.split("==")[0].removeprefix("odoo-addon-").replace("-", "_")
        for line in (ROOT / "requirements-oca.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    odoo_src = ROOT  # core modules are not listed; OCA ones are
    core_like = {"mail", "resource", "contacts", "portal", "project", "base", "web"}
    core_like |= {"hr_skills", "project_hr_skills", "hr", "base_setup"}
    for addon in ADDONS:
        for dep in _manifest(addon)["depends"]:
            if dep in ADDONS or dep in core_like:
                continue
            assert dep in reqs, f"{addon} depends on {dep}, missing in requirements-oca"
    assert odoo_src.exists()
