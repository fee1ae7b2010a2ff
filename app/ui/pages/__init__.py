"""One module per page; `app/app.py` registers them with their routes."""
