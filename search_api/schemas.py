"""Response and request bodies of the API (kept apart from the KB's entry models)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kbbuild.settings import get_settings

TypeName = Literal["script", "process", "forbidden", "escalation", "rule"]
ChannelName = Literal["hotline", "hall", "field", "online"]


class Error(BaseModel):
    error: str = Field(description="What was wrong, in a sentence")
    detail: list[dict[str, Any]] | None = None


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    reason: str | None = Field(None, description="Degraded: why the published build is not the one served")
    build_id: str
    kb_version: str
    entry_count: int
    created: str
    log_dropped: int | None = Field(None, description="Search-log lines lost since start (queue or disk full, "
                                                      "folder unwritable); absent when the log is off")


class TimeLimit(BaseModel):
    where: str = Field(description="path[2], steps[5] or limits[0]")
    label: str
    limit: str = Field(description="e.g. 1 个工作小时")
    condition: str | None = Field(None, description="When it applies (紧急, 一般 …)")
    deadline: bool = Field(description="A time to finish within (GET /api/deadline gives its due time)")


class Result(BaseModel):
    id: str
    type: TypeName
    title: str
    snippet: str = Field(description="HTML: matches in <mark>, everything else escaped")
    url: str = Field(description="Deep link to the entry in the static site")
    channels: list[ChannelName]
    tags: list[str]
    operators: list[str] = Field(description="Whose norm this is (通用: every operator's)")
    score: float = Field(description="Fused relevance, 0–1: 1 means first for keywords, meaning and exact match")
    similarity: float = Field(description="Best cosine between the query and the entry's text or similar questions")
    say: list[str] | None = Field(None, description="Scripts: the words to say, verbatim")
    severity: Literal["red-line", "serious", "discouraged"] | None = None
    phrases: list[str] | None = None
    instead: list[str] | None = None
    limits: list[TimeLimit] | None = Field(None, description="Time limits of the entry, with conditions")


class SearchResponse(BaseModel):
    query: str
    normalized: str
    corrected: str | None = Field(None, description="The domain word searched instead (pinyin or a homophone)")
    weak: bool = Field(description="No result matches well: show them as 可能相关, not as the answer")
    took_ms: float
    total: int = Field(description="Entries that match (contain what was typed or mean it); results shows `limit`")
    results: list[Result]


class Suggestion(BaseModel):
    text: str
    kind: Literal["title", "tag", "word"]


class SuggestResponse(BaseModel):
    query: str
    suggestions: list[Suggestion]


class CheckRequest(BaseModel):
    text: str = Field(max_length=get_settings().max_check_chars,
                      description="The agent's draft reply or a transcript line")


class Hit(BaseModel):
    start: int = Field(description="Where the hit starts in the text (characters)")
    end: int
    text: str
    tier: Literal[1, 2] = Field(description="1: a listed forbidden wording (禁语, certain); 2: the classifier (疑似)")
    label: Literal["禁语", "疑似"]
    score: float = Field(description="1 for tier 1; the classifier's P(violation) for tier 2")
    threshold: float | None = Field(None, description="Tier 2: the score at or above which a sentence is 疑似")
    entry_id: str = Field(description="The forbidden entry matched (tier 1) or nearest (tier 2)")
    title: str
    phrase: str | None = Field(None, description="Tier 1: the listed wording found")
    severity: Literal["red-line", "serious", "discouraged"]
    why: str
    advice: list[str] = Field(description="What to do instead (guidance, not words to say)")
    instead: list[str] = Field(description="At most 3 lines to say instead; 【…】 marks what the agent fills in")


class CheckResponse(BaseModel):
    hits: list[Hit] = Field(description="Both tiers, most severe first (at most KB_MAX_CHECK_HITS)")
    total: int = Field(description="Hits found, shown or not")
    message: str = Field(description="未命中禁语库 when there is no hit: never a certificate of a clean text")
    judged: int = Field(description="Sentences tier 2 judged")
    skipped: int = Field(description="Sentences past the per-request limit that tier 2 did not judge")
    took_ms: float


class Operators(BaseModel):
    default: str | None = Field(description="The deployment's operator (KB_OPERATOR); null: every operator")
    profiles: list[str] = Field(description="Operators this build has norms of; 通用 entries show in each")
    all: str = Field(description="The value of operator= that shows every operator's norms")


class Deadline(BaseModel):
    where: str = Field(description="path[2], steps[5] or limits[0]: which hop, step or limit")
    label: str
    what: str | None
    condition: str | None = Field(description="When this limit applies (紧急, 一般 …); null: always")
    limit: str = Field(description="e.g. 4 个工作小时")
    working_time: bool = Field(description="Counted in working hours or days of the calendar")
    due: str | None = Field(description="Due time, ISO 8601 with offset; null when the limit is not a "
                                        "deadline (a minimum, or an exact pause)")


class DeadlineResponse(BaseModel):
    entry: str
    title: str
    start: str
    condition: str | None
    deadlines: list[Deadline]
    note: str | None = Field(description="e.g. the calendar has no holidays for a year the deadline reaches")
    now: str


Origin = Literal["widget", "site", "api"]
EntryIdText = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]


class EventRequest(BaseModel):
    """What the agent used from a search: copied a script's words or opened an entry."""

    model_config = ConfigDict(extra="forbid")

    event: Literal["copy", "open"]
    id: EntryIdText = Field(description="The entry used")
    query: str = Field("", max_length=get_settings().max_query_chars, description="The search it came from")
    origin: Origin = "widget"


class Change(BaseModel):
    id: str
    title: str | None = None
    change: Literal["added", "changed", "removed"]
    fields: list[str] = Field(description="Changed: the fields whose values differ")
    build_id: str = Field(description="The build that made this change (the latest one, if several)")
    created: str


class ChangesResponse(BaseModel):
    build_id: str = Field(description="The build served")
    since: str | None
    builds: int = Field(description="Builds with changes in the period")
    changes: list[Change] = Field(description="Each entry once, in its latest state, newest first")
