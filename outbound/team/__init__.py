"""Team mode: each person signs in to the team's PostgreSQL database as themselves, and
the database enforces what their role may do (``security``)."""
