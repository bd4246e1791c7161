"""What the dataset looks like: statistics and projections."""
