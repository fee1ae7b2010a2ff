"""Flowbook: a reactive, notebook-style visual builder for AI and automation workflows."""
