"""convgen: checked, ready-to-sign French internship agreements from YAML."""

__version__ = "0.1.0"
