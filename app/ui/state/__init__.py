"""Reflex state classes: their handlers are async and reach the database only through
`await run_db(fn, ...)`, `fn` a small function opening `session_scope()` to call a service."""
