"""Query parsing, spelling correction and query quoting: pure functions, no database."""

from __future__ import annotations

from search.backends.dialects import fts5_text, tsquery_text, word_fragments
from search.query import (
    edits1,
    osa_distance,
    query_plan,
    synonyms_for_meilisearch,
    tokens,
    typos_allowed,
    vocabulary,
)

VOCABULARY = {"python", "photon", "pylon", "functions", "function", "javascript"}


def _known(lookup) -> set[str]:
    wanted = set(lookup.exact)
    found = {term for term in VOCABULARY if term in wanted}
    for word in lookup.near:
        found |= {term for term in VOCABULARY if term[0] == word[0]}
    for prefix in lookup.prefixes:
        found |= {term for term in VOCABULARY if term.startswith(prefix)}
    return found


def test_tokens_keep_inner_punctuation_and_drop_operators():
    assert tokens("  Node.js & C++ (Functions)! ") == ["node.js", "c++", "functions"]
    assert tokens("| ! * ''") == []
    assert len(tokens("a " * 50)) == 10


def test_osa_distance_counts_a_swap_as_one_edit():
    assert osa_distance("pyhton", "python") == 1
    assert osa_distance("pyhton", "photon") == 2
    assert osa_distance("pyhton", "pylon") == 2
    assert osa_distance("", "abc") == 3
    assert osa_distance("kitten", "sitting") == 3


def test_edits1_holds_swaps_deletions_insertions_and_substitutions():
    variants = edits1("pyhton")
    assert {"python", "pyton", "pyhtonn", "pyhtan"} <= variants
    assert "pyhton" not in variants


def test_typos_follow_meilisearch_word_sizes():
    assert [typos_allowed(w) for w in ("java", "pyhton", "functinos", "c++")] == [
        0,
        1,
        2,
        0,
    ]


def test_a_transposition_is_corrected_to_the_right_word():
    # Trigram similarity alone ranks "pylon" above "python" for "pyhton".
    parsed = query_plan("pyhton", known=_known)
    assert parsed.corrections == {"pyhton": "python"}
    # The corrected word replaces the typo: the query is the corrected one.
    assert parsed.terms[0].text == "python" and parsed.terms[0].prefix
    assert parsed.terms[0].alternatives == ("py",)
    assert parsed.corrected_text == "python"


def test_known_words_and_prefixes_of_known_words_are_left_alone():
    assert query_plan("python functions", known=_known).corrections == {}
    # The last word is being typed: "javas" may become "javascript".
    assert query_plan("javas", known=_known).corrections == {}
    assert query_plan("functinos", known=_known).corrections == {
        "functinos": "functions"
    }


def test_short_words_need_no_vocabulary_and_still_get_synonyms():
    asked = []
    parsed = query_plan("py js", known=lambda lookup: asked.append(lookup) or set())
    assert asked[0].words == ("py", "js")
    assert not asked[0].needs_vocabulary  # under five letters: no typo
    assert parsed.terms[0].alternatives == ("python",)
    assert parsed.terms[1].alternatives == ("javascript",)
    assert parsed.terms[1].prefix and not parsed.terms[0].prefix


def test_vocabulary_keeps_words_of_three_to_forty_letters():
    assert vocabulary(["Python 3: Functions & I/O", "x" * 41]) == {
        "python",
        "functions",
    }


def test_queries_are_quoted_so_user_text_is_never_syntax():
    assert word_fragments(tokens("it's a | b\\ c")) == [
        "'it''s'",
        "'a'",
        "'b\\\\'",
        "'c':*",
    ]
    assert word_fragments(["ml"]) == ["'ml':*", "'machine' <-> 'learning'"]
    assert fts5_text(query_plan('say "hi"')) == '("say") AND ("hi"* OR "hi")'
    assert fts5_text(query_plan("ml")) == '("ml"* OR "ml" OR "machine learning")'


def test_the_tsquery_holds_each_normalized_form_once_and_skips_stop_words():
    parsed = query_plan("the functions ml")
    normalized = {
        "'the'": {"", "'the'"},
        "'functions'": {"'function'", "'functions'"},
        "'ml':*": {"'ml':*"},
        "'machine' <-> 'learning'": {"'machin' <-> 'learn'"},
    }
    assert tsquery_text(parsed, normalized) == (
        "(('the')) & (('function') | ('functions'))"
        " & (('machin' <-> 'learn') | ('ml':*))"
    )
    assert tsquery_text(query_plan("the"), {"'the':*": {""}}) == ""


def test_synonyms_go_both_ways_for_meilisearch():
    synonyms = synonyms_for_meilisearch()
    assert synonyms["js"] == ["javascript"]
    assert synonyms["javascript"] == ["js"]
    assert synonyms["machine learning"] == ["ml"]
