"""The REST API: FastAPI routes under `/api`, thin over the services (see `create_api`)."""
