"""Schema written before the bot moved to Alembic, which a database may hold in part.

Versions before Alembic created missing tables and added missing columns at start-up, so a database
of any of them has some of the tables and columns below; the first revisions complete what it lacks.
"""

from alembic import op
from sqlalchemy import Column, MetaData, inspect


def create_or_complete(tables: MetaData) -> None:
    """Create each of `tables` the database lacks, and add the columns (nullable) and indexes missing
    from those it has: for schema written before Alembic, which older versions may hold in part."""
    connection = op.get_bind()
    existing = inspect(connection)
    older = [table for table in tables.sorted_tables if existing.has_table(table.name)]
    tables.create_all(connection, checkfirst=True)  # the tables it lacks, with their indexes
    for table in older:
        present = {column["name"] for column in existing.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                op.add_column(table.name, Column(column.name, column.type, nullable=True))
        for index in table.indexes:
            index.create(connection, checkfirst=True)
