"""Content as data: competence frameworks and rubrics (and, later, mentor modules).

Files are validated against pydantic schemas; `leerspoor content check` runs the
validation over every file and CI runs it.
"""
