"""Inside a model: saliency, activations, what-if transforms, adversarial examples, derived
files."""
