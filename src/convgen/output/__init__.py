"""Writing what a run produces: atomic files inside OUT, the starter files."""
