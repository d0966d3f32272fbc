"""Database plumbing that knows no domain: the PostgreSQL backend (postgresql/) and its settings."""


def prepare_threshold(text: str) -> int | None:
    """DATABASE_PREPARE_THRESHOLD: after how many runs on a connection psycopg prepares a query
    server-side; "off" (or empty) never prepares. Anything else is an error, not a guess."""
    value = text.strip().lower()
    if value in ("off", "none", ""):
        return None
    if value.isdigit():
        return int(value)
    raise ValueError(f"DATABASE_PREPARE_THRESHOLD must be a whole number or 'off', not {text!r}")
