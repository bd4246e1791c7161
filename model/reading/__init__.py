"""Reading drawings and photos: preprocessing, pen, paper, segmentation, the digit gate,
classification."""
