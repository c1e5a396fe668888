"""roadie: the back office of a customer-service operation run by a crowd of home-based agents.

Three layers, imports in one direction only:
``roadie.connectors`` -> ``roadie.desk`` (Django) -> ``roadie.engine`` (pure Python + numpy).
"""

__version__ = "0.1.0"
