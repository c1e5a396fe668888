"""Build a copy of ``src/`` whose routing core is compiled by Cython: the same ``.py`` files
(with the ``.pxd`` declarations beside them), the modules and directives of the opt-in
compiled install (``roadie_build.COMPILED``, ``ROADIE_COMPILE=1 pip install .``). No second
router: the copy is this checkout's source, compiled. The benchmarks and
``tests/engine/test_routing_compiled.py`` run against it; developers' ``src/`` never holds a
compiled module (one would shadow its ``.py``).

    .venv/bin/pip install -e '.[compiled]'       # Cython (or any venv with "cython>=3.1,<4")
    .venv/bin/python bench/compiled_core.py /tmp/roadie-compiled
    PYTHONPATH=/tmp/roadie-compiled .venv/bin/python bench/bench_routing.py
    PYTHONPATH=/tmp/roadie-compiled .venv/bin/python bench/bench_sim.py

Python loads an extension module before the .py beside it, so the copy's compiled modules
are the ones imported (``roadie.engine.routing.router.__file__`` ends in ``.so``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # roadie_build.py, the build backend, lives at the top

from roadie_build import COMPILED  # noqa: E402

__all__ = ["COMPILED", "build"]

SETUP = """
import sys
sys.path.insert(0, {root!r})
from setuptools import setup
import roadie_build
setup(ext_modules=roadie_build.extensions(".", {build!r}), script_args=["build_ext", "--inplace", "--parallel", "2"])
"""


def build(out: Path, *, src: Path = ROOT / "src") -> list[Path]:
    """Copy ``src`` to ``out`` (replaced) and compile the modules of ``roadie_build.COMPILED``
    there, in place; returns the extension files built. Raises CalledProcessError if Cython
    or the C compiler fails (their output is in the exception's ``output``)."""
    out = Path(out).resolve()
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(src, out, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.c"))
    with tempfile.TemporaryDirectory() as tmp:
        setup = Path(tmp) / "setup.py"
        setup.write_text(SETUP.format(root=str(ROOT), build=str(Path(tmp) / "c")))
        subprocess.run([sys.executable, str(setup)], cwd=out, check=True, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return sorted(out.glob("roadie/**/*.so"))


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        built = build(Path(sys.argv[1]))
    except subprocess.CalledProcessError as exc:
        print(exc.output, file=sys.stderr)
        print("compiled_core: the build failed (is Cython installed? a C compiler?)", file=sys.stderr)
        return 1
    print(f"compiled {len(built)} modules into {sys.argv[1]}: {', '.join(p.name for p in built)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
