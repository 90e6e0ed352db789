"""The mentor training content in `modules/`: micro-modules, learning paths, templates.

A module is one Markdown file per language, `modules/<language>/<id>.md`, with YAML
front matter; `modules/paths.yaml` holds the learning paths; `modules/templates/
<language>/<id>.md` the printable templates. `load_training(root)` reads and checks
all of it and reports every problem with its file and line, never half-loading a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import markdown
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.content.schemas import Identifier, Text

LANGUAGES = ("nl", "en")
MIN_WORDS, MAX_WORDS = 300, 700
BASIC_PATH = "basic-mentor-training"

MentorCompetence = Literal[
    "role",
    "onboarding",
    "instructing",
    "feedback",
    "coaching",
    "following-up",
    "assessing",
    "guidance",
    "learners",
]
MENTOR_COMPETENCES: tuple[str, ...] = MentorCompetence.__args__
# The seven techniques a recognised Flemish mentor training covers.
Technique = Literal[
    "training-plan",
    "instructing",
    "communicating",
    "following-up",
    "feedback",
    "adjusting",
    "evaluating",
]
TECHNIQUES: tuple[str, ...] = Technique.__args__

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)
RAW_HTML = re.compile(r"<[A-Za-z/!?]")
LINK = re.compile(r"\]\(([^)\s]*)")
CODE = re.compile(r"`[^`\n]*`")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Strict):
    text: str = Field(min_length=1)
    correct: bool = False
    explanation: str = Field(min_length=1)


class Question(Strict):
    question: str = Field(min_length=1)
    options: list[Option] = Field(min_length=2, max_length=5)

    @model_validator(mode="after")
    def _one_correct(self):
        if sum(option.correct for option in self.options) != 1:
            raise ValueError("exactly one option must be correct")
        return self


class Module(Strict):
    """One language version of a micro-module."""

    id: Identifier
    title: str = Field(min_length=1)
    language: Literal["nl", "en"]
    minutes: int = Field(ge=1, le=30)
    competence: MentorCompetence
    order: int = Field(ge=0)
    version: int = Field(ge=1)
    techniques: list[Technique] = Field(min_length=1)
    video: str | None = Field(default=None, pattern=r"^https://\S+$")
    quiz: list[Question] = Field(min_length=3, max_length=5)
    reflection: str = Field(min_length=1)
    assignment: str = Field(min_length=1)
    body: str = ""

    @property
    def pass_mark(self) -> int:
        """Two thirds of the questions, rounded up: 2 of 3, 3 of 4, 4 of 5."""
        return -(-2 * len(self.quiz) // 3)


class Template(Strict):
    id: Identifier
    title: str = Field(min_length=1)
    language: Literal["nl", "en"]
    version: int = Field(ge=1)
    description: str = Field(min_length=1)
    body: str = ""


class LearningPath(Strict):
    id: Identifier
    title: Text
    description: Text
    modules: list[Identifier] = Field(min_length=1)


class PathsFile(Strict):
    paths: list[LearningPath] = Field(min_length=1)


@dataclass
class TrainingLibrary:
    """Modules by id and language, paths, templates, and what was wrong with the files."""

    modules: dict[str, dict[str, Module]] = field(default_factory=dict)
    paths: list[LearningPath] = field(default_factory=list)
    templates: dict[str, dict[str, Template]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def module(self, module_id: str, language: str) -> Module | None:
        versions = self.modules.get(module_id, {})
        return versions.get(language) or next(iter(versions.values()), None)

    def path(self, path_id: str) -> LearningPath | None:
        return next((path for path in self.paths if path.id == path_id), None)


def load_training(root: Path) -> TrainingLibrary:
    """Read `root` (the `modules/` folder); report each problem as `file:line: message`."""
    library = TrainingLibrary()
    if not root.is_dir():
        return library
    for language in LANGUAGES:
        for path in sorted((root / language).glob("*.md")):
            read = _read(path, root, language, Module, library.problems)
            if read is not None and _body_ok(*read, _relative(path, root), library.problems):
                library.modules.setdefault(read[0].id, {})[language] = read[0]
        for path in sorted((root / "templates" / language).glob("*.md")):
            read = _read(path, root, language, Template, library.problems)
            if read is not None:
                library.templates.setdefault(read[0].id, {})[language] = read[0]
    _check_pairs(library.modules, "modules", library.problems)
    _check_pairs(library.templates, "modules/templates", library.problems)
    _check_module_versions(library)
    library.paths = _read_paths(root / "paths.yaml", library)
    return library


def _relative(path: Path, root: Path) -> str:
    return f"modules/{path.relative_to(root).as_posix()}"


def _read(path: Path, root: Path, language: str, schema, problems: list[str]):
    """The file's content and the line its body starts on, or None (with problems said)."""
    name = _relative(path, root)
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    match = FRONT_MATTER.match(text)
    if match is None:
        problems.append(f"{name}:1: no front matter (a block between --- lines at the top)")
        return None
    front, body = match.groups()
    try:
        data = yaml.safe_load(front)
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", 0) + 2
        problems.append(f"{name}:{line}: front matter is not valid YAML ({error})")
        return None
    if not isinstance(data, dict):
        problems.append(f"{name}:2: front matter must be a mapping of fields")
        return None
    try:
        content = schema.model_validate({**data, "body": body})
    except ValidationError as error:
        for problem in error.errors():
            location = ".".join(map(str, problem["loc"]))
            line = _line_of(front, problem["loc"])
            problems.append(f"{name}:{line}: {location or 'front matter'}: {problem['msg']}")
        return None
    if content.id != path.stem:
        line = _line_of(front, ("id",))
        problems.append(f"{name}:{line}: id {content.id!r} differs from the file name")
        return None
    if content.language != language:
        problems.append(
            f"{name}:{_line_of(front, ('language',))}: language {content.language!r} "
            f"differs from its folder {language!r}"
        )
        return None
    return content, front.count("\n") + 4


def _line_of(front: str, loc: tuple) -> int:
    """The line (in the file) of the field a validation error is about, as near as the
    front matter allows: the field itself, or the n-th question of the quiz.
    """
    lines = front.split("\n")
    if not loc:
        return 2
    key = str(loc[0])
    found = next((n for n, line in enumerate(lines) if line.startswith(f"{key}:")), None)
    if found is None:
        return 2
    if key == "quiz" and len(loc) > 1 and isinstance(loc[1], int):
        questions = [n for n, line in enumerate(lines) if line.lstrip().startswith("- question:")]
        if loc[1] < len(questions):
            found = questions[loc[1]]
    return found + 2  # the opening --- is line 1


def _body_ok(module: Module, first_line: int, name: str, problems: list[str]) -> bool:
    """No raw HTML, only https and mailto links, 300–700 words, and it renders."""
    found = []
    for number, line in enumerate(module.body.split("\n"), start=first_line):
        prose = CODE.sub("", line)
        if RAW_HTML.search(prose):
            found.append(f"{name}:{number}: raw HTML is not allowed; write Markdown")
        for target in LINK.findall(prose):
            if not re.match(r"^(https://\S+|mailto:\S+@\S+)$", target):
                found.append(f"{name}:{number}: link {target!r} is not an https:// or mailto: link")
    words = len(module.body.split())
    if not MIN_WORDS <= words <= MAX_WORDS:
        found.append(
            f"{name}:{first_line}: the body has {words} words; write {MIN_WORDS}–{MAX_WORDS}"
        )
    try:
        markdown.markdown(module.body)
    except Exception as error:  # noqa: BLE001  (a crash in Markdown must be a report)
        found.append(f"{name}:{first_line}: the body does not render ({error})")
    problems.extend(found)
    return not found


def _check_pairs(found: dict[str, dict], folder: str, problems: list[str]) -> None:
    for content_id, versions in sorted(found.items()):
        for language in LANGUAGES:
            if language not in versions:
                problems.append(
                    f"{folder}/{language}/{content_id}.md:1: missing "
                    f"(it exists in {', '.join(sorted(versions))})"
                )


def _check_module_versions(library: TrainingLibrary) -> None:
    """The languages of a module are one module: same version, order, competence, quiz size."""
    for module_id, versions in sorted(library.modules.items()):
        shapes = {
            (m.version, m.order, m.competence, tuple(m.techniques), len(m.quiz))
            for m in versions.values()
        }
        if len(shapes) > 1:
            library.problems.append(
                f"modules/{'|'.join(sorted(versions))}/{module_id}.md:1: the languages differ in "
                "version, order, competence, techniques or number of quiz questions"
            )


def _read_paths(path: Path, library: TrainingLibrary) -> list[LearningPath]:
    name = "modules/paths.yaml"
    if not path.exists():
        library.problems.append(f"{name}:1: missing")
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        paths = PathsFile.model_validate(data).paths
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", 0) + 1
        library.problems.append(f"{name}:{line}: not valid YAML ({error})")
        return []
    except ValidationError as error:
        library.problems += [
            f"{name}:1: {'.'.join(map(str, p['loc']))}: {p['msg']}" for p in error.errors()
        ]
        return []
    seen = set()
    for learning_path in paths:
        if learning_path.id in seen:
            library.problems.append(f"{name}:1: path id {learning_path.id!r} is used twice")
        seen.add(learning_path.id)
        for text in (learning_path.title, learning_path.description):
            missing = [lang for lang in LANGUAGES if not (text.get(lang) or "").strip()]
            if missing:
                library.problems.append(
                    f"{name}:1: path {learning_path.id!r}: no text in {', '.join(missing)}"
                )
        for module_id in learning_path.modules:
            if module_id not in library.modules:
                library.problems.append(
                    f"{name}:1: path {learning_path.id!r} names module {module_id!r}, "
                    "which does not exist"
                )
    basic = next((p for p in paths if p.id == BASIC_PATH), None)
    if basic is None:
        library.problems.append(f"{name}:1: the path {BASIC_PATH!r} is missing")
    else:
        covered = {
            technique
            for module_id in basic.modules
            for module in library.modules.get(module_id, {}).values()
            for technique in module.techniques
        }
        missing = [technique for technique in TECHNIQUES if technique not in covered]
        if missing:
            library.problems.append(
                f"{name}:1: {BASIC_PATH!r} must cover all seven techniques of a recognised "
                f"mentor training; missing: {', '.join(missing)}"
            )
    return paths
