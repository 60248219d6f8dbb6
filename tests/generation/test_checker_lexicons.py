"""Every pattern lexicon entry finds its examples and none of its counterexamples."""

from __future__ import annotations

import pytest

from tool.generation.checks.patterns import LanguageClass, Pattern, cue, find_language, language_classes
from tool.generation.textmatch import normalise

CLASSES = {language.name: language for language in language_classes()}


def _cases(kind: str) -> list[tuple[str, str]]:
    return [
        (language.name, text)
        for language in language_classes()
        for pattern in language.patterns
        for text in getattr(pattern, kind)
    ]


def test_every_class_named_in_the_issue_has_a_lexicon() -> None:
    assert {"ability_praise", "luck", "generic_praise", "empty_encouragement", "comparison", "extrinsic_rewards",
            "past_avoidance", "difficulty_ability", "abandoning"} <= set(CLASSES)
    for language in language_classes():
        assert language.patterns and all(p.examples for p in language.patterns), language.name


@pytest.mark.parametrize(("name", "text"), _cases("examples"))
def test_example_is_found(name: str, text: str) -> None:
    language: LanguageClass = CLASSES[name]
    assert find_language(text, "speech", only=language), f"{name} misses {text!r}"


@pytest.mark.parametrize(("name", "text"), _cases("counterexamples"))
def test_counterexample_is_not_found(name: str, text: str) -> None:
    language = CLASSES[name]
    assert not find_language(text, "speech", only=language), f"{name} wrongly finds {text!r}"


def _cue_cases() -> list[tuple[str, Pattern, str, bool]]:
    return [
        (name, pattern, text, wanted)
        for name in ("contingency", "reported", "critique")
        for pattern in cue(name)
        for wanted, texts in ((True, pattern.examples), (False, pattern.counterexamples))
        for text in texts
    ]


@pytest.mark.parametrize(("name", "pattern", "text", "wanted"), _cue_cases())
def test_cue_examples(name: str, pattern: Pattern, text: str, wanted: bool) -> None:
    assert bool(pattern.regex.search(normalise(text))) is wanted, (name, pattern.source, text)
