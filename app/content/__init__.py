"""Content as data: competence frameworks and rubrics (`rubrics/`) and the mentor training
(`modules/`: micro-modules, learning paths, templates).

The files live in this folder and ship inside the package, so an installed wheel has them;
`LEERSPOOR_CONTENT_PATH` points the app at another folder holding the same two. Files are
validated against pydantic schemas; `leerspoor content check` runs the validation over
every file and CI runs it.
"""
