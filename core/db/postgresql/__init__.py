"""PostgreSQL backend: Django's, reading timestamps through psycopg's C loaders (base.py)."""
