"""Sub-commands of the ``roadie`` command line.

Every module in this package that defines ``register(subparsers)`` is picked up by
``roadie.cli``: adding a command means adding a module, not editing a shared list.
A registered sub-parser sets ``func`` (called with the parsed namespace, returns the exit code).
"""
