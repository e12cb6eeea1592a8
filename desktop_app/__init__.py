"""Vanishing Point's desktop window. Importing this package loads no Qt; desktop_app.main does."""
