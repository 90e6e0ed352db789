"""The Dutch catalogue speaks Dutch: an entry whose Dutch is the English source string is
a word both languages share, never an English term left in the Dutch interface.
"""

from __future__ import annotations

import re

from app import catalogues

# Words and formats Dutch writes as English does (the Dutch interface uses them as such).
SHARED_WITH_ENGLISH = {
    "%(label)s: %(number)s",
    "%(minutes)d min %(seconds)d s",
    "%(num)d module",
    "%(side)s: %(name)s, %(moment)s",
    "%(size)s MB",
    "%(size)s kB",
    "Account",
    "Agenda",
    "B&B",
    "Coach",
    "Code",
    "Code %(code)s",
    "Consortium",
    "Feedback",
    "Hotel",
    "Indicator",
    "Leerspoor",
    "Matching",
    "Mentor",
    "Module",
    "Modules",
    "Monitor",
    "Portfolio",
    "Privacy",
    "Reserve",
    "School",
    "Score",
    "Soft skills",
    "Start",
    "Status",
    "Week",
    "coach %(name)s",
    "mentor %(name)s",
    "school",
    "status",
}


def dutch_entries():
    for message in catalogues.read("nl"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        yield ids[0], list(zip(ids, strings, strict=False))


def test_a_dutch_entry_equals_its_english_only_for_words_dutch_shares():
    same = {
        key for key, pairs in dutch_entries() if any(english == dutch for english, dutch in pairs)
    }
    assert same - SHARED_WITH_ENGLISH == set()


def test_the_dutch_interface_calls_the_learning_agreement_a_leerovereenkomst():
    english = [
        dutch
        for _key, pairs in dutch_entries()
        for _english, dutch in pairs
        # The agreement's page names the Erasmus+ term once, in brackets.
        if re.search("learning agreement", dutch, re.I) and "(learning agreement)" not in dutch
    ]
    assert english == []


def test_a_dutch_host_monitor_finds_the_leerovereenkomsten_in_dutch(app, world, login_as):
    page = login_as(world.monitor).get("/learning-agreements").get_data(as_text=True)
    assert "Leerovereenkomsten" in page
    assert "Learning agreement" not in page
