"""The load test: simulated students, mentors and coaches write through the real forms
against gunicorn, then every acknowledged write is looked up in the database.
"""
