"""Template registry, drafts and the phrasing helpers every generator shares.

A *template* is a small function that, given a seeded ``random.Random``, returns a :class:`Draft`: one user prompt
plus either a calculator expression, a Python snippet, or a direct answer. Each template is registered under a
``source`` of the form ``"<generator>/<template>"``; all paraphrases a template produces share that source, so the
train/validation split (grouped by source) never puts one template's paraphrases on both sides.
"""

from __future__ import annotations

import contextvars
import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Category = Literal["calculator", "python_exec", "no_tool"]

CALCULATOR: Category = "calculator"
PYTHON: Category = "python_exec"
NO_TOOL: Category = "no_tool"
CATEGORIES: tuple[Category, ...] = (CALCULATOR, PYTHON, NO_TOOL)

_SOURCE_RE = re.compile(r"^[a-z][a-z0-9_]*/[a-z0-9][a-z0-9_]*$")


@dataclass(frozen=True)
class Draft:
    """One generated prompt before its answer is verified.

    Exactly one of ``expression``, ``code`` and ``answer`` is set, matching the template's category.

    Attributes:
        prompt: The user's message.
        expression: Calculator expression (calculator templates).
        code: Python snippet that prints the answer (python templates).
        answer: The assistant's direct reply (no-tool templates).
        fragile: The prompt's letter case or spelling carries meaning (text the code works on), so the surface
            noise added later must not lowercase it or add typos.
    """

    prompt: str
    expression: str | None = None
    code: str | None = None
    answer: str | None = None
    fragile: bool = False


TemplateFn = Callable[[random.Random], Draft]


@dataclass(frozen=True)
class TemplateSpec:
    """A registered template.

    Attributes:
        source: ``"<generator>/<template>"``, unique across the registry.
        category: Which of the three decisions the template teaches.
        fn: The draft factory.
        weight: Relative share of its category's quota (1.0 = an ordinary template). Templates with few distinct
            outputs (a fixed list of greetings) get a small weight so they are not asked for more than they have.
        family: The task the template teaches (``"pct_off"``, ``"gcd"``), shared by sibling templates that phrase
            the same task differently. The split holds out whole templates, so a family with several templates
            keeps siblings in training when one is held out. Defaults to the template's own name.
        half: 0 for a template as written; 1 or 2 for one of the two halves :func:`split_phrasings` made of a
            single-template family (each asks with every other phrasing of the original).
    """

    source: str
    category: Category
    fn: TemplateFn
    weight: float = 1.0
    family: str = ""
    half: int = 0


REGISTRY: dict[str, TemplateSpec] = {}


def template(
    source: str, category: Category, weight: float = 1.0, family: str | None = None
) -> Callable[[TemplateFn], TemplateFn]:
    """Register a draft factory under ``source``.

    Args:
        source: ``"<generator>/<template>"`` in lowercase snake case.
        category: The decision this template teaches.
        weight: Relative share of the category quota.
        family: The task family it belongs to (see :class:`TemplateSpec`); its own template name when ``None``.

    Returns:
        A decorator that registers the function and returns it unchanged.

    Raises:
        ValueError: If ``source`` is malformed or already registered.
    """

    def register(fn: TemplateFn) -> TemplateFn:
        if not _SOURCE_RE.match(source):
            raise ValueError(f"malformed template source {source!r}; expected '<generator>/<template>'")
        if source in REGISTRY:
            raise ValueError(f"template source {source!r} registered twice")
        name = source.split("/", 1)[1]
        REGISTRY[source] = TemplateSpec(source, category, fn, weight, family or name)
        return fn

    return register


def family_of(source: str) -> str:
    """The family of a registered template's source; a source the registry does not know is its own family."""
    spec = REGISTRY.get(source)
    return spec.family if spec else source.split("/", 1)[-1]


# A family's task, drawn once per sample: the values its phrasings fill in, and the tool call's payload.
FamilyTask = tuple[dict[str, Any], str]


def family_templates(
    source_prefix: str,
    family: str,
    category: Category,
    task: Callable[[random.Random], FamilyTask],
    phrasings: dict[str, Sequence[str]],
    to_draft: Callable[[random.Random, str, str], Draft],
    weight: float = 0.75,
) -> None:
    """Register one template per phrasing style of a task family; all draw their task from ``task``.

    The siblings share the task (its numbers, its parsed parameters and the call built from them) and differ only
    in how the user asks, so a held-out sibling is a new wording of a trained concept. Phrasing styles of one family
    must not share wording, or the split's near-duplicate grouping joins them into one group.

    Args:
        source_prefix: The generator name, e.g. ``"synth_calc"``.
        family: The family name; the templates are ``"<source_prefix>/<family>_<style>"``.
        category: Calculator or python.
        task: Draws the values and the payload (expression or code).
        phrasings: Style name -> ``str.format`` phrasings over the task's values.
        to_draft: Builds the draft from (rng, prompt, payload).
        weight: Share of the category quota per template.
    """
    for style_name, options in phrasings.items():
        option_list = list(options)

        def make(rng: random.Random, opts: list[str] = option_list) -> Draft:
            values, payload = task(rng)
            return to_draft(rng, pick(rng, opts, **values), payload)

        template(f"{source_prefix}/{family}_{style_name}", category, weight, family)(make)


def qa_templates(
    source_prefix: str,
    entries: dict[str, tuple[Sequence[str], str | Sequence[str]]],
    weight: float = 0.35,
) -> None:
    """Register one no-tool template per entry of hand-written question paraphrases and answers.

    Args:
        source_prefix: The generator name, e.g. ``"concept_science"``.
        entries: Template name -> (question paraphrases, answer or alternative answers).
        weight: Share of the no-tool quota per entry; small because each entry has few distinct prompts.
    """
    for name, (questions, answers) in entries.items():
        answer_list = [answers] if isinstance(answers, str) else list(answers)
        question_list = list(questions)

        def make(rng: random.Random, qs: list[str] = question_list, ans: list[str] = answer_list) -> Draft:
            return Draft(prompt=rng.choice(qs), answer=rng.choice(ans))

        template(f"{source_prefix}/{name}", NO_TOOL, weight)(make)


# --- phrasing helpers -------------------------------------------------------------------------------------------

# Openers and closers are shared by all categories so that none of them hints at the decision.
_OPENERS = (
    "",
    "",
    "",
    "",
    "",
    "",
    "Hey, ",
    "Hi! ",
    "Quick question: ",
    "Question: ",
    "Hello. ",
    "Hey there, ",
    "ok so ",
    "Um, ",
    "I was wondering: ",
    "Help me out: ",
    "yo ",
    "Excuse me, ",
)
_CLOSERS = ("", "", "", "", "", "", " Thanks!", " Thank you.", " Please.", " thx", " Cheers.", " :)", " ty")


def style(rng: random.Random, text: str, fragile: bool = False, casual: float = 0.25, noise: float = 0.1) -> str:
    """Vary the surface form of a prompt the way real users do.

    Adds an occasional opener or closer, and sometimes lowercases the text, drops its final punctuation or swaps
    two letters of one word (a typo). The build applies it to every category alike, so surface noise never
    correlates with the decision. Quoted or back-ticked spans are never changed.

    Args:
        rng: Random generator.
        text: A clean prompt.
        fragile: Case and spelling carry meaning: only add openers and closers.
        casual: Probability of an opener, and separately of a closer.
        noise: Probability of each lowercase / no-punctuation / typo change.

    Returns:
        The varied prompt.
    """
    out = text.strip()
    if rng.random() < casual:
        opener = rng.choice(_OPENERS)
        if opener and out[:1].isupper() and not out.startswith("I ") and not _starts_with_name(out):
            out = out[0].lower() + out[1:]
        out = opener + out
    if rng.random() < casual and out[-1:] in ".?!":
        out = out + rng.choice(_CLOSERS)
    if fragile:
        return out
    if rng.random() < noise:
        out = _outside_quotes(out, str.lower)
    if rng.random() < noise and out[-1:] in ".?":
        out = out[:-1]
    if rng.random() < noise * 0.6:
        out = _outside_quotes(out, lambda part: typo(rng, part))
    return out


# A quoted span: backticks, double quotes, or single quotes not used as an apostrophe ("what's").
_QUOTED_RE = re.compile(r"`[^`]*`|\"[^\"]*\"|(?<![A-Za-z])'[^']*'(?![A-Za-z])")


def _outside_quotes(text: str, change: Callable[[str], str]) -> str:
    parts: list[str] = []
    last = 0
    for m in _QUOTED_RE.finditer(text):
        parts.append(change(text[last : m.start()]))
        parts.append(m.group(0))
        last = m.end()
    parts.append(change(text[last:]))
    return "".join(parts)


def _starts_with_name(text: str) -> bool:
    # Proper nouns and code identifiers at the start must keep their case ("Paris ...", "Python ...").
    first = text.split(" ", 1)[0]
    return len(first) > 1 and (first[1:].lower() != first[1:] or first in _KEEP_CASE)


_KEEP_CASE = {"Python", "JavaScript", "SQL", "HTML", "CSS", "JSON", "Git", "Linux", "English", "French", "Spanish"}


def typo(rng: random.Random, text: str) -> str:
    """Swap two adjacent letters inside one purely alphabetic word of at least five letters.

    Digits, code and quoted material are never touched, so the meaning (and the tool arguments) stay valid.

    Args:
        rng: Random generator.
        text: The prompt.

    Returns:
        The prompt with at most one typo.
    """
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha() and w.islower()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def pick(rng: random.Random, options: Sequence[str], **values: object) -> str:
    """Choose one phrasing and fill its ``{placeholders}``.

    Args:
        rng: Random generator.
        options: Phrasings with ``str.format`` placeholders.
        **values: Values for the placeholders.

    Returns:
        The filled phrasing.
    """
    half = _HALF.get()
    split = half is not None and len(options) >= MIN_PHRASINGS_TO_SPLIT
    filled = rng.choice(options[half::2] if split else options).format(**values)
    if split:
        _SPLIT_PICKS.get().append(filled)
    return filled


# --- phrasing halves of single-template families -------------------------------------------------------------------

# While a half of a split template draws, ``pick`` keeps every other phrasing (0: even positions, 1: odd ones) of each
# list of at least MIN_PHRASINGS_TO_SPLIT, and records what it returned, so the probe can tell whether the prompt
# itself came from a split list.
MIN_PHRASINGS_TO_SPLIT = 2
_HALF: contextvars.ContextVar[int | None] = contextvars.ContextVar("phrasing_half", default=None)
_SPLIT_PICKS: contextvars.ContextVar[list[str]] = contextvars.ContextVar("split_picks")
_PROBE_DRAWS = 16


def _draw_half(fn: TemplateFn, half: int, rng: random.Random) -> tuple[Draft, list[str]]:
    half_token = _HALF.set(half)
    picks: list[str] = []
    picks_token = _SPLIT_PICKS.set(picks)
    try:
        return fn(rng), picks
    finally:
        _SPLIT_PICKS.reset(picks_token)
        _HALF.reset(half_token)


def _prompt_phrasing_splits(fn: TemplateFn, source: str) -> bool:
    """Whether every probe draw's prompt is mostly text from split phrasing lists (at least half its characters),
    so that the two halves ask in different words rather than differing in a suffix. Case is ignored: templates may
    lower-case a phrasing's first letter behind a prefix ("Use Python to deduplicate ...")."""
    rng = random.Random(f"probe/{source}")
    for i in range(_PROBE_DRAWS):
        draft, picks = _draw_half(fn, i % 2, rng)
        prompt = draft.prompt.lower()
        covered = sum(len(piece) for piece in {p.lower() for p in picks} if piece and piece in prompt)
        if 2 * covered < len(draft.prompt):
            return False
    return True


def split_phrasings(registry: dict[str, TemplateSpec] | None = None) -> list[str]:
    """Replace each template that is a family on its own by two halves that ask in different words.

    A family of one template has nothing left in training when the split holds that template out, so the model never
    sees the task (held-out single templates scored ~0% execution accuracy where families with siblings scored
    ~90%). Each half draws the same task with every other phrasing of the original's prompt lists, under the
    original's family and half its weight; the pair therefore stays one family of two differently worded templates.
    Templates whose prompts do not come from a list of at least MIN_PHRASINGS_TO_SPLIT phrasings (probed by drawing)
    stay whole, as do optional public datasets (``hub/``).

    Args:
        registry: The registry to rewrite in place; :data:`REGISTRY` when ``None``.

    Returns:
        The sources that were split, sorted.
    """
    registry = REGISTRY if registry is None else registry

    def family_key(spec: TemplateSpec) -> tuple[str, str]:
        return spec.source.split("/", 1)[0], spec.family

    members = Counter(family_key(spec) for spec in registry.values())
    split: list[str] = []
    for source, spec in sorted(registry.items()):
        if spec.half or source.startswith("hub/") or members[family_key(spec)] > 1:
            continue
        if not _prompt_phrasing_splits(spec.fn, source):
            continue
        del registry[source]
        for half in (1, 2):

            def draw(rng: random.Random, fn: TemplateFn = spec.fn, h: int = half - 1) -> Draft:
                return _draw_half(fn, h, rng)[0]

            name = f"{source}_h{half}"
            if name in registry:
                raise ValueError(f"template source {name!r} registered twice")
            registry[name] = TemplateSpec(name, spec.category, draw, spec.weight / 2, spec.family, half)
        split.append(source)
    return split


_SMALL_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]


def number_word(n: int) -> str:
    """English words for 0..20, digits beyond (users spell small numbers, rarely big ones)."""
    return _SMALL_WORDS[n] if 0 <= n < len(_SMALL_WORDS) else str(n)


def fmt_num(x: float, decimals: int = 2) -> str:
    """Format a number as a person would type it: no trailing zeros, no exponent.

    Args:
        x: The number.
        decimals: Maximum decimals kept.

    Returns:
        ``"12"``, ``"12.5"`` or ``"0.75"``.
    """
    if isinstance(x, int):
        return str(x)
    text = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def fmt_thousands(n: int, rng: random.Random) -> str:
    """Write an integer with or without thousands separators, as users mix both."""
    return f"{n:,}" if n >= 1000 and rng.random() < 0.5 else str(n)


def money(rng: random.Random, amount: float, currency: str | None = None) -> str:
    """Write an amount of money with a randomly chosen currency style.

    Args:
        rng: Random generator.
        amount: The amount.
        currency: Force ``"$"``, ``"€"`` or ``"£"``; random otherwise.

    Returns:
        ``"$12.50"``, ``"€12.50"``, ``"12.50 dollars"`` or similar.
    """
    cur = currency or rng.choice(("$", "$", "$", "€", "£"))
    if float(amount).is_integer():
        num = f"{int(amount):,}" if amount >= 10000 else str(int(amount))
    else:
        num = f"{amount:,.2f}" if amount >= 10000 else f"{amount:.2f}"
    if rng.random() < 0.15:
        word = {"$": "dollars", "€": "euros", "£": "pounds"}[cur]
        return f"{num} {word}"
    return f"{cur}{num}"


def rand_price(rng: random.Random, low: float = 1.0, high: float = 200.0) -> float:
    """A realistic price: whole, .99, .50 or any cents."""
    base = rng.uniform(low, high)
    kind = rng.random()
    if kind < 0.35:
        return float(round(base))
    if kind < 0.6:
        return float(int(base)) + 0.99
    if kind < 0.75:
        return float(int(base)) + 0.5
    return round(base, 2)


def ordinal(n: int) -> str:
    """``1 -> "1st"``, ``22 -> "22nd"``, ``13 -> "13th"``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
