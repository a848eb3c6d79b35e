"""Clients, packets and their spots.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("created", sa.DateTime, server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_clients_name", "clients", ["name"])
    op.create_table(
        "packets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
        sa.Column("printed_name", sa.String(60), nullable=False),
        sa.Column("created", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.Column("side", sa.String(5), nullable=False),
        sa.Column("hold_low", sa.Integer),
        sa.Column("hold_high", sa.Integer),
        sa.Column("times_per_day", sa.Integer),
        sa.Column("notes", sa.Text),
        sa.Column("therapist", sa.String(60)),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("practice", sa.Text, nullable=False),
        sa.Column("paper", sa.String(10), nullable=False),
    )
    op.create_index("ix_packets_client_id", "packets", ["client_id"])
    op.create_table(
        "packet_spots",
        sa.Column("packet_id", sa.Integer, sa.ForeignKey("packets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("spot", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("packet_spots")
    op.drop_index("ix_packets_client_id", "packets")
    op.drop_table("packets")
    op.drop_index("ix_clients_name", "clients")
    op.drop_table("clients")
