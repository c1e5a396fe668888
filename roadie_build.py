"""roadie's build backend: setuptools', plus an opt-in compiled routing core.

``ROADIE_COMPILE=1 pip install .`` (a wheel, never an editable install) compiles the modules
of :data:`COMPILED` with Cython, from the same ``.py`` files (the ``.pxd`` beside some of them
declare typed records); without that variable, or without Cython or a C compiler, the install
is the usual pure-Python one. The backend asks for Cython in the build environment only when
the variable is set. ``bench/compiled_core.py`` and ``tests/engine/test_routing_compiled.py``
build a compiled copy of ``src/`` with the same list and directives.
"""

from __future__ import annotations

import os

from setuptools import build_meta as _meta
from setuptools.build_meta import *  # noqa: F403 - the rest of the backend is setuptools'

#: Cython for the compiled build (also the ``compiled`` extra of pyproject.toml).
CYTHON = "cython>=3.1,<4"

#: The modules compiled, as paths under ``src/`` without ``.py``: the routing core's hot paths
#: and the simulator's event loop around it.
COMPILED = (
    "roadie/engine/routing/records",
    "roadie/engine/routing/holding",
    "roadie/engine/routing/indexes",
    "roadie/engine/routing/matching",
    "roadie/engine/routing/router",
    "roadie/engine/sim/engine",  # compiled as it is (no .pxd): the loop calls the core
)

#: Compiler directives: Python semantics kept (no wrap-around, no unchecked indexing, safe
#: type inference), so the compiled core decides exactly as the pure-Python one. Types come
#: from the ``.pxd`` files alone: the annotations of the ``.py`` stay documentation (a
#: ``float`` annotation would otherwise turn an int ``now`` into a C double).
DIRECTIVES = {"language_level": 3, "annotation_typing": False}


def wanted() -> bool:
    return os.environ.get("ROADIE_COMPILE", "") not in ("", "0")


def get_requires_for_build_wheel(config_settings=None):
    reqs = _meta.get_requires_for_build_wheel(config_settings)
    return [*reqs, CYTHON] if wanted() else reqs


def extensions(src: str = "src", build_dir: str = "build/cython") -> list:
    """The Cython extensions of :data:`COMPILED` under ``src``, their C files written under
    ``build_dir`` (never beside the sources). Raises ImportError without Cython."""
    from Cython.Build import cythonize
    from setuptools import Extension

    exts = [Extension(m.replace("/", "."), [f"{src}/{m}.py"]) for m in COMPILED]
    return cythonize(exts, compiler_directives=DIRECTIVES, build_dir=build_dir, quiet=True)
