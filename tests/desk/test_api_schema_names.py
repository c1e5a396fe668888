"""The OpenAPI document names each schema by its class name: two schema classes of the same
name (a `MacroOut` in two routers) are merged into one component, so clients of the API read
the wrong fields for one of the operations. Every schema class of the API has its own name."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_schema_class_of_the_api_has_its_own_name():
    from roadie.desk.api.main import api

    api.get_openapi_schema()  # every router imported and every schema built
    names = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("roadie."):
            names[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    assert {name: places for name, places in names.items() if len(places) > 1} == {}
