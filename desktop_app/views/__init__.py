"""The window's views; each draws engine data from a RunHistory and computes none of its own."""
