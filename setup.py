"""Everything is in pyproject.toml; this file only adds the opt-in compiled routing core
(``ROADIE_COMPILE=1``, see roadie_build.py and docs/routing.md), with a pure-Python fallback."""

import sys

import roadie_build
from setuptools import setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """Compile what can be compiled; any failure leaves the pure-Python module in place. Never
    in an editable install: a compiled module beside its source would shadow it (edits to the
    ``.py`` would stop taking effect until rebuilt)."""

    def run(self):
        if getattr(self, "editable_mode", False) or self.inplace:
            print("roadie: editable install, the routing core stays pure Python", file=sys.stderr)
            return
        try:
            super().run()
        except Exception as exc:  # no compiler, no Python headers: fall back
            print(f"roadie: compiled core not built ({exc}); pure Python", file=sys.stderr)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as exc:
            print(f"roadie: {ext.name} not compiled ({exc}); pure Python", file=sys.stderr)


def ext_modules():
    if not roadie_build.wanted():
        return []
    try:
        return roadie_build.extensions()
    except ImportError:
        print(f"roadie: ROADIE_COMPILE is set but Cython is missing ({roadie_build.CYTHON});"
              " pure Python", file=sys.stderr)
        return []


if __name__ == "__main__":
    setup(ext_modules=ext_modules(), cmdclass={"build_ext": OptionalBuildExt})
