"""A small scorecard shared by the quality tests."""

CARD = {"sections": [
    {"key": "open", "label": "Opening", "criteria": [
        {"key": "greet", "label": "Greets the customer", "scale": "binary"},
        {"key": "name", "label": "Uses the customer's name", "scale": "binary", "na_allowed": True}]},
    {"key": "solve", "label": "Solving", "weight": 3, "criteria": [
        {"key": "answer", "label": "Right answer", "scale": "5", "weight": 2},
        {"key": "policy", "label": "Follows the brand's policy", "scale": "binary", "critical": "review"}]},
]}
PERFECT = {"greet": 1, "name": 1, "answer": 5, "policy": 1}
