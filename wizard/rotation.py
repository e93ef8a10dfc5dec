"""Key rotation for everything the vault encrypted.

``rotate_stored_secrets`` finds every ``EncryptedJSON`` column in the model
metadata and re-encrypts each value that the newest key cannot read yet, so an
old key can then be dropped from ``ENCRYPTION_KEYS``. It works on ciphertext
(no value is decoded into Python objects) and reports counts, never values.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Table, Text, select, type_coerce, update

from wizard.extensions import db
from wizard.vault import EncryptedJSON, VaultError, current_vault


@dataclass
class ColumnRotation:
    """Counts for one encrypted column."""

    column: str
    rotated: int = 0
    current: int = 0
    unreadable: int = 0


def encrypted_columns() -> list[tuple[Table, Column]]:
    """Every (table, column) whose type is ``EncryptedJSON``."""
    return [(table, column) for table in db.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, EncryptedJSON)]


def rotate_stored_secrets(batch_size: int = 200) -> list[ColumnRotation]:
    """Re-encrypt every stored secret under the newest key; commit per batch."""
    vault = current_vault()
    report = []
    for table, column in encrypted_columns():
        counts = ColumnRotation(f"{table.name}.{column.name}")
        (key,) = table.primary_key.columns
        raw = type_coerce(column, Text())
        last = None
        while True:
            query = select(key, raw).where(column.is_not(None)).order_by(key).limit(batch_size)
            if last is not None:
                query = query.where(key > last)
            rows = db.session.execute(query).all()
            if not rows:
                break
            for row_id, ciphertext in rows:
                token = ciphertext.encode("ascii")
                if vault.is_current(token):
                    counts.current += 1
                    continue
                try:
                    rotated = vault.rotate(token).decode("ascii")
                except VaultError:
                    counts.unreadable += 1
                    continue
                # Only if nobody changed the value meanwhile: never overwrite a newer secret.
                result = db.session.execute(
                    update(table).where(key == row_id, raw == ciphertext)
                    .values({column.name: type_coerce(rotated, Text())}))
                counts.rotated += result.rowcount
            last = rows[-1][0]
            db.session.commit()
        report.append(counts)
    return report
