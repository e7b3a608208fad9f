"""The adapters: Open Library, Wikibooks and Wikipedia (MediaWiki), GitHub,
YouTube (with a key).

Each speaks its API as documented; the contract tests
(``tests/sources/test_contracts.py``) hold them to it against loopback
servers answering recorded-style fixtures. Levels: none of these APIs can
search by level, so the level of a query only reaches the candidate (the
curator judges it); languages are searched where the API can.
"""

from __future__ import annotations

import html
import math
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from datetime import time as dt_time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .base import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    Failure,
    Found,
    Query,
    Request,
    Source,
    SourceError,
    malformed,
    text,
)

# ISO 639-1 (the catalog's codes) to the MARC codes Open Library records.
MARC_LANGUAGES = {
    "en": "eng",
    "es": "spa",
    "fr": "fre",
    "de": "ger",
    "pt": "por",
    "it": "ita",
    "nl": "dut",
    "pl": "pol",
    "ru": "rus",
    "uk": "ukr",
    "tr": "tur",
    "ar": "ara",
    "hi": "hin",
    "zh": "chi",
    "ja": "jpn",
    "ko": "kor",
}
_FROM_MARC = {marc: code for code, marc in MARC_LANGUAGES.items()}
_TAG = re.compile(r"<[^>]{0,200}>")
WORDS_PER_MINUTE = 200


class OpenLibrarySource(Source):
    """Books: ``GET /search.json?q=...&fields=...&limit=N``.

    The language filter is Open Library's query syntax (``language:fre``).
    """

    name = "openlibrary"
    label = "Open Library"
    FIELDS = "key,title,author_name,first_publish_year,language,edition_count"

    def request(self, query: Query) -> Request:
        words = query.text
        if query.language in MARC_LANGUAGES:
            words = f"{words} language:{MARC_LANGUAGES[query.language]}"
        return Request(
            url=f"{self.base_url}/search.json",
            params={"q": words, "fields": self.FIELDS, "limit": query.limit},
        )

    def parse(self, query: Query, body: Any, headers: Mapping[str, str]) -> list[Found]:
        if not isinstance(body, dict) or not isinstance(body.get("docs"), list):
            raise malformed("no docs list")
        found = []
        for doc in body["docs"][: query.limit]:
            if not isinstance(doc, dict):
                raise malformed("a doc is not an object")
            key, title = (
                text(doc.get("key"), limit=200),
                text(doc.get("title"), limit=MAX_TITLE),
            )
            if not key.startswith("/works/") or not title:
                continue
            found.append(
                Found(
                    source=self.name,
                    title=title,
                    url=f"{self.base_url}{key}",
                    provider_name=self.label,
                    provider_url=f"{self.base_url}/",
                    format="book",
                    language=_book_language(doc.get("language"), query.language),
                    description=_book_description(doc),
                    identifiers={
                        "work": key,
                        "first_publish_year": _int_or_none(
                            doc.get("first_publish_year")
                        ),
                        "edition_count": _int_or_none(doc.get("edition_count")),
                    },
                )
            )
        return found


class MediaWikiSource(Source):
    """A MediaWiki site's full-text search: ``GET /w/api.php?action=query&
    list=search&srsearch=...&format=json&formatversion=2``.

    The base URL may hold ``{language}`` (``https://{language}.wikibooks.org``):
    each language is its own wiki, so a language gap is searched in the wiki
    of that language (English when the query names none).
    """

    format = "article"

    def site(self, query: Query) -> str:
        return self.base_url.replace("{language}", query.language or "en")

    def request(self, query: Query) -> Request:
        return Request(
            url=f"{self.site(query)}/w/api.php",
            params={
                "action": "query",
                "list": "search",
                "srsearch": query.text,
                "srlimit": query.limit,
                "srnamespace": 0,
                "srprop": "size|wordcount|snippet|timestamp",
                "format": "json",
                "formatversion": 2,
            },
        )

    def parse(self, query: Query, body: Any, headers: Mapping[str, str]) -> list[Found]:
        if not isinstance(body, dict):
            raise malformed("not an object")
        if isinstance(body.get("error"), dict):
            # MediaWiki reports errors with HTTP 200 and an error object.
            code = text(body["error"].get("code"), limit=80)
            if code in {"ratelimited", "maxlag"}:
                raise SourceError(Failure.RATE_LIMITED, code)
            raise SourceError(Failure.REJECTED, f"api error {code}")
        results = (
            (body.get("query") or {}).get("search")
            if isinstance(body.get("query"), dict)
            else None
        )
        if not isinstance(results, list):
            raise malformed("no query.search list")
        site = self.site(query)
        found = []
        for page in results[: query.limit]:
            if not isinstance(page, dict):
                raise malformed("a result is not an object")
            title = text(page.get("title"), limit=MAX_TITLE)
            if not title:
                continue
            words = _int_or_none(page.get("wordcount"))
            found.append(
                Found(
                    source=self.name,
                    title=title,
                    url=f"{site}/wiki/{quote(title.replace(' ', '_'), safe='/:()')}",
                    provider_name=self.label,
                    provider_url=f"{site}/",
                    format=self.format,
                    language=query.language or "en",
                    duration_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE))
                    if words
                    else None,
                    description=_plain(page.get("snippet")),
                    identifiers={
                        "pageid": _int_or_none(page.get("pageid")),
                        "title": title,
                    },
                )
            )
        return found


class WikibooksSource(MediaWikiSource):
    name = "wikibooks"
    label = "Wikibooks"
    format = "book"


class WikipediaSource(MediaWikiSource):
    name = "wikipedia"
    label = "Wikipedia"
    format = "article"


class GitHubSource(Source):
    """Project repositories: ``GET /search/repositories?q=...&sort=stars``.

    Anonymous by default (10 searches a minute); ``SOURCE_GITHUB_TOKEN`` raises
    that. GitHub says "slow down" with 429 and ``Retry-After``, or with 403 and
    ``x-ratelimit-remaining: 0`` (then ``x-ratelimit-reset`` says until when).
    """

    name = "github"
    label = "GitHub"

    def request(self, query: Query) -> Request:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return Request(
            url=f"{self.base_url}/search/repositories",
            params={
                "q": query.text,
                "sort": "stars",
                "order": "desc",
                "per_page": query.limit,
            },
            headers=headers,
        )

    def rate_limited(self, status: int, headers: Mapping[str, str]) -> bool:
        return status == 429 or (
            status == 403 and headers.get("x-ratelimit-remaining") == "0"
        )

    def parse(self, query: Query, body: Any, headers: Mapping[str, str]) -> list[Found]:
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise malformed("no items list")
        found = []
        for repo in body["items"][: query.limit]:
            if not isinstance(repo, dict):
                raise malformed("an item is not an object")
            url = text(repo.get("html_url"), limit=1000)
            title = text(repo.get("full_name"), limit=MAX_TITLE)
            if not url.startswith(("https://", "http://")) or not title:
                continue
            found.append(
                Found(
                    source=self.name,
                    title=title,
                    url=url,
                    provider_name=self.label,
                    provider_url="https://github.com/",
                    format="project",
                    description=text(repo.get("description"), limit=MAX_DESCRIPTION),
                    identifiers={
                        "id": _int_or_none(repo.get("id")),
                        "full_name": title,
                        "stars": _int_or_none(repo.get("stargazers_count")),
                        "code_language": text(repo.get("language"), limit=40),
                    },
                )
            )
        return found


#: Google's error reasons (``error.errors[].reason``) that mean "wait": the
#: day's quota spent, or too many requests for now.
YOUTUBE_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
YOUTUBE_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


class YouTubeSource(Source):
    """Videos: YouTube Data API v3 ``GET /youtube/v3/search?part=snippet&
    type=video&q=...&maxResults=N&key=KEY``. Enabled only with a key
    (``SOURCE_YOUTUBE_API_KEY``). ``relevanceLanguage`` only prefers a
    language, so the candidate's language stays unknown; the search answer
    carries no duration either. A 403 for the spent daily quota is a rate
    limit until the quota resets (midnight Pacific time), so the breaker
    rests the source until then instead of spending requests on refusals.
    """

    name = "youtube"
    label = "YouTube"
    needs_key = True

    def request(self, query: Query) -> Request:
        params: dict[str, str | int] = {
            "part": "snippet",
            "type": "video",
            "q": query.text,
            "maxResults": query.limit,
            "safeSearch": "strict",
            "key": self.api_key,
        }
        if query.language:
            params["relevanceLanguage"] = query.language
        return Request(url=f"{self.base_url}/youtube/v3/search", params=params)

    def parse(self, query: Query, body: Any, headers: Mapping[str, str]) -> list[Found]:
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise malformed("no items list")
        found = []
        for item in body["items"][: query.limit]:
            if not isinstance(item, dict) or not isinstance(item.get("id"), dict):
                raise malformed("an item has no id object")
            video = text(item["id"].get("videoId"), limit=64)
            snippet = (
                item.get("snippet") if isinstance(item.get("snippet"), dict) else {}
            )
            # The API HTML-escapes titles and descriptions (&#39;, &amp;).
            title = html.unescape(text(snippet.get("title"), limit=MAX_TITLE))
            if not video or not title:
                continue
            found.append(
                Found(
                    source=self.name,
                    title=title,
                    url=f"https://www.youtube.com/watch?v={quote(video)}",
                    provider_name=self.label,
                    provider_url="https://www.youtube.com/",
                    format="video",
                    description=html.unescape(
                        text(snippet.get("description"), limit=MAX_DESCRIPTION)
                    ),
                    identifiers={
                        "video_id": video,
                        "channel_id": text(snippet.get("channelId"), limit=64),
                        "channel_title": text(snippet.get("channelTitle"), limit=160),
                    },
                )
            )
        return found

    def refusal(
        self, status: int, body: Any, headers: Mapping[str, str]
    ) -> SourceError:
        reasons = google_error_reasons(body)
        if reasons & YOUTUBE_QUOTA_REASONS:
            return SourceError(
                Failure.RATE_LIMITED,
                "daily quota spent (it resets at midnight Pacific time)",
                retry_after=youtube_quota_reset_seconds(),
            )
        if reasons & YOUTUBE_RATE_REASONS:
            return SourceError(Failure.RATE_LIMITED, ", ".join(sorted(reasons)))
        named = f" ({', '.join(sorted(reasons))})" if reasons else ""
        return SourceError(Failure.REJECTED, f"HTTP {status}{named}")


def google_error_reasons(body: Any) -> set[str]:
    """The ``reason`` of each item of a Google API error body
    (``{"error": {"errors": [{"reason": ...}]}}``); empty for anything else."""
    error = body.get("error") if isinstance(body, dict) else None
    items = error.get("errors") if isinstance(error, dict) else None
    if not isinstance(items, list):
        return set()
    return {
        item["reason"]
        for item in items
        if isinstance(item, dict) and isinstance(item.get("reason"), str)
    }


def youtube_quota_reset_seconds(*, now: datetime | None = None) -> float:
    """Seconds until the next midnight in Pacific time, when YouTube's daily
    quota resets. Without the time zone database, midnight at UTC-8 (an hour
    late in summer: waiting longer than needed is harmless)."""
    try:
        pacific: tzinfo = ZoneInfo("America/Los_Angeles")
    except ZoneInfoNotFoundError:
        pacific = timezone(timedelta(hours=-8))
    now = now or datetime.now(UTC)
    tomorrow = now.astimezone(pacific).date() + timedelta(days=1)
    # Timestamps, not aware datetimes: subtracting two datetimes of the same
    # zone ignores a daylight-saving change between them.
    return datetime.combine(tomorrow, dt_time(), pacific).timestamp() - now.timestamp()


def github_reset_seconds(
    headers: Mapping[str, str], *, now: float | None = None
) -> float | None:
    """Seconds until ``x-ratelimit-reset`` (an epoch), or None."""
    try:
        reset = float(headers.get("x-ratelimit-reset", ""))
    except ValueError:
        return None
    return max(0.0, reset - (time.time() if now is None else now))


ADAPTERS: dict[str, type[Source]] = {
    cls.name: cls
    for cls in (
        OpenLibrarySource,
        WikibooksSource,
        WikipediaSource,
        GitHubSource,
        YouTubeSource,
    )
}


def _book_language(languages: Any, wanted: str) -> str:
    if not isinstance(languages, list):
        return ""
    codes = [_FROM_MARC.get(value) for value in languages if isinstance(value, str)]
    if wanted and wanted in codes:
        return wanted
    known = {code for code in codes if code}
    return known.pop() if len(known) == 1 else ""


def _book_description(doc: dict[str, Any]) -> str:
    authors = [a for a in doc.get("author_name") or [] if isinstance(a, str)][:3]
    year = _int_or_none(doc.get("first_publish_year"))
    parts = []
    if authors:
        parts.append(f"By {', '.join(authors)}.")
    if year:
        parts.append(f"First published {year}.")
    return " ".join(parts)[:MAX_DESCRIPTION]


def _plain(snippet: Any) -> str:
    """MediaWiki snippets carry ``<span class="searchmatch">`` markup."""
    return html.unescape(_TAG.sub("", text(snippet, limit=4 * MAX_DESCRIPTION)))[
        :MAX_DESCRIPTION
    ].strip()


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
