"""The pure engine: queueing math, forecast, planning, routing core, simulation, pay rules.

Nothing here imports Django, an HTTP library or a database driver (a test enforces it).
Inputs and results are frozen dataclasses or numpy arrays.
"""
