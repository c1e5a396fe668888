"""Pay rules, their pure evaluator and exact money (roadie.engine never imports Django)."""
