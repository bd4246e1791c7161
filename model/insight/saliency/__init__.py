"""Saliency: which pixels of an image a model's answer rests on (methods as entries, one compiled
explainer per model)."""

from model.insight.saliency.explainer import Explainer, last_conv_layer
from model.insight.saliency.heatmap import normalize_heatmap
from model.insight.saliency.method import Method, Setting
from model.insight.saliency.methods import METHODS, check_method, check_settings

__all__ = [
    "METHODS",
    "Explainer",
    "Method",
    "Setting",
    "check_method",
    "check_settings",
    "last_conv_layer",
    "normalize_heatmap",
]
