"""Quality, the pure parts: scorecard scoring, sampling draws and sample sizes, agreement
between reviewers (Krippendorff's alpha) and the quality index formula."""

from roadie.engine.quality.index import (
    INDEX_PARAMETERS,
    Component,
    IndexParameters,
    QualityIndex,
    QualityInputs,
    compute_index,
)

__all__ = [
    "INDEX_PARAMETERS", "Component", "IndexParameters", "QualityIndex", "QualityInputs",
    "compute_index",
]
