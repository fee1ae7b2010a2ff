"""Reflex state classes: they call service functions through `session_scope()`."""
