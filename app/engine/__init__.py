"""Pure workflow engine: spec, graph, validation, expressions, executor and node registry.

Imports nothing from the rest of the app and no web, database or LLM library.
"""
