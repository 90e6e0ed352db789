"""Loading and checking the content files: frameworks and rubrics in `rubrics/`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import TypeAdapter, ValidationError

from app.content.schemas import Framework, Rubric

RUBRIC_FILE = TypeAdapter(Framework | Rubric)


@dataclass
class ContentLibrary:
    """Every framework and rubric by id, and what was wrong with the files that failed."""

    frameworks: dict[str, Framework] = field(default_factory=dict)
    rubrics: dict[str, Rubric] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def load_rubrics(directory: Path) -> ContentLibrary:
    """Read every `*.yaml` in `directory`; a bad file is reported, never half-loaded."""
    library = ContentLibrary()
    for path in sorted(directory.glob("*.yaml")):
        name = path.name
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            library.problems.append(f"{name}: not readable YAML ({error})")
            continue
        if not isinstance(data, dict) or data.get("kind") not in ("framework", "rubric"):
            library.problems.append(f"{name}: `kind` must be framework or rubric")
            continue
        try:
            content = RUBRIC_FILE.validate_python(data)
        except ValidationError as error:
            library.problems += [
                f"{name}: {'.'.join(map(str, problem['loc'][1:])) or 'file'}: {problem['msg']}"
                for problem in error.errors()
            ]
            continue
        if content.id != path.stem:
            library.problems.append(f"{name}: id {content.id!r} differs from the file name")
            continue
        target = library.frameworks if content.kind == "framework" else library.rubrics
        if content.id in library.frameworks or content.id in library.rubrics:
            library.problems.append(f"{name}: id {content.id!r} is used by another file")
            continue
        target[content.id] = content
    return library
