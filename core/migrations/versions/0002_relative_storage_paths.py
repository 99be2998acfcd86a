"""stored files named relative to the uploads folder

Attachments and archived plan versions kept the data folder's prefix (``data/uploads/attachments/…``), which was
joined to the uploads folder again on download. They now hold ``attachments/…`` and ``plans/…``.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FOLDERS = {"attachments": "attachments/", "document_versions": "plans/"}


def relative_path(stored: str, folder: str) -> str:
    """``stored`` from ``folder`` on, when it holds the uploads folder's prefix; unchanged otherwise."""
    path = stored.replace("\\", "/")
    if path.startswith(folder) or not path:
        return path
    marker = "uploads/" + folder
    at = path.rfind(marker)
    return path[at + len("uploads/") :] if at >= 0 else stored


def upgrade() -> None:
    connection = op.get_bind()
    for table, folder in _FOLDERS.items():
        rows = connection.execute(sa.text(f"SELECT id, storage_path FROM {table}")).all()  # noqa: S608 - fixed names
        for row_id, stored in rows:
            new = relative_path(stored or "", folder)
            if new != (stored or ""):
                connection.execute(
                    sa.text(f"UPDATE {table} SET storage_path = :path WHERE id = :id"),  # noqa: S608 - fixed names
                    {"path": new, "id": row_id},
                )


def downgrade() -> None:
    # The data folder of the old rows is not known here; relative paths work with the old code's absolute folder.
    pass
