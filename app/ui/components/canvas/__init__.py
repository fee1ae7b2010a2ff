"""The workflow canvas and its panels (palette, inspector, output panel, toolbar)."""
