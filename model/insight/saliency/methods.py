"""The saliency methods, one entry each: a compute function next to its `Method` (label, sign,
settings).

Every method explains the target class's logit, the pre-softmax score of the model's `logits`
layer (occlusion can use the probability instead). A new method is one function and one entry
in `METHODS`; the pages build their choices and sliders from the entry.
"""

from __future__ import annotations

import numpy as np

from model import config
from model.insight.saliency.method import Method, Setting, Settings

SIZE = config.IMAGE_SIZE
BACKGROUND = (
    0.0  # MNIST's background pixel value: the Integrated Gradients baseline and the occlusion fill
)


def vanilla(explainer, pixels: np.ndarray, target: int) -> np.ndarray:
    """|d logit / d pixel| at the image."""
    return np.abs(explainer.gradients(pixels, target)[0, ..., 0])


def smoothgrad(
    explainer, pixels: np.ndarray, target: int, noise: float, samples: int, seed: int
) -> np.ndarray:
    """The magnitude of the gradient averaged over `samples` copies with Gaussian noise of std
    `noise`."""
    rng = np.random.default_rng(seed)
    noisy = pixels + rng.normal(0.0, noise, (samples, SIZE, SIZE, 1)).astype(np.float32)
    return np.abs(explainer.gradients(noisy, target).mean(axis=0)[..., 0])


def integrated_gradients(explainer, pixels: np.ndarray, target: int, steps: int) -> np.ndarray:
    """(image - black) times the gradient averaged along the straight path from black (trapezoid
    rule)."""
    alphas = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None, None, None]
    path = BACKGROUND + alphas * (pixels - BACKGROUND)
    weights = np.full(steps, 1.0 / (steps - 1))
    weights[[0, -1]] /= 2  # trapezoid rule over steps - 1 intervals
    average = np.tensordot(weights, explainer.gradients(path, target), axes=1)
    return ((pixels[0] - BACKGROUND) * average)[..., 0]


def gradcam(explainer, pixels: np.ndarray, target: int, weights: str) -> np.ndarray:
    """Grad-CAM of the last convolutional feature maps, weighted per position or averaged per
    channel."""
    return explainer.gradcam_map(pixels, target, averaged=weights == "averaged")


def occlusion_masks(window: int, stride: int) -> np.ndarray:
    """Bool (patches, 28, 28): one square patch per position, the last row and column flush with the
    edge."""
    starts = list(range(0, SIZE - window + 1, stride))
    if starts[-1] != SIZE - window:
        starts.append(SIZE - window)
    masks = np.zeros((len(starts) ** 2, SIZE, SIZE), bool)
    for index, (top, left) in enumerate((top, left) for top in starts for left in starts):
        masks[index, top : top + window, left : left + window] = True
    return masks


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities of the (n, classes) `logits`."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def occlusion(
    explainer, pixels: np.ndarray, target: int, window: int, stride: int, score: str
) -> np.ndarray:
    """The drop of the class score when a square patch is set to the background, averaged per
    pixel."""
    masks = occlusion_masks(window, stride)
    occluded = np.where(masks[..., None], np.float32(BACKGROUND), pixels)
    scores = explainer.logits(np.concatenate([pixels, occluded]))
    if score == "probability":
        scores = softmax(scores)
    drops = scores[0, target] - scores[1:, target]
    return np.tensordot(drops, masks, axes=1) / masks.sum(axis=0)


def _stride_within_window(settings: Settings) -> None:
    if float(settings["stride"]) > float(settings["window"]):
        raise ValueError(
            f"occlusion setting 'stride' must be at most the window ({settings['window']}) so that "
            "every pixel "
            f"is covered, got {settings['stride']}"
        )


METHODS: dict[str, Method] = {
    "vanilla": Method(
        "Vanilla gradient",
        "How strongly a small change of each pixel moves the class score: |d logit / d pixel|.",
        signed=False,
        compute=vanilla,
    ),
    "smoothgrad": Method(
        "SmoothGrad",
        "The gradient averaged over noisy copies of the image, then its magnitude: less speckle "
        "than the vanilla one.",
        signed=False,
        compute=smoothgrad,
        settings={
            "noise": Setting(
                "Noise level (fraction of the pixel range)", 0.15, 0.0, 1.0, slider=(0.0, 0.5, 0.05)
            ),
            "samples": Setting("Noisy samples", 50, 1, 512, slider=(5, 200, 5)),
            "seed": Setting("Random seed", 0, 0, 2**32 - 1),
        },
    ),
    "integrated_gradients": Method(
        "Integrated Gradients",
        "Each pixel's share of the class score's rise from a black image; the shares add up to "
        "that rise.",
        signed=True,
        compute=integrated_gradients,
        settings={
            "steps": Setting(
                "Points on the path from black to the image", 128, 2, 1024, slider=(8, 256, 8)
            )
        },
    ),
    "gradcam": Method(
        "Grad-CAM",
        "Where in the last convolutional feature maps the evidence for the class lies, upsampled "
        "to 28x28.",
        signed=False,
        compute=gradcam,
        needs_conv=True,
        settings={
            "weights": Setting(
                "Gradient weights: per position (HiResCAM) or averaged per channel (original "
                "Grad-CAM)",
                "elementwise",
                choices=("elementwise", "averaged"),
            ),
        },
    ),
    "occlusion": Method(
        "Occlusion",
        "How much the class score drops when a square patch around each pixel is set to the black "
        "background.",
        signed=True,
        compute=occlusion,
        check=_stride_within_window,
        settings={
            "window": Setting("Patch size (pixels)", 4, 1, SIZE, slider=(2, 14, 1)),
            "stride": Setting("Stride (pixels, at most the patch size)", 2, 1, SIZE),
            "score": Setting("Score that drops", "logit", choices=("logit", "probability")),
        },
    ),
}


def check_method(method: object) -> Method:
    """The `Method` called `method`, or a `ValueError` listing the known ones."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    return METHODS[method]


def check_settings(method: str, settings: dict[str, object]) -> Settings:
    """The complete, checked settings of `method` (its defaults overridden by `settings`)."""
    return check_method(method).check_settings(method, settings)
