"""Scale a raw saliency map for display (the UI colours it)."""

from __future__ import annotations

import numpy as np


def normalize_heatmap(values: np.ndarray, *, signed: bool, percentile: float = 99.0) -> np.ndarray:
    """`values` scaled for display: to [-1, 1] keeping the sign, or their magnitude to [0, 1].

    The scale is the `percentile` of the magnitudes (the few larger values saturate), falling back
    to the maximum when that is 0; an all-zero map stays zero.
    """
    array = np.asarray(values, dtype=np.float32)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"values must be a non-empty 2-D map, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("values must be finite, got NaN or infinity")
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {percentile!r}")
    magnitude = np.abs(array)
    scale = np.percentile(magnitude, percentile) or magnitude.max()
    if scale == 0:
        return np.zeros_like(array)
    return np.clip((array if signed else magnitude) / scale, -1.0, 1.0).astype(np.float32)
