"""SQLModel tables, migrations and the SQL implementation of the service's store."""
