"""Each page of a packet may have its own side, hold, times a day and note.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("packet_spots") as table:
        table.add_column(sa.Column("side", sa.String(5)))
        table.add_column(sa.Column("hold", sa.String(7)))
        table.add_column(sa.Column("times_per_day", sa.Integer))
        table.add_column(sa.Column("note", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("packet_spots") as table:
        for name in ("note", "times_per_day", "hold", "side"):
            table.drop_column(name)
