"""A run: checking the inputs, then rendering them, in one process or several."""
