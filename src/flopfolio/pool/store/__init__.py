"""Persistence for the pool: SQLAlchemy 2 tables, Alembic migrations, and the repository the
service uses. SQLite by default (a file in the user's data directory), PostgreSQL when
``DATABASE_URL`` points to one."""
