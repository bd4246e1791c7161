"""Whether to trust a model: comparison, label errors and their marks, cross-validation."""
