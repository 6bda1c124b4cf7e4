"""Custom checkov checks for the benchmark (checkov loads only folders with an __init__.py)."""
