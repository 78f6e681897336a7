"""Thin query and mutation functions, and the DataLoader batch functions."""
