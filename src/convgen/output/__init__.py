"""Writing what a run produces: atomic files, inside OUT and nowhere else."""
