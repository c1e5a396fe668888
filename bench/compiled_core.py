"""Build a copy of ``src/`` whose routing core is compiled by Cython, unchanged (the same .py
files, compiled as they are: no second router), for the benchmarks to measure what compiling
the one core buys. Nothing in roadie uses the copy; the package stays pure Python.

    python -m pip install "cython>=3,<4" setuptools   # in a scratch or benchmark venv
    python bench/compiled_core.py /tmp/roadie-compiled
    PYTHONPATH=/tmp/roadie-compiled python bench/bench_routing.py
    PYTHONPATH=/tmp/roadie-compiled python bench/bench_sim.py

Python loads an extension module before the .py beside it, so the copy's routing modules are
the compiled ones (``roadie.engine.routing.router.__file__`` ends in ``.so``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MODULES = ("records", "holding", "indexes", "matching", "router")  # the hot paths

SETUP = """
from setuptools import setup
from Cython.Build import cythonize
mods = [f"roadie/engine/routing/{{m}}.py" for m in {modules!r}]
setup(ext_modules=cythonize(mods, compiler_directives={{"language_level": 3}}, quiet=True))
"""


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(sys.argv[1]).resolve()
    src = Path(__file__).resolve().parent.parent / "src"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(src, out, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    with tempfile.TemporaryDirectory() as tmp:
        setup = Path(tmp) / "setup.py"
        setup.write_text(SETUP.format(modules=MODULES))
        subprocess.run([sys.executable, str(setup), "build_ext", "--inplace"], cwd=out, check=True,
                       stdout=subprocess.DEVNULL)
    built = sorted(p.name for p in (out / "roadie/engine/routing").glob("*.so"))
    print(f"compiled {len(built)} modules into {out}: {', '.join(built)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
