"""Reading the shipped production examples (``examples/systemd/*``, ``examples/compose.yaml``)
for the tests: unit files, their command lines, the environment file, and the environment
variables roadie's code reads."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SYSTEMD = ROOT / "examples" / "systemd"
COMPOSE = ROOT / "examples" / "compose.yaml"
INSTALLED = "/opt/roadie/.venv/bin/roadie"   # where the units expect the virtual environment
ENV_FILE = "/etc/roadie/roadie.env"          # where the units expect the environment file

# An environment variable read by roadie: os.environ.get("ROADIE_X"), os.getenv, os.environ[...]
# or the email settings' conf.get("ROADIE_X").
_READ = re.compile(r"""(?:environ\.get|getenv|environ\[|conf\.get)\(?\s*["']((?:ROADIE|DJANGO)_[A-Z0-9_]+)["']""")


def unit_files() -> list[Path]:
    return sorted([*SYSTEMD.glob("*.service"), *SYSTEMD.glob("*.timer")])


def read_unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",))
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read(path)
    return unit


def exec_start(path: Path, *, instance: str = "1") -> list[str]:
    """The unit's ExecStart as argv, ``%i`` replaced by the instance name."""
    return shlex.split(read_unit(path)["Service"]["ExecStart"].replace("%i", instance))


def env_file() -> dict[str, str]:
    """The variables of examples/systemd/roadie.env (commented-out examples included, with
    ``#`` removed, so that they are checked too)."""
    found = {}
    for line in (SYSTEMD / "roadie.env").read_text().splitlines():
        line = line.strip().lstrip("#")
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            key, _, value = line.partition("=")
            found[key] = value
    return found


def env_file_set() -> dict[str, str]:
    """Only the variables the environment file sets (not the commented-out examples)."""
    return {k: v for k, v in (line.split("=", 1) for line in (SYSTEMD / "roadie.env").read_text().splitlines()
                              if re.match(r"^[A-Z][A-Z0-9_]*=", line))}


def variables_read() -> set[str]:
    """Every ROADIE_* (and DJANGO_*) environment variable roadie's code reads."""
    names = set()
    for source in (ROOT / "src" / "roadie").rglob("*.py"):
        names.update(_READ.findall(source.read_text()))
    from roadie.connectors.email.conf import DEFAULTS

    return names | set(DEFAULTS)


def compose() -> dict:
    import yaml

    return yaml.safe_load(COMPOSE.read_text())
