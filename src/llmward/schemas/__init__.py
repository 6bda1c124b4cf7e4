"""The canonical JSON Schemas, shipped as package data (see generate.py)."""
