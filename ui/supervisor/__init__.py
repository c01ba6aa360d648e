"""The supervisor's screens: campaigns, imports, contacts, assignment, dashboard, jobs."""
