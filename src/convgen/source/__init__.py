"""Finding the inputs and reading them: YAML with its lines, campaigns and class lists."""
