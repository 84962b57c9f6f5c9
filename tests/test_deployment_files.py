"""The deployment files are consistent with each other and with the addons."""

import ast
import configparser
import importlib.util
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ["tc_care", "tc_network", "tc_fieldops", "tc_orders", "tc_integrations"]


def _manifest(addon):
    return ast.literal_eval((ROOT / "addons" / addon / "__manifest__.py").read_text())


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _conf(path):
    cfg = configparser.ConfigParser(inline_comment_prefixes=(";",))
    cfg.read(path)
    return cfg


def _args(service):
    """A compose service's command as one list of strings."""
    command = service.get("command") or []
    return command.split() if isinstance(command, str) else list(command)


def test_compose_parses_and_has_the_services():
    services = _compose()["services"]
    assert {"db", "web", "jobs", "proxy", "init", "test"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["web"]["build"]["dockerfile"] == "docker/Dockerfile"
    assert services["proxy"]["image"].startswith("nginx:")
    install = ",".join(services["test"]["entrypoint"])
    for addon in ADDONS:
        assert addon in install
    dockerfile = (ROOT / "docker/Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM odoo:18.0" in dockerfile
    assert "--no-deps -r /tmp/tc/requirements-oca.txt" in dockerfile
    assert "scripts/attachment_storage.py" in dockerfile


def test_web_service_scales():
    """`docker compose up --scale web=3`: no fixed host port, no container name, no
    node-local volume that would hold sessions or a filestore; health on
    /web/health."""
    web = _compose()["services"]["web"]
    assert "ports" not in web and "container_name" not in web
    for volume in web.get("volumes", []):
        assert volume.startswith("attachments:"), volume  # the shared storage only
    assert "/web/health" in " ".join(web["healthcheck"]["test"])
    assert "8072" in [str(p) for p in web["expose"]]  # websocket, for the proxy
    # tc_integrations (server-wide) imports queue_job, whose jobrunner module makes
    # any prefork server spawn a runner: a web node turns it off explicitly
    assert web["environment"]["ODOO_QUEUE_JOB_CHANNELS"] == "root:0"


def test_one_job_runner_and_crons_only_on_jobs():
    """Web nodes: max_cron_threads = 0 and no queue_job among the server-wide
    modules (its runner starts only where it is loaded); the jobs service loads it
    and runs the crons; sessions are in PostgreSQL everywhere."""
    services = _compose()["services"]
    opts = _conf(ROOT / "docker/odoo.conf")["options"]
    assert opts["max_cron_threads"] == "0"
    assert opts["proxy_mode"] == "True"
    web_modules = opts["server_wide_modules"].split(",")
    assert "queue_job" not in web_modules and "session_db" in web_modules
    web = _args(services["web"])
    assert not [a for a in web if a.startswith(("--load", "--max-cron-threads"))], web
    jobs = _args(services["jobs"])
    load = [a.split("=", 1)[1].split(",") for a in jobs if a.startswith("--load=")]
    assert load and "queue_job" in load[0] and "session_db" in load[0], jobs
    crons = [int(a.split("=")[1]) for a in jobs if a.startswith("--max-cron-threads=")]
    assert crons and crons[0] > 0, jobs
    assert "replicas" not in (services["jobs"].get("deploy") or {})
    for name in ("web", "jobs"):
        assert "SESSION_DB_URI" in services[name]["environment"], name
    # the runner's channels fit the jobs node's workers
    workers = [int(a.split("=")[1]) for a in jobs if a.startswith("--workers=")][0]
    channels = _conf(ROOT / "docker/odoo.conf")["queue_job"]["channels"]
    capacity = dict(c.split(":") for c in channels.split(","))
    assert 0 < int(capacity["root"]) < workers
    assert {"root.tc_events", "root.tc_commands", "root.tc_import"} <= set(capacity)


def test_web_and_jobs_serve_the_one_database_without_listing():
    """A request without a session (webhook, partner API) is served on the database
    Odoo finds alone: with two databases on the server (the suite's and
    session_db's) a listing finds two and serves neither (404), so web and jobs name
    it (``--database``) and no ``dbfilter`` makes Odoo list them again."""
    services = _compose()["services"]
    for name in ("web", "jobs"):
        args = _args(services[name])
        assert "--database=${TC_DB:-tcops}" in args, (name, args)
        assert not [a for a in args if a.startswith("--db-filter")], (name, args)
    opts = _conf(ROOT / "docker/odoo.conf")["options"]
    assert not opts.get("dbfilter") and not opts.get("db_name"), opts
    assert services["init"]["environment"]["TC_DB"] == "${TC_DB:-tcops}"


def _constant(path, name):
    """The value of a module-level constant such as ``MAX_BODY = 256 * 1024``."""
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == [name]:
            return eval(compile(ast.Expression(node.value), str(path), "eval"))  # noqa: S307
    raise AssertionError(f"{name} not in {path}")


def _nginx_size(text):
    number, unit = re.fullmatch(r"(\d+)([kKmM]?)", text).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit.lower()]


def _locations(conf):
    """{location path: its body} of an nginx file without nested blocks."""
    return dict(re.findall(r"location\s+(\S+)\s*\{([^}]*)\}", conf))


def test_proxy_routes_limits_and_headers():
    services = _compose()["services"]
    proxy = services["proxy"]
    assert proxy["ports"], "the proxy is the one published port"
    mounts = " ".join(proxy["volumes"])
    assert "docker/nginx/default.conf" in mounts
    assert "docker/nginx/tcops-locations.conf" in mounts
    default = (ROOT / "docker/nginx/default.conf").read_text()
    # replicas found through Docker's DNS by the service name, with passive checks
    assert "resolver 127.0.0.11" in default
    assert re.search(r"server web:8069 resolve max_fails=\d+ fail_timeout=", default)
    assert re.search(r"server web:8072 resolve max_fails=\d+ fail_timeout=", default)
    assert "tcops/locations.conf" in default
    conf = (ROOT / "docker/nginx/tcops-locations.conf").read_text()
    locations = _locations(conf)
    assert "proxy_pass http://tc_websocket" in locations["/websocket"]
    assert "Upgrade $http_upgrade" in locations["/websocket"]
    webhook_limit = _constant(
        ROOT / "addons/tc_integrations/controllers/webhook.py", "MAX_BODY"
    )
    partner_limit = _constant(
        ROOT / "addons/tc_integrations/controllers/partner_api.py", "MAX_BODY"
    )
    sizes = {
        path: _nginx_size(re.search(r"client_max_body_size (\w+);", body).group(1))
        for path, body in locations.items()
        if "client_max_body_size" in body
    }
    assert sizes == {"/tc/webhooks/": webhook_limit, "/tc/partner/": partner_limit}
    for header in ("X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"):
        assert f"proxy_set_header {header} " in conf, header
        # a location that sets headers inherits none: it must set these again
        for path, body in locations.items():
            if "proxy_set_header" in body:
                assert f"proxy_set_header {header} " in body, (path, header)
    # only idempotent requests go to another node
    retry = re.search(r"proxy_next_upstream ([^;]*);", conf).group(1)
    assert "non_idempotent" not in retry


def test_live_cluster_nginx_config_is_valid():
    """The config tests/live/cluster.py generates around the shared locations file
    passes `nginx -t` (Debian's nginx, installed by scripts/setup)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx not installed (scripts/setup installs it)")
    spec = importlib.util.spec_from_file_location(
        "tc_cluster_static", ROOT / "tests/live/cluster.py"
    )
    cluster = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cluster)
    with tempfile.TemporaryDirectory() as tmp:
        proxy = cluster.Cluster("tc_static", tmp).nginx
        proxy.dir.mkdir(parents=True)
        proxy.conf.write_text(proxy.render())
        check = subprocess.run(
            [nginx, "-t", "-p", str(proxy.dir), "-c", str(proxy.conf)],
            capture_output=True,
            text=True,
            check=False,
        )
        proxy.stop()  # removes its temp folder
    assert check.returncode == 0, check.stderr


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
        cfg = _conf(path)
        opts = cfg["options"]
        for key in (
            "tc_api_base_url",
            "tc_api_token",
            "tc_webhook_secret",
            "tc_tenant_id",
            "tc_public_base_url",
        ):
            assert opts[key] == "", (path, key)
        assert "root.tc_events" in cfg["queue_job"]["channels"]
    # one process does everything in development: the runner is loaded there
    dev = _conf(ROOT / "odoo.conf")["options"]
    assert "queue_job" in dev["server_wide_modules"].split(",")


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


def _tc_closure(addon):
    """``addon`` and every TC addon it depends on, directly or not."""
    seen, todo = set(), [addon]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += [d for d in _manifest(name)["depends"] if d in ADDONS]
    return seen


def _imports(path):
    """The absolute module names a Python file imports, and its relative imports as
    (level, module) pairs."""
    tree = ast.parse(path.read_text(), str(path))
    absolute, relative = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            absolute |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                relative.add((node.level, node.module or ""))
            else:
                absolute.add(node.module)
                absolute |= {f"{node.module}.{a.name}" for a in node.names}
    return absolute, relative


def test_python_imports_follow_the_manifest_dependencies():
    """An addon's Python code imports another TC addon only if its manifest depends
    on it (directly or through another TC addon), and never reaches out of its own
    folder with a relative import: the manifests and the code tell one story."""
    for addon in ADDONS:
        allowed = _tc_closure(addon)
        for path in sorted((ROOT / "addons" / addon).rglob("*.py")):
            absolute, relative = _imports(path)
            for module in absolute:
                parts = module.split(".")
                if parts[:2] == ["odoo", "addons"] and len(parts) > 2:
                    if parts[2] in ADDONS:
                        assert parts[2] in allowed, (
                            f"{path.relative_to(ROOT)} imports {module}, but "
                            f"{addon} does not depend on {parts[2]}"
                        )
            depth = len(path.relative_to(ROOT / "addons" / addon).parts) - 1
            for level, module in relative:
                assert level <= depth + 1, (
                    f"{path.relative_to(ROOT)}: relative import {'.' * level}{module} "
                    f"leaves {addon}"
                )


def test_pure_code_does_not_import_odoo():
    """lib/ (pure code) and testing/ (test peers, generated data) import no Odoo:
    the tests without Odoo and the benchmarks load them on a machine without it."""
    folders = [p for a in ADDONS for p in (ROOT / "addons" / a).glob("*")]
    folders = [p for p in folders if p.is_dir() and p.name in ("lib", "testing")]
    assert folders
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            absolute, relative = _imports(path)
            odoo = {m for m in absolute if m == "odoo" or m.startswith("odoo.")}
            assert not odoo, f"{path.relative_to(ROOT)} imports {sorted(odoo)}"
            for level, module in relative:
                # relative imports stay inside lib/ or testing/, or go to lib/
                assert level == 1 or module.startswith("lib"), (
                    f"{path.relative_to(ROOT)}: {'.' * level}{module}"
                )


def test_no_other_helper_folders():
    """One name per kind of code: models, controllers, wizards, lib (pure), services
    (Odoo-aware helpers that are not models), testing (peers), tests, cli."""
    allowed = {
        "models", "controllers", "wizards", "lib", "services", "testing", "tests",
        "cli", "data", "demo", "i18n", "migrations", "readme", "security", "static",
        "views", "__pycache__",
    }  # fmt: skip
    for addon in ADDONS:
        for path in (ROOT / "addons" / addon).iterdir():
            if path.is_dir():
                assert path.name in allowed, f"{addon}/{path.name}"


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


def _requirement_lines(name):
    from packaging.requirements import Requirement  # noqa: PLC0415 - pytest's own dep

    out = []
    for line in (ROOT / name).read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            out.append(Requirement(line))
    return out


def test_every_requirement_has_an_exact_pin_in_the_lock():
    """constraints.txt (scripts/lock-pins) pins every line of the requirements files
    to one version that the line allows; scripts/setup and the Dockerfile use it."""
    from packaging.utils import canonicalize_name  # noqa: PLC0415

    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep and version and not set(version) & set("*<>=,; "), (
            f"constraints.txt: {line!r} is not an exact pin"
        )
        pins[canonicalize_name(name)] = version
    for source in ("requirements-oca.txt", "requirements.txt", "requirements-dev.txt"):
        for req in _requirement_lines(source):
            version = pins.get(canonicalize_name(req.name))
            assert version, f"{source}: {req.name} has no pin in constraints.txt"
            assert req.specifier.contains(version, prereleases=True), (
                f"{source}: {req} does not allow the locked {version}"
            )
    setup = (ROOT / "scripts/setup").read_text()
    assert '-c "$here/constraints.txt"' in setup
    dockerfile = (ROOT / "docker/Dockerfile").read_text()
    assert "constraints.txt /tmp/tc/" in dockerfile
    assert dockerfile.count("-c /tmp/tc/constraints.txt") == 3


def test_sentry_and_log_set_up_are_server_wide():
    """tc_integrations' post_load runs before OCA sentry starts (docker/odoo.conf):
    it applies SENTRY_DSN / SENTRY_ENVIRONMENT and the scrubbing before_send."""
    for path in (ROOT / "odoo.conf", ROOT / "docker/odoo.conf"):
        cfg = configparser.ConfigParser(inline_comment_prefixes=(";",))
        cfg.read(path)
        modules = [m.strip() for m in cfg["options"]["server_wide_modules"].split(",")]
        assert modules.index("tc_integrations") < modules.index("sentry"), path
        # the development server runs its job runner; a web node never does (the
        # jobs service loads queue_job: docker-compose.yml)
        assert ("queue_job" in modules) == (path.parent == ROOT), path
        assert not cfg["options"].get("sentry_dsn"), f"{path}: a DSN in the file"


def test_many_node_requirements():
    oca = (ROOT / "requirements-oca.txt").read_text()
    for addon in ("session_db", "fs_storage", "fs_attachment"):
        assert f"odoo-addon-{addon}==18.0.*" in oca, addon
    assert "fsspec" in (ROOT / "requirements.txt").read_text()
    assert "nginx" in (ROOT / "scripts/setup").read_text()
