"""The clinic desk: a local web app to make, save and reprint a client's handouts.

app.py holds the routes, db.py the database models, service.py every call into the
compiler, migrations/ the Alembic schema history (applied at start).
"""
