"""Generated material: drawn marks and digits, photographed numbers, and the reading measures on
them."""
