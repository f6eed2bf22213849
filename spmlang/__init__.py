"""spmlang: sales compensation plans as checked, traced code."""

__version__ = "0.1.0"
