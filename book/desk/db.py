"""The desk's database: clients and their packets, through SQLAlchemy, migrated by Alembic.

SQLite in the data folder is the default (folder 0700, file 0600); DATABASE_URL=postgresql://...
uses PostgreSQL (psycopg 3). A packet stores everything needed to make the same PDF again.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Optional

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, create_engine, event, func
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Base(DeclarativeBase):
    pass


class Client(Base):
    """A person the clinic makes handouts for."""

    __tablename__ = "clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    packets: Mapped[list["Packet"]] = relationship(back_populates="client", cascade="all, delete-orphan",
                                                   passive_deletes=True, order_by="Packet.id.desc()")


class Packet(Base):
    """One printed packet: the spots in page order and the personal details printed on them."""

    __tablename__ = "packets"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    printed_name: Mapped[str] = mapped_column(String(60))  # the name on the pages, kept if the client is renamed
    created: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    side: Mapped[str] = mapped_column(String(5))
    hold_low: Mapped[Optional[int]] = mapped_column(Integer)
    hold_high: Mapped[Optional[int]] = mapped_column(Integer)
    times_per_day: Mapped[Optional[int]] = mapped_column(Integer)
    notes: Mapped[Optional[str]] = mapped_column(Text)
    therapist: Mapped[Optional[str]] = mapped_column(String(60))
    date: Mapped[dt.date] = mapped_column(Date)
    practice: Mapped[str] = mapped_column(Text)
    paper: Mapped[str] = mapped_column(String(10))
    client: Mapped[Client] = relationship(back_populates="packets")
    spots: Mapped[list["PacketSpot"]] = relationship(cascade="all, delete-orphan", passive_deletes=True,
                                                     order_by="PacketSpot.position")

    @property
    def spot_numbers(self) -> list[int]:
        return [s.spot for s in self.spots]

    @property
    def hold(self) -> Optional[tuple[int, int]]:
        return (self.hold_low, self.hold_high) if self.hold_low else None


class PacketSpot(Base):
    """One page of a packet."""

    __tablename__ = "packet_spots"
    packet_id: Mapped[int] = mapped_column(ForeignKey("packets.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    spot: Mapped[int] = mapped_column(Integer)
    side: Mapped[Optional[str]] = mapped_column(String(5))  # this page's own values; None: the packet's
    hold: Mapped[Optional[str]] = mapped_column(String(7))  # as typed: "45" or "30-90"
    times_per_day: Mapped[Optional[int]] = mapped_column(Integer)
    note: Mapped[Optional[str]] = mapped_column(Text)

    @property
    def own(self) -> dict[str, str]:
        """This page's own values, as the form and the API name them."""
        values = {"side": self.side, "hold": self.hold, "note": self.note,
                  "times_per_day": str(self.times_per_day) if self.times_per_day else None}
        return {k: v for k, v in values.items() if v}


def database_url(data: Path, url: Optional[str] = None) -> str:
    """URL, else DATABASE_URL if set (postgresql://... is sent to psycopg 3), else SQLite in DATA, made owner-only."""
    url = (url or os.environ.get("DATABASE_URL", "")).strip()
    if url:
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(data, 0o700)
    path = data / "desk.sqlite3"
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Foreign keys on (deleting a client deletes their packets); deleted rows overwritten on disk."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def connect(url: str) -> tuple[Engine, sessionmaker]:
    """An engine migrated to the newest schema, and its session factory."""
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    migrate(engine)
    return engine, sessionmaker(engine, expire_on_commit=False)


def migrate(engine: Engine) -> None:
    """Apply every Alembic migration not yet applied."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
