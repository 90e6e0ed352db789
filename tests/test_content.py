"""Content files: the schema refuses what would confuse a mentor, and the shipped files pass."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.content.services import load_rubrics
from config import BUNDLED_CONTENT

SCALE = [
    {"value": 1, "label": {"nl": "nog niet", "en": "not yet"}, "colour": "#d64545"},
    {"value": 2, "label": {"nl": "met veel hulp", "en": "with a lot of help"}, "colour": "#e8a33d"},
    {"value": 3, "label": {"nl": "met enige hulp", "en": "with some help"}, "colour": "#7fb24a"},
    {"value": 4, "label": {"nl": "zelfstandig", "en": "independently"}, "colour": "#2f7d4f"},
]


def framework(**changes) -> dict:
    data = {
        "kind": "framework",
        "id": "sample",
        "version": 1,
        "languages": ["nl", "en"],
        "title": {"nl": "Voorbeeld", "en": "Sample"},
        "description": {"nl": "Een voorbeeld.", "en": "A sample."},
        "scale": SCALE,
        "competences": [
            {
                "id": "punctuality",
                "title": {"nl": "Stiptheid", "en": "Punctuality"},
                "indicators": [
                    {
                        "id": "on-time",
                        "text": {"nl": "Is op tijd werkklaar.", "en": "Is ready on time."},
                    }
                ],
            }
        ],
    }
    data.update(changes)
    return data


def rubric(**changes) -> dict:
    data = {
        "kind": "rubric",
        "id": "sample",
        "version": 1,
        "languages": ["nl", "en"],
        "title": {"nl": "Rubric", "en": "Rubric"},
        "description": {"nl": "Een rubric.", "en": "A rubric."},
        "levels": SCALE,
        "criteria": [
            {
                "id": "punctuality",
                "title": {"nl": "Stiptheid", "en": "Punctuality"},
                "descriptors": {
                    value: {"nl": f"niveau {value}", "en": f"level {value}"}
                    for value in (1, 2, 3, 4)
                },
            }
        ],
    }
    data.update(changes)
    return data


def load(tmp_path: Path, data, name: str = "sample.yaml"):
    (tmp_path / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_rubrics(tmp_path)


def test_a_good_framework_and_rubric_load(tmp_path):
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(rubric(id="other")))
    library = load(tmp_path, framework())
    assert library.problems == []
    assert (
        library.frameworks["sample"].competences[0].indicators[0].text["en"] == "Is ready on time."
    )
    assert set(library.rubrics["other"].criteria[0].descriptors) == {1, 2, 3, 4}


def _broken_indicator(data: dict) -> dict:
    data["competences"][0]["indicators"][0]["text"] = {"nl": "Is op tijd."}
    return data


def _doubled_indicator(data: dict) -> dict:
    indicators = data["competences"][0]["indicators"]
    indicators.append(dict(indicators[0]))
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_broken_indicator(framework()), "no text in en"),
        (_doubled_indicator(framework()), "indicator id 'on-time' is used twice"),
        (framework(id="Other Name"), "not an id"),
        (framework(id="elsewhere"), "differs from the file name"),
        (framework(scale=[SCALE[1], SCALE[0]]), "must rise"),
        (framework(colour="red"), "Extra inputs are not permitted"),
        (framework(title={"nl": "Voorbeeld", "en": "Sample", "fr": "Exemple"}), "not declared"),
        (rubric(levels=SCALE[:3]), "a descriptor is needed for every level"),
        ({"kind": "poster"}, "`kind` must be framework or rubric"),
    ],
    ids=[
        "missing language",
        "doubled indicator",
        "bad id",
        "id is not the file name",
        "scale out of order",
        "unknown field",
        "undeclared language",
        "rubric cell missing",
        "unknown kind",
    ],
)
def test_a_bad_file_is_refused_with_a_reason(tmp_path, data, message):
    library = load(tmp_path, data)
    assert library.frameworks == library.rubrics == {}
    assert any(message in problem for problem in library.problems), library.problems


def test_unreadable_yaml_is_reported(tmp_path):
    (tmp_path / "broken.yaml").write_text("kind: framework\n  id: [oops", encoding="utf-8")
    assert "broken.yaml: not readable YAML" in load_rubrics(tmp_path).problems[0]


def test_the_shipped_content_is_valid():
    library = load_rubrics(BUNDLED_CONTENT / "rubrics")
    assert library.problems == []


def test_content_check_command_passes_on_the_repository(runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "Content is valid" in result.output


def test_content_check_command_fails_on_a_bad_file(app, runner, tmp_path):
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "rubrics" / "bad.yaml").write_text("kind: rubric\nid: bad\n")
    app.config["CONTENT_PATH"] = str(tmp_path)
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code != 0
    assert "bad.yaml" in result.output


def test_the_shipped_frameworks_have_what_coaches_need():
    library = load_rubrics(BUNDLED_CONTENT / "rubrics")
    generic = library.frameworks["generic-work-competences"]
    assert len(generic.competences) == 11
    for framework_id in ("electrical-installation", "it-support"):
        assert 6 <= len(library.frameworks[framework_id].competences) <= 10
    for shipped in library.frameworks.values():
        assert [level.label["nl"] for level in shipped.scale] == [
            "nog niet",
            "met veel hulp",
            "met enige hulp",
            "zelfstandig",
        ]
        for competence in shipped.competences:
            assert 3 <= len(competence.indicators) <= 5, competence.id
    soft_skills = library.rubrics["soft-skills"]
    assert len(soft_skills.levels) == 4
    assert {c.id for c in soft_skills.criteria} >= {"punctuality", "cooperation"}
