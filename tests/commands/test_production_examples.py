"""The shipped production examples are true: every systemd unit and compose service runs a real
``roadie`` command with real options, every environment variable they name is one roadie reads
(and docs/operations.md lists), every process of the demo has a unit and a service, and
``systemd-analyze verify`` accepts the units. (Docker is not run here: compose is checked by
reading it.)"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess

import pytest
from prod_units import (
    COMPOSE,
    ENV_FILE,
    INSTALLED,
    ROOT,
    SYSTEMD,
    compose,
    env_file,
    exec_start,
    read_unit,
    unit_files,
    variables_read,
)

from roadie.cli import build_parser


class _Refused(Exception):
    pass


def _parse(argv: list[str]) -> str:
    """Parse a roadie command line as ``roadie`` would; the command's name. A Django command
    (``migrate``) is parsed by Django's own parser for it."""
    parser = build_parser()
    own = parser._subparsers._group_actions[0].choices
    if argv[0] not in own:
        import django
        from django.core.management import get_commands, load_command_class

        django.setup()
        app = get_commands().get(argv[0])
        if app is None:
            raise _Refused(f"{argv[0]!r} is neither a roadie nor a Django command")
        command_parser = load_command_class(app, argv[0]).create_parser("roadie", argv[0])
        command_parser.exit = command_parser.error = lambda *a, **k: (_ for _ in ()).throw(_Refused(str(a)))
        command_parser.parse_args(argv[1:])
        return argv[0]

    def refuse(message):
        raise _Refused(message)

    for p in (parser, *own.values()):
        p.error = refuse
    parser.parse_args(argv)
    return argv[0]


def _services() -> list[tuple[str, dict]]:
    return [(name, s) for name, s in compose()["services"].items() if s.get("image", "").startswith("roadie")]


def test_the_parser_check_refuses_what_roadie_would_refuse():
    with pytest.raises(_Refused):
        _parse(["serve", "--prot", "8001"])
    with pytest.raises(_Refused):
        _parse(["dispatcher"])
    with pytest.raises(_Refused):
        _parse(["migrate", "--no-such-option"])
    assert _parse(["migrate", "--noinput"]) == "migrate"


@pytest.mark.parametrize("path", [p for p in unit_files() if p.suffix == ".service"], ids=lambda p: p.name)
def test_each_unit_runs_a_real_roadie_command_with_real_options(path):
    unit = read_unit(path)
    argv = exec_start(path, instance="8001")
    assert argv[0] == INSTALLED, f"{path.name}: ExecStart runs {argv[0]}"
    _parse(argv[1:])
    service = unit["Service"]
    assert service["EnvironmentFile"] == ENV_FILE
    assert service.get("User") == "roadie"
    for line in service.get("Environment", "").split():
        assert line.split("=", 1)[0] in variables_read(), f"{path.name}: {line}"


def test_the_environment_file_names_only_variables_roadie_reads_and_documents():
    read = variables_read()
    operations = (ROOT / "docs" / "operations.md").read_text()
    for name in env_file():
        assert name in read, f"roadie.env names {name}, which roadie never reads"
        assert f"`{name}`" in operations or f"`{name.rsplit('_', 1)[0]}_" in operations, \
            f"{name} is not in docs/operations.md"
    assert {"ROADIE_DATABASE_URL", "ROADIE_SECRET_KEY", "ROADIE_ENCRYPTION_KEYS", "ROADIE_HTTPS"} <= set(env_file())


def test_every_compose_service_runs_a_real_roadie_command_with_real_options():
    read = variables_read()
    services = dict(compose()["services"])
    for name, service in _services():
        argv = shlex.split(service["command"])
        assert argv[0] == "roadie", f"{name}: {argv[0]}"
        _parse(argv[1:])
        assert (COMPOSE.parent / service["env_file"]).resolve() == (SYSTEMD / "roadie.env").resolve()
        for key in service.get("environment", {}):
            assert key in read, f"{name}: {key} is not read by roadie"
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on {needed}, which is not a service"
        for port in service.get("ports", []):
            inside = port.rsplit(":", 1)[1]
            assert argv[argv.index("--port") + 1] == inside, f"{name}: publishes {inside}, listens elsewhere"
    migrate = services["migrate"]
    assert migrate["restart"] == "no" and shlex.split(migrate["command"])[1] == "migrate"
    assert all(s["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
               for n, s in _services() if n != "migrate")


def test_every_process_of_the_demo_has_a_unit_and_a_compose_service():
    from roadie.commands.desk import demo_processes

    wanted = {argv[0] for argv in demo_processes(8000)}
    units = {exec_start(p)[1] for p in unit_files() if p.suffix == ".service"}
    services = {shlex.split(s["command"])[1] for _, s in _services()}
    assert wanted <= units, f"no unit for {wanted - units}"
    assert wanted <= services, f"no compose service for {wanted - services}"
    assert sum(shlex.split(s["command"])[1] == "dispatch" for _, s in _services()) >= 2
    assert sum(shlex.split(s["command"])[1] == "serve" for _, s in _services()) >= 2
    assert (SYSTEMD / "roadie-dispatch@.service").exists() and (SYSTEMD / "roadie-web@.service").exists()


def test_systemd_analyze_verify_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    roadie = shutil.which("roadie") or str(ROOT / ".venv" / "bin" / "roadie")
    names = []
    for path in unit_files():
        # The installed path of the units is replaced by this checkout's (verify checks that the
        # command exists); templates are verified as one instance.
        name = path.name.replace("@.", "@1.")
        (tmp_path / name).write_text(path.read_text().replace(INSTALLED, roadie))
        names.append(str(tmp_path / name))
    out = subprocess.run([analyze, "verify", *names], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0 and not out.stderr.strip(), out.stderr


def test_a_broken_unit_is_caught_by_the_checks(tmp_path):
    """The checks above can fail: a misspelt option and an unknown command are refused."""
    broken = tmp_path / "roadie-broken.service"
    broken.write_text((SYSTEMD / "roadie-worker.service").read_text().replace("roadie worker", "roadie worker --every 5"))
    with pytest.raises(_Refused):
        _parse(exec_start(broken)[1:])
    with pytest.raises((_Refused, argparse.ArgumentError)):
        _parse(["workers"])
