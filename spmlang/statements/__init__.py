"""Statement models and their renderers (JSON, CSV, text, explain)."""
