"""Migration operations the schema editor does not do safely on a shop's live database.

Tortoise alters a SQLite column by rebuilding its table (create, copy, drop, rename). Dropping
a table that others reference with ON DELETE CASCADE deletes their rows (the stock ledger,
for order lines), and the rebuild loses the table's indexes. Making a column nullable needs
none of that: SQLite documents it as a change of the stored CREATE TABLE text alone
(https://www.sqlite.org/lang_altertable.html, "making other kinds of table schema changes"),
and PostgreSQL has ALTER COLUMN … DROP NOT NULL.
"""
from __future__ import annotations

import re

from tortoise.migrations import operations as ops


class DropNotNull(ops.AlterField):
    """``AlterField`` to a nullable column, done in place (rows, references and indexes kept)."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if not state_editor:
            return
        model = new_state.apps.get_model(f"{app_label}.{self.model_name}")
        table = model._meta.db_table
        column = model._meta.fields_map[self.name].source_field or self.name
        client = state_editor.client
        if state_editor.DIALECT != "sqlite":
            await client.execute_script(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" DROP NOT NULL')
            return
        _, rows = await client.execute_query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                             [table])
        sql = rows[0]["sql"]
        changed, n = re.subn(rf'("{re.escape(column)}" [A-Z]+) NOT NULL', r"\1", sql, count=1)
        if n != 1:
            raise RuntimeError(f"{table}.{column}: no NOT NULL to drop in {sql!r}")
        _, rows = await client.execute_query("PRAGMA schema_version")
        version = rows[0]["schema_version"]
        await client.execute_script("PRAGMA writable_schema = ON")
        await client.execute_query("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
                                   [changed, table])
        await client.execute_script(f"PRAGMA schema_version = {version + 1}; PRAGMA writable_schema = OFF")
