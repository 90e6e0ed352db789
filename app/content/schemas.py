"""The schema of the content files in `rubrics/`."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

IDENTIFIER = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

Text = dict[str, str]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _identifier(value: str) -> str:
    if not IDENTIFIER.match(value):
        raise ValueError(f"{value!r} is not an id (lowercase letters, digits and hyphens)")
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]


class Level(Strict):
    value: int = Field(ge=0, le=10)
    label: Text
    colour: str

    @field_validator("colour")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not COLOUR.match(value):
            raise ValueError(f"{value!r} is not a colour like #2f7d4f")
        return value


class Indicator(Strict):
    id: Identifier
    text: Text


class Competence(Strict):
    id: Identifier
    title: Text
    indicators: list[Indicator] = Field(min_length=1)


class Criterion(Strict):
    id: Identifier
    title: Text
    descriptors: dict[int, Text]


class ContentFile(Strict):
    """What frameworks and rubrics share: identity, version, languages and titles."""

    id: Identifier
    version: int = Field(ge=1)
    languages: list[str] = Field(min_length=1)
    title: Text
    description: Text

    def texts(self) -> list[tuple[str, Text]]:
        """Every translatable text with a path to it, for the language check."""
        return [("title", self.title), ("description", self.description)]

    @model_validator(mode="after")
    def _every_text_in_every_language(self):
        languages = set(self.languages)
        for where, text in self.texts():
            missing = sorted(lang for lang in languages if not (text.get(lang) or "").strip())
            if missing:
                raise ValueError(f"{where}: no text in {', '.join(missing)}")
            extra = sorted(set(text) - languages)
            if extra:
                raise ValueError(f"{where}: a language that is not declared: {', '.join(extra)}")
        return self


def _unique(ids: list[str], what: str) -> None:
    seen = set()
    for identifier in ids:
        if identifier in seen:
            raise ValueError(f"{what} id {identifier!r} is used twice")
        seen.add(identifier)


def _levels_ok(levels: list[Level], what: str) -> None:
    values = [level.value for level in levels]
    if values != sorted(set(values)):
        raise ValueError(f"the {what} values must rise without repeats")


class Framework(ContentFile):
    kind: Literal["framework"]
    scale: list[Level] = Field(min_length=2)
    competences: list[Competence] = Field(min_length=1)

    def texts(self):
        found = super().texts()
        found += [(f"scale {level.value}", level.label) for level in self.scale]
        for competence in self.competences:
            found.append((f"competence {competence.id}", competence.title))
            found += [(f"indicator {i.id}", i.text) for i in competence.indicators]
        return found

    @model_validator(mode="after")
    def _structure(self):
        _levels_ok(self.scale, "scale")
        _unique([c.id for c in self.competences], "competence")
        _unique([i.id for c in self.competences for i in c.indicators], "indicator")
        return self


class Rubric(ContentFile):
    kind: Literal["rubric"]
    levels: list[Level] = Field(min_length=2)
    criteria: list[Criterion] = Field(min_length=1)

    def texts(self):
        found = super().texts()
        found += [(f"level {level.value}", level.label) for level in self.levels]
        for criterion in self.criteria:
            found.append((f"criterion {criterion.id}", criterion.title))
            found += [
                (f"criterion {criterion.id} level {value}", text)
                for value, text in criterion.descriptors.items()
            ]
        return found

    @model_validator(mode="after")
    def _structure(self):
        _levels_ok(self.levels, "level")
        _unique([c.id for c in self.criteria], "criterion")
        values = {level.value for level in self.levels}
        for criterion in self.criteria:
            if set(criterion.descriptors) != values:
                raise ValueError(
                    f"criterion {criterion.id}: a descriptor is needed for every level "
                    f"({', '.join(map(str, sorted(values)))}) and for no other"
                )
        return self
