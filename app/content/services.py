"""Loading and checking the content files: frameworks and rubrics in `rubrics/`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from flask import current_app
from flask_babel import get_locale
from pydantic import TypeAdapter, ValidationError

from app.content.modules import TrainingLibrary, load_training
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


def content_library() -> ContentLibrary:
    """The app's frameworks and rubrics, read once per process (content changes need a restart)."""
    extensions = current_app.extensions
    if "leerspoor_content" not in extensions:
        root = Path(current_app.config["CONTENT_PATH"])
        extensions["leerspoor_content"] = load_rubrics(root / "rubrics")
    return extensions["leerspoor_content"]


def localised(text: dict[str, str]) -> str:
    """A content text in the request's language, else in the first language it has."""
    return text.get(str(get_locale())) or next(iter(text.values()), "")


def content_title(content_id: str | None, version: int | None) -> str | None:
    """The title of a framework or rubric as a placement refers to it, with its version."""
    if content_id is None:
        return None
    library = content_library()
    content = library.frameworks.get(content_id) or library.rubrics.get(content_id)
    title = localised(content.title) if content else content_id
    return f"{title} (v{version})"


def text_colour_on(colour: str) -> str:
    """Black or white (`#000000` or `#ffffff`), whichever contrasts more with the
    background `colour` of a scale level (WCAG relative luminance).
    """
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def training_library() -> TrainingLibrary:
    """The mentor training content, read once per process; in debug mode it is read again
    when a file in `modules/` changed, so a writer sees an edit on the next page load.
    """
    root = Path(current_app.config["CONTENT_PATH"]) / "modules"
    extensions = current_app.extensions
    stamp = _newest_change(root) if current_app.debug else None
    cached = extensions.get("leerspoor_training")
    if cached is None or cached[0] != stamp:
        extensions["leerspoor_training"] = (stamp, load_training(root))
    return extensions["leerspoor_training"][1]


def _newest_change(root: Path) -> float:
    return max((path.stat().st_mtime for path in root.rglob("*") if path.is_file()), default=0.0)
