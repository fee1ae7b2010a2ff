"""Use cases shared by the UI and the API: all business rules and all SQL live here."""
