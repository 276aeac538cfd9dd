"""Python templates: tasks whose answer needs code to be run (text processing, dates, number theory, hashing...).

Each snippet is short, idiomatic, standard-library-only Python that prints the answer. The build runs every
snippet in the project's sandbox; the printed output becomes ``expected_answer`` and a failing snippet aborts the
build (it is a generator bug, never data).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sft.datagen.core import PYTHON, Draft, pick, template
from sft.datagen.vocab import (
    ANAGRAM_PAIRS,
    CITIES,
    COLORS,
    DOMAINS,
    FIRST_NAMES,
    FRUITS,
    PALINDROMES,
    PHRASE_PALINDROMES,
    SENTENCES,
    WORDS,
)

G = "synth_py"

# Phrases that ask for a result by running code. Used sparingly: most prompts never mention Python at all, so the
# model must learn that the *task* needs execution, not that the word "Python" does.
_RUN_PREFIXES = ("Use Python to ", "Using code, ", "Run a quick script to ", "With Python, ", "Write and run code to ")


def _py(rng: random.Random, prompt: str, code: str) -> Draft:
    if (
        rng.random() < 0.12
        and prompt[:1].isupper()
        and not prompt.startswith(("What", "How", "Is", "Does", "Which", "Are", "Can", "I ", "My ", "Here"))
    ):
        prompt = rng.choice(_RUN_PREFIXES) + prompt[0].lower() + prompt[1:]
    return Draft(prompt=prompt, code=code, fragile=True)


def _word(rng: random.Random) -> str:
    return rng.choice(WORDS)


def _text(rng: random.Random) -> str:
    return rng.choice(SENTENCES)


def _nums(rng: random.Random, n_min: int = 5, n_max: int = 10, low: int = -20, high: int = 100) -> list[int]:
    return [rng.randint(low, high) for _ in range(rng.randint(n_min, n_max))]


def _rand_date(rng: random.Random, start: int = 1950, end: int = 2035) -> date:
    return date(start, 1, 1) + timedelta(days=rng.randint(0, (end - start) * 365))


def _date_text(rng: random.Random, d: date) -> str:
    style = rng.randrange(4)
    if style == 0:
        return d.isoformat()
    if style == 1:
        return f"{d:%B} {d.day}, {d.year}"
    if style == 2:
        return f"{d.day} {d:%B} {d.year}"
    return f"{d:%b} {d.day} {d.year}"


# --- strings -----------------------------------------------------------------------------------------------------


@template(f"{G}/reverse_string", PYTHON)
def reverse_string(rng: random.Random) -> Draft:
    s = _word(rng) if rng.random() < 0.6 else _text(rng)
    if " " not in s and rng.random() < 0.4:
        prompt = pick(rng, ("Reverse the word {s}.", "what is {s} spelled backwards", "Write {s} backwards."), s=s)
        return _py(rng, prompt, f"print({s!r}[::-1])")
    prompt = pick(
        rng,
        (
            "Reverse the string '{s}'.",
            "What is '{s}' backwards?",
            'Spell "{s}" in reverse.',
            'reverse this text: "{s}"',
            "Can you flip '{s}' so it reads backwards?",
        ),
        s=s,
    )
    return _py(rng, prompt, f"print({s!r}[::-1])")


@template(f"{G}/count_vowels", PYTHON, family="vowels")
def count_vowels(rng: random.Random) -> Draft:
    s = _word(rng) if rng.random() < 0.4 else _text(rng)
    if " " not in s and rng.random() < 0.5:
        prompt = pick(rng, ("How many vowels does the word {s} have?", "count the vowels in {s}"), s=s)
        return _py(rng, prompt, f"print(sum(c in 'aeiou' for c in {s!r}.lower()))")
    prompt = pick(
        rng,
        (
            "How many vowels are in '{s}'?",
            'Count the vowels in "{s}".',
            "number of vowels in '{s}'?",
            'Tell me how many a/e/i/o/u letters "{s}" has.',
        ),
        s=s,
    )
    return _py(rng, prompt, f"print(sum(c in 'aeiou' for c in {s!r}.lower()))")


@template(f"{G}/count_letter", PYTHON)
def count_letter(rng: random.Random) -> Draft:
    s = _word(rng) if rng.random() < 0.5 else _text(rng)
    letter = rng.choice(sorted(set(s.lower().replace(" ", ""))))
    prompt = pick(
        rng,
        (
            "How many times does the letter '{c}' appear in '{s}'?",
            "Count the '{c}'s in \"{s}\".",
            "how many {c}'s are in the word '{s}'",
            "Number of occurrences of '{c}' in \"{s}\" (ignore case)?",
        ),
        c=letter,
        s=s,
    )
    return _py(rng, prompt, f"print({s!r}.lower().count({letter!r}))")


@template(f"{G}/word_count", PYTHON)
def word_count(rng: random.Random) -> Draft:
    s = " ".join(rng.sample(SENTENCES, rng.randint(1, 3)))
    prompt = pick(
        rng, ('How many words are in this text: "{s}"?', 'Count the words: "{s}"', "word count of '{s}'?"), s=s
    )
    return _py(rng, prompt, f"print(len({s!r}.split()))")


@template(f"{G}/string_length", PYTHON)
def string_length(rng: random.Random) -> Draft:
    s = _text(rng) if rng.random() < 0.6 else _word(rng)
    if " " not in s and rng.random() < 0.5:
        prompt = pick(
            rng, ("How many letters are in the word {s}?", "How long is the word {s}?", "count the letters in {s}"), s=s
        )
        return _py(rng, prompt, f"print(len({s!r}))")
    if rng.random() < 0.5:
        prompt = pick(
            rng,
            (
                'How many characters are in "{s}", spaces included?',
                "What's the length of the string '{s}'?",
                'len of "{s}"?',
            ),
            s=s,
        )
        return _py(rng, prompt, f"print(len({s!r}))")
    prompt = pick(
        rng, ('How many letters are in "{s}", not counting spaces?', "Count the non-space characters in '{s}'."), s=s
    )
    return _py(rng, prompt, f"print(len({s!r}.replace(' ', '')))")


@template(f"{G}/palindrome", PYTHON)
def palindrome(rng: random.Random) -> Draft:
    roll = rng.random()
    if roll < 0.35:
        s = rng.choice(PALINDROMES)
    elif roll < 0.55:
        s = rng.choice(PHRASE_PALINDROMES)
    else:
        s = rng.choice(WORDS + SENTENCES[:5])
    if " " not in s and rng.random() < 0.4:
        prompt = pick(rng, ("Is {s} a palindrome?", "is the word {s} a palindrome"), s=s)
        return _py(rng, prompt, f"s = {s!r}.lower()\nprint(s == s[::-1])")
    prompt = pick(
        rng,
        (
            "Is '{s}' a palindrome?",
            'Check whether "{s}" is a palindrome (ignore case, spaces and punctuation).',
            'does "{s}" read the same forwards and backwards?',
            "Palindrome check: '{s}'",
        ),
        s=s,
    )
    code = f"s = ''.join(c for c in {s!r}.lower() if c.isalnum())\nprint(s == s[::-1])"
    return _py(rng, prompt, code)


@template(f"{G}/anagram", PYTHON)
def anagram(rng: random.Random) -> Draft:
    if rng.random() < 0.5:
        a, b = rng.choice(ANAGRAM_PAIRS)
    else:
        a, b = rng.sample(WORDS, 2)
    prompt = pick(
        rng,
        (
            "Are '{a}' and '{b}' anagrams?",
            'Is "{a}" an anagram of "{b}"?',
            "check if {a} and {b} are anagrams of each other",
        ),
        a=a,
        b=b,
    )
    return _py(rng, prompt, f"print(sorted({a!r}) == sorted({b!r}))")


@template(f"{G}/case_conversion", PYTHON)
def case_conversion(rng: random.Random) -> Draft:
    s = _text(rng)
    method, words = rng.choice(
        (("upper", "uppercase"), ("lower", "lowercase"), ("title", "title case"), ("swapcase", "swapped case"))
    )
    prompt = pick(rng, ('Convert "{s}" to {w}.', "Give me '{s}' in {w}.", 'turn "{s}" into {w}'), s=s, w=words)
    return _py(rng, prompt, f"print({s!r}.{method}())")


@template(f"{G}/identifier_case", PYTHON)
def identifier_case(rng: random.Random) -> Draft:
    parts = rng.sample(
        ("user", "total", "max", "count", "item", "price", "order", "file", "name", "last", "login", "id", "date"),
        rng.randint(2, 4),
    )
    snake = "_".join(parts)
    if rng.random() < 0.5:
        prompt = pick(
            rng,
            (
                "Convert the snake_case name '{s}' to camelCase.",
                "What is {s} in camelCase?",
                "Rewrite the identifier {s} in camelCase.",
                "camelCase version of '{s}'?",
                "Change '{s}' from snake case to camel case.",
                "Turn the variable name {s} into lowerCamelCase.",
            ),
            s=snake,
        )
        code = f"first, *rest = {snake!r}.split('_')\nprint(first + ''.join(w.title() for w in rest))"
        return _py(rng, prompt, code)
    camel = parts[0] + "".join(p.title() for p in parts[1:])
    prompt = pick(
        rng,
        (
            "Convert the camelCase name '{c}' to snake_case.",
            "What is {c} in snake_case?",
            "Rewrite the identifier {c} in snake_case.",
            "snake_case version of '{c}'?",
            "Change '{c}' from camel case to snake case.",
            "Turn the variable name {c} into lower_snake_case.",
        ),
        c=camel,
    )
    code = f"import re\nprint(re.sub(r'(?<!^)(?=[A-Z])', '_', {camel!r}).lower())"
    return _py(rng, prompt, code)


@template(f"{G}/reverse_words", PYTHON)
def reverse_words(rng: random.Random) -> Draft:
    s = _text(rng)
    prompt = pick(
        rng,
        (
            'Reverse the order of the words in "{s}".',
            "Write '{s}' with its words in reverse order.",
            'flip the word order: "{s}"',
        ),
        s=s,
    )
    return _py(rng, prompt, f"print(' '.join(reversed({s!r}.split())))")


@template(f"{G}/longest_word", PYTHON)
def longest_word(rng: random.Random) -> Draft:
    s = _text(rng)
    if rng.random() < 0.6:
        prompt = pick(rng, ('What\'s the longest word in "{s}"?', "Find the longest word in '{s}'."), s=s)
        return _py(rng, prompt, f"print(max({s!r}.split(), key=len))")
    prompt = pick(rng, ('What\'s the shortest word in "{s}"?', "Which word in '{s}' is shortest?"), s=s)
    return _py(rng, prompt, f"print(min({s!r}.split(), key=len))")


@template(f"{G}/most_common_letter", PYTHON)
def most_common_letter(rng: random.Random) -> Draft:
    s = _text(rng)
    prompt = pick(
        rng,
        (
            'Which letter appears most often in "{s}"?',
            "most frequent character (letters only) in '{s}'?",
            "What's the most common letter in '{s}' and how many times does it appear?",
        ),
        s=s,
    )
    code = (
        f"from collections import Counter\nletter, n = Counter(c for c in {s!r}.lower() if "
        f"c.isalpha()).most_common(1)[0]\nprint(letter, n)"
    )
    return _py(rng, prompt, code)


@template(f"{G}/letter_frequency", PYTHON)
def letter_frequency(rng: random.Random) -> Draft:
    s = _word(rng)
    prompt = pick(
        rng,
        ("Count how often each letter appears in '{s}'.", 'Letter frequencies for "{s}"?', "character counts of {s}"),
        s=s,
    )
    code = f"from collections import Counter\nfor ch, n in sorted(Counter({s!r}).items()):\n    print(ch, n)"
    return _py(rng, prompt, code)


@template(f"{G}/word_frequency", PYTHON)
def word_frequency(rng: random.Random) -> Draft:
    words = [rng.choice(("cat", "dog", "bird", "fish", "the", "a", "red", "blue")) for _ in range(rng.randint(8, 16))]
    s = " ".join(words)
    prompt = pick(
        rng,
        ('Count each word in: "{s}"', "Word frequencies in '{s}'?", 'How many times does each word occur in "{s}"?'),
        s=s,
    )
    code = f"from collections import Counter\nfor word, n in Counter({s!r}.split()).most_common():\n    print(word, n)"
    return _py(rng, prompt, code)


@template(f"{G}/remove_vowels", PYTHON)
def remove_vowels(rng: random.Random) -> Draft:
    s = _text(rng)
    prompt = pick(
        rng, ('Remove all vowels from "{s}".', "Strip the vowels out of '{s}'.", "what is '{s}' without vowels"), s=s
    )
    return _py(rng, prompt, f"print(''.join(c for c in {s!r} if c.lower() not in 'aeiou'))")


@template(f"{G}/unique_characters", PYTHON)
def unique_characters(rng: random.Random) -> Draft:
    s = _word(rng)
    if rng.random() < 0.5:
        prompt = pick(rng, ("How many distinct letters are in '{s}'?", 'Number of unique characters in "{s}"?'), s=s)
        return _py(rng, prompt, f"print(len(set({s!r})))")
    prompt = pick(
        rng,
        (
            "Remove duplicate letters from '{s}', keeping the first occurrence.",
            'Deduplicate the characters of "{s}" in order.',
        ),
        s=s,
    )
    return _py(rng, prompt, f"print(''.join(dict.fromkeys({s!r})))")


@template(f"{G}/acronym", PYTHON)
def acronym(rng: random.Random) -> Draft:
    s = rng.choice(
        (
            *SENTENCES[:6],
            "portable network graphics",
            "as soon as possible",
            "frequently asked questions",
            "central processing unit",
            "graphical user interface",
            "random access memory",
            "application programming interface",
            "domain name system",
            "search engine optimization",
            "structured query language",
        )
    )
    prompt = pick(
        rng,
        (
            'Make an acronym from "{s}".',
            "What are the initials of '{s}' in capitals?",
            "acronym for {s}",
            "Take the first letter of every word in '{s}' and uppercase them.",
            'Turn "{s}" into an acronym.',
            "Abbreviate '{s}' to the capitalised first letter of each word.",
            "Build the acronym of the phrase: {s}",
            'Join the uppercase initials of the words in "{s}".',
        ),
        s=s,
    )
    return _py(rng, prompt, f"print(''.join(w[0].upper() for w in {s!r}.split()))")


@template(f"{G}/sort_letters", PYTHON)
def sort_letters(rng: random.Random) -> Draft:
    s = _word(rng)
    prompt = pick(
        rng,
        (
            "Sort the letters of '{s}' alphabetically.",
            'Put the characters of "{s}" in alphabetical order.',
            "alphabetize the letters in {s}",
        ),
        s=s,
    )
    return _py(rng, prompt, f"print(''.join(sorted({s!r})))")


@template(f"{G}/replace_text", PYTHON)
def replace_text(rng: random.Random) -> Draft:
    s = _text(rng)
    old = rng.choice(s.split())
    new = rng.choice(("banana", "robot", "Tuesday", "pizza", "dragon"))
    prompt = pick(
        rng, ("Replace every '{o}' with '{n}' in \"{s}\".", "In '{s}', swap the word {o} for {n}."), o=old, n=new, s=s
    )
    return _py(rng, prompt, f"print({s!r}.replace({old!r}, {new!r}))")


@template(f"{G}/caesar_cipher", PYTHON)
def caesar_cipher(rng: random.Random) -> Draft:
    s, k = rng.choice(SENTENCES + tuple(WORDS[:20])), rng.randint(1, 25)
    if rng.random() < 0.6:
        prompt = pick(
            rng,
            (
                'Encrypt "{s}" with a Caesar cipher, shift {k}.',
                "Caesar-shift '{s}' by {k}.",
                "apply caesar cipher with key {k} to '{s}'",
            ),
            s=s,
            k=k,
        )
        shift = k
    else:
        prompt = pick(
            rng,
            ("Decode this Caesar cipher text shifted by {k}: '{s}'.", 'Shift the letters of "{s}" back by {k}.'),
            s=s,
            k=k,
        )
        shift = -k
    code = (
        "def shift(c, k):\n"
        "    if not c.isalpha():\n"
        "        return c\n"
        "    base = ord('A') if c.isupper() else ord('a')\n"
        "    return chr((ord(c) - base + k) % 26 + base)\n"
        f"print(''.join(shift(c, {shift}) for c in {s!r}))"
    )
    return _py(rng, prompt, code)


@template(f"{G}/rot13", PYTHON)
def rot13(rng: random.Random) -> Draft:
    s = _text(rng)
    prompt = pick(rng, ('Apply ROT13 to "{s}".', "What's the rot13 of '{s}'?", "rot13 encode: {s}"), s=s)
    return _py(rng, prompt, f"import codecs\nprint(codecs.encode({s!r}, 'rot13'))")


@template(f"{G}/run_length_encoding", PYTHON)
def run_length_encoding(rng: random.Random) -> Draft:
    s = "".join(rng.choice("ABC") * rng.randint(1, 5) for _ in range(rng.randint(3, 7)))
    prompt = pick(
        rng, ("Run-length encode '{s}'.", 'Compress "{s}" with run-length encoding (like A3B2).', "RLE of {s}?"), s=s
    )
    code = f"from itertools import groupby\nprint(''.join(f'{{ch}}{{len(list(g))}}' for ch, g in groupby({s!r})))"
    return _py(rng, prompt, code)


@template(f"{G}/ascii_codes", PYTHON)
def ascii_codes(rng: random.Random) -> Draft:
    s = _word(rng)[: rng.randint(3, 8)]
    if rng.random() < 0.6:
        prompt = pick(
            rng,
            (
                "What are the ASCII codes of the letters in '{s}'?",
                'Give the character codes for "{s}".',
                "ord() values of each char in {s}",
            ),
            s=s,
        )
        return _py(rng, prompt, f"print([ord(c) for c in {s!r}])")
    codes = [ord(c) for c in s]
    prompt = pick(rng, ("Which word do the ASCII codes {c} spell?", "Decode these character codes: {c}"), c=codes)
    return _py(rng, prompt, f"print(''.join(chr(n) for n in {codes!r}))")


@template(f"{G}/pangram", PYTHON)
def pangram(rng: random.Random) -> Draft:
    s = rng.choice((*SENTENCES, "Pack my box with five dozen liquor jugs", "Sphinx of black quartz, judge my vow"))
    prompt = pick(rng, ('Is "{s}" a pangram?', "Does '{s}' use every letter of the alphabet?"), s=s)
    return _py(rng, prompt, f"import string\nprint(set(string.ascii_lowercase) <= set({s!r}.lower()))")


@template(f"{G}/common_prefix", PYTHON)
def common_prefix(rng: random.Random) -> Draft:
    stem = rng.choice(("inter", "pre", "trans", "flow", "data", "micro", "over", "under"))
    words = [
        stem + rng.choice(("national", "view", "mission", "er", "base", "scope", "state", "ing", "lap", "line"))
        for _ in range(rng.randint(3, 5))
    ]
    if rng.random() < 0.3:
        words.append(rng.choice(WORDS))
    prompt = pick(
        rng, ("What is the longest common prefix of {w}?", "Find the common prefix shared by {w}."), w=", ".join(words)
    )
    return _py(rng, prompt, f"import os\nprint(repr(os.path.commonprefix({words!r})))")


@template(f"{G}/balanced_brackets", PYTHON)
def balanced_brackets(rng: random.Random) -> Draft:
    s = (
        "".join(rng.choice("()[]{}") for _ in range(rng.randint(4, 12)))
        if rng.random() < 0.5
        else rng.choice(("(a[b]{c})", "{[()()]}", "((())", "([)]", "{[]}()", "(()[]{})"))
    )
    prompt = pick(
        rng,
        (
            "Are the brackets in '{s}' balanced?",
            'Check if "{s}" has matching parentheses.',
            "balanced brackets? {s}",
            "Is every bracket in {s} closed in the right order?",
            "Does the string '{s}' have properly nested (), [] and {{}}?",
            "Validate the bracket sequence {s}: balanced or not?",
        ),
        s=s,
    )
    code = (
        "pairs = {')': '(', ']': '[', '}': '{'}\n"
        "stack = []\n"
        "ok = True\n"
        f"for c in {s!r}:\n"
        "    if c in '([{':\n"
        "        stack.append(c)\n"
        "    elif c in pairs:\n"
        "        if not stack or stack.pop() != pairs[c]:\n"
        "            ok = False\n"
        "            break\n"
        "print(ok and not stack)"
    )
    return _py(rng, prompt, code)


@template(f"{G}/edit_distance", PYTHON)
def edit_distance(rng: random.Random) -> Draft:
    a, b = (
        rng.sample(WORDS, 2)
        if rng.random() < 0.5
        else rng.choice(
            (("kitten", "sitting"), ("flaw", "lawn"), ("sunday", "saturday"), ("book", "back"), ("color", "colour"))
        )
    )
    prompt = pick(
        rng,
        ("What is the Levenshtein distance between '{a}' and '{b}'?", 'edit distance from "{a}" to "{b}"?'),
        a=a,
        b=b,
    )
    code = (
        f"a, b = {a!r}, {b!r}\n"
        "prev = list(range(len(b) + 1))\n"
        "for i, ca in enumerate(a, 1):\n"
        "    cur = [i]\n"
        "    for j, cb in enumerate(b, 1):\n"
        "        cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))\n"
        "    prev = cur\n"
        "print(prev[-1])"
    )
    return _py(rng, prompt, code)


@template(f"{G}/count_substring", PYTHON)
def count_substring(rng: random.Random) -> Draft:
    s = rng.choice(
        ("banana", "mississippi", "abababab", "aaaaaa", "the cat sat on the mat with the hat", "hello hello hello")
    )
    sub = rng.choice([x for x in ("an", "ss", "aba", "aa", "at", "the", "ll", "issi", "lo h") if x in s])
    prompt = pick(
        rng,
        ("How many times does '{t}' occur in '{s}' (non-overlapping)?", 'Count occurrences of "{t}" in "{s}".'),
        t=sub,
        s=s,
    )
    return _py(rng, prompt, f"print({s!r}.count({sub!r}))")


@template(f"{G}/text_wrap", PYTHON)
def text_wrap(rng: random.Random) -> Draft:
    s, width = " ".join(rng.sample(SENTENCES, 2)), rng.choice((15, 20, 25, 30))
    prompt = pick(
        rng, ('Wrap this text to {w} characters per line: "{s}"', "Word-wrap '{s}' at width {w}."), w=width, s=s
    )
    return _py(rng, prompt, f"import textwrap\nprint(textwrap.fill({s!r}, width={width}))")


@template(f"{G}/vowel_heavy_word", PYTHON)
def vowel_heavy_word(rng: random.Random) -> Draft:
    words = rng.sample(WORDS, rng.randint(4, 7))
    prompt = pick(
        rng,
        ("Which of these words has the most vowels: {w}?", "Find the word with the most vowels among {w}."),
        w=", ".join(words),
    )
    code = f"words = {words!r}\nprint(max(words, key=lambda w: sum(c in 'aeiou' for c in w)))"
    return _py(rng, prompt, code)


# --- lists and collections -------------------------------------------------------------------------------------


@template(f"{G}/sort_numbers", PYTHON)
def sort_numbers(rng: random.Random) -> Draft:
    nums = _nums(rng, 5, 12, -50, 500)
    desc = rng.random() < 0.4
    prompt = pick(
        rng,
        ("Sort these numbers {o}: {l}", "Put {l} in {o} order.", "sort {l} {o}", "Can you order this list {o}? {l}"),
        l=", ".join(map(str, nums)),
        o="from largest to smallest" if desc else "in ascending order",
    )
    if "in ascending order order" in prompt or "from largest to smallest order" in prompt:
        prompt = (
            f"Sort these numbers {'from largest to smallest' if desc else 'in ascending order'}: "
            f"{', '.join(map(str, nums))}"
        )
    return _py(rng, prompt, f"print(sorted({nums!r}{', reverse=True' if desc else ''}))")


@template(f"{G}/sort_words", PYTHON)
def sort_words(rng: random.Random) -> Draft:
    words = rng.sample(WORDS + FRUITS, rng.randint(4, 9))
    if rng.random() < 0.6:
        prompt = pick(
            rng,
            ("Sort these words alphabetically: {w}", "Alphabetize: {w}", "put {w} in alphabetical order"),
            w=", ".join(words),
        )
        return _py(rng, prompt, f"print(sorted({words!r}))")
    prompt = pick(
        rng, ("Sort these words by length, shortest first: {w}", "Order {w} by number of letters."), w=", ".join(words)
    )
    return _py(rng, prompt, f"print(sorted({words!r}, key=len))")


@template(f"{G}/dedupe_list", PYTHON)
def dedupe_list(rng: random.Random) -> Draft:
    base = _nums(rng, 4, 7, 1, 30)
    items = [rng.choice(base) for _ in range(rng.randint(7, 14))]
    prompt = pick(
        rng,
        (
            "Remove duplicates from {l}, keeping the original order.",
            "Deduplicate this list: {l}",
            "unique values of {l} in order of first appearance?",
        ),
        l=items,
    )
    return _py(rng, prompt, f"print(list(dict.fromkeys({items!r})))")


@template(f"{G}/median", PYTHON, family="median_of")
def median(rng: random.Random) -> Draft:
    nums = _nums(rng, 5, 12, 1, 300)
    prompt = pick(
        rng,
        ("What's the median of {l}?", "Find the median: {l}", "median of these values {l}"),
        l=", ".join(map(str, nums)),
    )
    return _py(rng, prompt, f"import statistics\nprint(statistics.median({nums!r}))")


@template(f"{G}/mode", PYTHON)
def mode(rng: random.Random) -> Draft:
    base = _nums(rng, 3, 5, 1, 20)
    nums = [rng.choice(base) for _ in range(rng.randint(8, 14))]
    prompt = pick(
        rng,
        ("What's the mode of {l}?", "Which value occurs most often in {l}?", "most common number in {l}"),
        l=", ".join(map(str, nums)),
    )
    return _py(rng, prompt, f"import statistics\nprint(statistics.multimode({nums!r}))")


@template(f"{G}/std_dev", PYTHON)
def std_dev(rng: random.Random) -> Draft:
    nums = _nums(rng, 5, 10, 1, 100)
    if rng.random() < 0.5:
        prompt = pick(
            rng,
            ("What's the standard deviation of {l}?", "Sample standard deviation of {l}?"),
            l=", ".join(map(str, nums)),
        )
        return _py(rng, prompt, f"import statistics\nprint(round(statistics.stdev({nums!r}), 4))")
    prompt = pick(
        rng, ("What's the population variance of {l}?", "Variance (population) of {l}?"), l=", ".join(map(str, nums))
    )
    return _py(rng, prompt, f"import statistics\nprint(round(statistics.pvariance({nums!r}), 4))")


@template(f"{G}/second_largest", PYTHON)
def second_largest(rng: random.Random) -> Draft:
    nums = _nums(rng, 5, 10, 1, 200)
    prompt = pick(
        rng, ("What's the second largest distinct number in {l}?", "Find the runner-up value in {l}."), l=nums
    )
    return _py(rng, prompt, f"print(sorted(set({nums!r}))[-2])")


@template(f"{G}/filter_numbers", PYTHON)
def filter_numbers(rng: random.Random) -> Draft:
    nums = _nums(rng, 6, 14, -30, 120)
    kind = rng.randrange(3)
    if kind == 0:
        prompt = pick(rng, ("Keep only the even numbers from {l}.", "Which numbers in {l} are even?"), l=nums)
        return _py(rng, prompt, f"print([n for n in {nums!r} if n % 2 == 0])")
    if kind == 1:
        t = rng.randint(0, 80)
        prompt = pick(
            rng, ("Which values in {l} are greater than {t}?", "Filter {l} to numbers above {t}."), l=nums, t=t
        )
        return _py(rng, prompt, f"print([n for n in {nums!r} if n > {t}])")
    prompt = pick(rng, ("How many negative numbers are in {l}?", "Count the values below zero in {l}."), l=nums)
    return _py(rng, prompt, f"print(sum(n < 0 for n in {nums!r}))")


@template(f"{G}/cumulative_sum", PYTHON)
def cumulative_sum(rng: random.Random) -> Draft:
    nums = _nums(rng, 4, 9, 1, 50)
    prompt = pick(rng, ("Give the running total of {l}.", "Cumulative sums of {l}?", "prefix sums for {l}"), l=nums)
    return _py(rng, prompt, f"from itertools import accumulate\nprint(list(accumulate({nums!r})))")


@template(f"{G}/flatten_list", PYTHON)
def flatten_list(rng: random.Random) -> Draft:
    nested = [[rng.randint(0, 9) for _ in range(rng.randint(1, 4))] for _ in range(rng.randint(2, 5))]
    prompt = pick(rng, ("Flatten {l}.", "Turn {l} into a single flat list.", "flatten this nested list: {l}"), l=nested)
    return _py(rng, prompt, f"print([x for sub in {nested!r} for x in sub])")


@template(f"{G}/chunk_list", PYTHON)
def chunk_list(rng: random.Random) -> Draft:
    items, size = list(range(1, rng.randint(7, 16))), rng.randint(2, 5)
    prompt = pick(rng, ("Split {l} into chunks of {n}.", "Group {l} into batches of size {n}."), l=items, n=size)
    return _py(rng, prompt, f"items = {items!r}\nprint([items[i:i + {size}] for i in range(0, len(items), {size})])")


@template(f"{G}/set_operations", PYTHON)
def set_operations(rng: random.Random) -> Draft:
    a, b = sorted(rng.sample(range(1, 25), rng.randint(4, 8))), sorted(rng.sample(range(1, 25), rng.randint(4, 8)))
    op, words = rng.choice(
        (("&", "are in both"), ("|", "are in either (the union of)"), ("-", "are in the first but not the second of"))
    )
    prompt = pick(
        rng,
        ("Which numbers {w} {a} and {b}?", "Given lists {a} and {b}, which elements {w} them? Sort the result."),
        w=words,
        a=a,
        b=b,
    )
    return _py(rng, prompt, f"print(sorted(set({a!r}) {op} set({b!r})))")


@template(f"{G}/rotate_list", PYTHON)
def rotate_list(rng: random.Random) -> Draft:
    items, k = _nums(rng, 5, 8, 1, 9), rng.randint(1, 4)
    direction = rng.choice(("left", "right"))
    prompt = pick(
        rng,
        ("Rotate {l} to the {d} by {k}.", "Shift the list {l} {k} places {d}, wrapping around."),
        l=items,
        d=direction,
        k=k,
    )
    shift = k if direction == "left" else -k
    return _py(rng, prompt, f"items = {items!r}\nk = {shift} % len(items)\nprint(items[k:] + items[:k])")


@template(f"{G}/zip_to_dict", PYTHON)
def zip_to_dict(rng: random.Random) -> Draft:
    names = rng.sample(FIRST_NAMES, rng.randint(3, 5))
    ages = [rng.randint(18, 80) for _ in names]
    prompt = pick(
        rng, ("Combine {n} and {a} into a dictionary.", "Zip names {n} with ages {a} into a dict."), n=names, a=ages
    )
    return _py(rng, prompt, f"print(dict(zip({names!r}, {ages!r})))")


@template(f"{G}/sort_dict_by_value", PYTHON)
def sort_dict_by_value(rng: random.Random) -> Draft:
    d = {name: rng.randint(40, 100) for name in rng.sample(FIRST_NAMES, rng.randint(3, 6))}
    desc = rng.random() < 0.6
    prompt = pick(
        rng,
        ("Sort this dictionary by value {o}: {d}", "Rank these scores {o}: {d}", "order {d} by value, {o}"),
        d=d,
        o="highest first" if desc else "lowest first",
    )
    return _py(rng, prompt, f"scores = {d!r}\nprint(sorted(scores.items(), key=lambda kv: kv[1], reverse={desc}))")


@template(f"{G}/merge_counts", PYTHON)
def merge_counts(rng: random.Random) -> Draft:
    a = {f: rng.randint(1, 9) for f in rng.sample(FRUITS, 3)}
    b = {f: rng.randint(1, 9) for f in rng.sample(FRUITS, 3)}
    prompt = pick(
        rng,
        (
            "Merge the inventories {a} and {b}, adding counts for shared items.",
            "Add up these two stock dicts: {a} and {b}",
        ),
        a=a,
        b=b,
    )
    return _py(
        rng, prompt, f"from collections import Counter\nprint(dict(sorted((Counter({a!r}) + Counter({b!r})).items())))"
    )


@template(f"{G}/group_by_letter", PYTHON)
def group_by_letter(rng: random.Random) -> Draft:
    words = rng.sample(WORDS + FRUITS, rng.randint(5, 9))
    prompt = pick(
        rng, ("Group these words by first letter: {w}", "Bucket {w} by their initial letter."), w=", ".join(words)
    )
    code = f"groups = {{}}\nfor w in sorted({words!r}):\n    groups.setdefault(w[0], []).append(w)\nprint(groups)"
    return _py(rng, prompt, code)


@template(f"{G}/index_of_extreme", PYTHON)
def index_of_extreme(rng: random.Random) -> Draft:
    nums = _nums(rng, 5, 10, -40, 150)
    which = rng.choice(("largest", "smallest"))
    prompt = pick(
        rng,
        ("At what index (0-based) is the {w} value in {l}?", "Position of the {w} number in {l}, counting from 0?"),
        w=which,
        l=nums,
    )
    fn = "max" if which == "largest" else "min"
    return _py(rng, prompt, f"nums = {nums!r}\nprint(nums.index({fn}(nums)))")


@template(f"{G}/sort_records", PYTHON)
def sort_records(rng: random.Random) -> Draft:
    rows = [(name, rng.randint(18, 70), rng.choice(CITIES)) for name in rng.sample(FIRST_NAMES, rng.randint(3, 5))]
    prompt = pick(
        rng,
        (
            "Sort these (name, age, city) records by age, then name: {r}",
            "Order the people {r} from youngest to oldest.",
        ),
        r=rows,
    )
    return _py(rng, prompt, f"rows = {rows!r}\nfor row in sorted(rows, key=lambda r: (r[1], r[0])):\n    print(row)")


@template(f"{G}/matrix_ops", PYTHON)
def matrix_ops(rng: random.Random) -> Draft:
    n = rng.randint(2, 3)
    a = [[rng.randint(-5, 9) for _ in range(n)] for _ in range(n)]
    b = [[rng.randint(-5, 9) for _ in range(n)] for _ in range(n)]
    kind = rng.randrange(3)
    if kind == 0:
        prompt = pick(rng, ("Multiply the matrices {a} and {b}.", "What's the matrix product {a} x {b}?"), a=a, b=b)
        return _py(
            rng,
            prompt,
            f"a, b = {a!r}, {b!r}\nprint([[sum(x * y for x, y in zip(row, col)) for col in zip(*b)] for row in a])",
        )
    if kind == 1:
        prompt = pick(rng, ("Transpose the matrix {a}.", "What's the transpose of {a}?"), a=a)
        return _py(rng, prompt, f"print([list(row) for row in zip(*{a!r})])")
    prompt = pick(rng, ("What's the determinant of {a}?", "Compute det({a})."), a=a)
    code = (
        "def det(m):\n"
        "    if len(m) == 2:\n"
        "        return m[0][0] * m[1][1] - m[0][1] * m[1][0]\n"
        "    return sum((-1) ** j * m[0][j] * det([row[:j] + row[j + 1:] for row in m[1:]]) for j in range(len(m)))\n"
        f"print(det({a!r}))"
    )
    return _py(rng, prompt, code)


# --- dates -------------------------------------------------------------------------------------------------------


@template(f"{G}/weekday_of_date", PYTHON, weight=1.3, family="weekday")
def weekday_of_date(rng: random.Random) -> Draft:
    d = _rand_date(rng, 1900, 2060)
    prompt = pick(
        rng,
        (
            "What day of the week was {d}?",
            "Which weekday is {d}?",
            "what day of the week does {d} fall on",
            "Was {d} a weekend day? Tell me the weekday.",
            "I was born on {d}. What day of the week was that?",
        ),
        d=_date_text(rng, d),
    )
    return _py(rng, prompt, f"import datetime\nprint(datetime.date({d.year}, {d.month}, {d.day}).strftime('%A'))")


@template(f"{G}/days_between", PYTHON, weight=1.3)
def days_between(rng: random.Random) -> Draft:
    a = _rand_date(rng, 1950, 2030)
    b = a + timedelta(days=rng.randint(3, 9000))
    prompt = pick(
        rng,
        (
            "How many days are there between {a} and {b}?",
            "Days from {a} to {b}?",
            "count the days between {a} and {b}",
            "How long is it, in days, from {a} until {b}?",
        ),
        a=_date_text(rng, a),
        b=_date_text(rng, b),
    )
    code = (
        f"from datetime import date\nprint((date({b.year}, {b.month}, {b.day}) - date({a.year}, {a.month}, "
        f"{a.day})).days)"
    )
    return _py(rng, prompt, code)


@template(f"{G}/add_days", PYTHON)
def add_days(rng: random.Random) -> Draft:
    d, n = _rand_date(rng, 1990, 2035), rng.randint(5, 1000)
    if rng.random() < 0.6:
        prompt = pick(
            rng,
            ("What date is {n} days after {d}?", "Add {n} days to {d}.", "{d} plus {n} days is which date?"),
            n=n,
            d=_date_text(rng, d),
        )
        code = f"from datetime import date, timedelta\nprint(date({d.year}, {d.month}, {d.day}) + timedelta(days={n}))"
    else:
        prompt = pick(
            rng,
            ("What date was {n} days before {d}?", "Go back {n} days from {d}: which date?"),
            n=n,
            d=_date_text(rng, d),
        )
        code = f"from datetime import date, timedelta\nprint(date({d.year}, {d.month}, {d.day}) - timedelta(days={n}))"
    return _py(rng, prompt, code)


@template(f"{G}/add_weeks_months", PYTHON)
def add_weeks_months(rng: random.Random) -> Draft:
    d, w = _rand_date(rng, 2000, 2030), rng.randint(2, 52)
    prompt = pick(
        rng,
        (
            "If my project starts on {d} and lasts {w} weeks, what date does it end?",
            "What's the date {w} weeks after {d}?",
        ),
        d=_date_text(rng, d),
        w=w,
    )
    return _py(
        rng,
        prompt,
        f"from datetime import date, timedelta\nprint(date({d.year}, {d.month}, {d.day}) + timedelta(weeks={w}))",
    )


@template(f"{G}/leap_year", PYTHON)
def leap_year(rng: random.Random) -> Draft:
    if rng.random() < 0.6:
        y = rng.choice((1900, 2000, 2100, 2400, rng.randint(1600, 2400)))
        prompt = pick(rng, ("Is {y} a leap year?", "was {y} a leap year", "Check if the year {y} is a leap year."), y=y)
        return _py(rng, prompt, f"import calendar\nprint(calendar.isleap({y}))")
    a = rng.randint(1800, 2100)
    b = a + rng.randint(10, 300)
    prompt = pick(
        rng,
        (
            "How many leap years are there from {a} to {b} inclusive?",
            "Count the leap years between {a} and {b}, including both.",
        ),
        a=a,
        b=b,
    )
    return _py(rng, prompt, f"import calendar\nprint(calendar.leapdays({a}, {b + 1}))")


@template(f"{G}/day_of_year", PYTHON)
def day_of_year(rng: random.Random) -> Draft:
    d = _rand_date(rng, 1990, 2035)
    prompt = pick(
        rng,
        (
            "What day of the year is {d}?",
            "Which day number (1-366) of its year is {d}?",
            "{d} is the how-manyth day of the year?",
        ),
        d=_date_text(rng, d),
    )
    return _py(rng, prompt, f"from datetime import date\nprint(date({d.year}, {d.month}, {d.day}).timetuple().tm_yday)")


@template(f"{G}/days_in_month", PYTHON)
def days_in_month(rng: random.Random) -> Draft:
    y, m = rng.randint(1900, 2100), rng.randint(1, 12)
    name = date(2000, m, 1).strftime("%B")
    prompt = pick(rng, ("How many days are in {n} {y}?", "Number of days in {n} of {y}?"), n=name, y=y)
    return _py(rng, prompt, f"import calendar\nprint(calendar.monthrange({y}, {m})[1])")


@template(f"{G}/business_days", PYTHON)
def business_days(rng: random.Random) -> Draft:
    a = _rand_date(rng, 2015, 2030)
    b = a + timedelta(days=rng.randint(5, 120))
    prompt = pick(
        rng,
        (
            "How many weekdays (Mon-Fri) are there from {a} to {b}, inclusive?",
            "Count the business days between {a} and {b}, both included, ignoring holidays.",
        ),
        a=_date_text(rng, a),
        b=_date_text(rng, b),
    )
    code = (
        "from datetime import date, timedelta\n"
        f"start, end = date({a.year}, {a.month}, {a.day}), date({b.year}, {b.month}, {b.day})\n"
        "print(sum((start + timedelta(days=i)).weekday() < 5 for i in range((end - start).days + 1)))"
    )
    return _py(rng, prompt, code)


@template(f"{G}/friday_13th", PYTHON)
def friday_13th(rng: random.Random) -> Draft:
    y = rng.randint(1990, 2040)
    if rng.random() < 0.5:
        prompt = pick(rng, ("Which months of {y} have a Friday the 13th?", "List the Friday the 13ths in {y}."), y=y)
        code = (
            f"from datetime import date\nprint([date({y}, m, 13).strftime('%B') for m in range(1, 13) if "
            f"date({y}, m, 13).weekday() == 4])"
        )
    else:
        day = rng.choice(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
        prompt = pick(rng, ("How many {d}s are there in {y}?", "Count the {d}s in the year {y}."), d=day, y=y)
        idx = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday").index(day)
        code = (
            f"from datetime import date, timedelta\nstart = date({y}, 1, 1)\nprint(sum((start + "
            f"timedelta(days=i)).weekday() == {idx} for i in range((date({y + 1}, 1, 1) - start).days)))"
        )
    return _py(rng, prompt, code)


@template(f"{G}/age_exact", PYTHON)
def age_exact(rng: random.Random) -> Draft:
    born = _rand_date(rng, 1940, 2015)
    on = born + timedelta(days=rng.randint(400, 30000))
    prompt = pick(
        rng,
        (
            "Someone born on {b}: how old are they on {o}, in whole years?",
            "Exact age in years on {o} for a birth date of {b}?",
        ),
        b=_date_text(rng, born),
        o=_date_text(rng, on),
    )
    code = (
        "from datetime import date\n"
        f"born, on = date({born.year}, {born.month}, {born.day}), date({on.year}, {on.month}, {on.day})\n"
        "print(on.year - born.year - ((on.month, on.day) < (born.month, born.day)))"
    )
    return _py(rng, prompt, code)


@template(f"{G}/seconds_to_hms", PYTHON)
def seconds_to_hms(rng: random.Random) -> Draft:
    s = rng.randint(100, 500_000)
    prompt = pick(
        rng,
        (
            "Convert {s} seconds to hours, minutes and seconds.",
            "{s} seconds as H:MM:SS?",
            "How long is {s} seconds in h:mm:ss?",
            "Express {s} seconds as hours:minutes:seconds.",
            "Format a duration of {s} s as H:MM:SS.",
            "How many hours, minutes and seconds are there in {s} seconds?",
            "Turn {s} seconds into an h:mm:ss clock reading.",
            "Break {s} seconds down into hours, minutes and seconds.",
        ),
        s=s,
    )
    return _py(rng, prompt, f"import datetime\nprint(datetime.timedelta(seconds={s}))")


@template(f"{G}/unix_timestamp", PYTHON)
def unix_timestamp(rng: random.Random) -> Draft:
    ts = rng.randint(0, 2_000_000_000)
    if rng.random() < 0.6:
        prompt = pick(
            rng, ("What UTC date and time is the Unix timestamp {t}?", "Convert epoch {t} to a UTC datetime."), t=ts
        )
        return _py(
            rng,
            prompt,
            f"from datetime import datetime, timezone\nprint(datetime.fromtimestamp({ts}, tz=timezone.utc))",
        )
    d = _rand_date(rng, 1971, 2037)
    prompt = pick(
        rng,
        ("What's the Unix timestamp for midnight UTC on {d}?", "Epoch seconds at {d} 00:00 UTC?"),
        d=_date_text(rng, d),
    )
    return _py(
        rng,
        prompt,
        f"from datetime import datetime, timezone\nprint(int(datetime({d.year}, {d.month}, {d.day}, "
        f"tzinfo=timezone.utc).timestamp()))",
    )


@template(f"{G}/reformat_date", PYTHON)
def reformat_date(rng: random.Random) -> Draft:
    d = _rand_date(rng, 1950, 2040)
    if rng.random() < 0.5:
        prompt = pick(
            rng,
            (
                "Rewrite the date {d} in the format 'Weekday, Month D, YYYY'.",
                "Format {d} as a long date with the weekday.",
            ),
            d=d.isoformat(),
        )
        return _py(
            rng,
            prompt,
            f'from datetime import date\nd = date.fromisoformat({d.isoformat()!r})\nprint(f"{{d:%A, %B}} '
            f'{{d.day}}, {{d.year}}")',
        )
    text = f"{d.day:02d}/{d.month:02d}/{d.year}"
    prompt = pick(
        rng,
        ("Convert the European date {t} (DD/MM/YYYY) to ISO format.", "What is {t} (day/month/year) in YYYY-MM-DD?"),
        t=text,
    )
    return _py(
        rng, prompt, f"from datetime import datetime\nprint(datetime.strptime({text!r}, '%d/%m/%Y').date().isoformat())"
    )


@template(f"{G}/calendar_month", PYTHON, weight=0.5)
def calendar_month(rng: random.Random) -> Draft:
    y, m = rng.randint(1990, 2040), rng.randint(1, 12)
    prompt = pick(
        rng,
        ("Show me the calendar for {n} {y}.", "Print a calendar of {n} {y}."),
        n=date(2000, m, 1).strftime("%B"),
        y=y,
    )
    return _py(rng, prompt, f"import calendar\nprint(calendar.month({y}, {m}))")


# --- number theory -----------------------------------------------------------------------------------------------


@template(f"{G}/is_prime", PYTHON, weight=1.2)
def is_prime(rng: random.Random) -> Draft:
    n = rng.choice(
        (
            rng.randint(10, 500),
            rng.randint(500, 10**6),
            rng.choice((7919, 104729, 999983, 1000003, 561, 8191, 65537, 91, 221)),
        )
    )
    prompt = pick(
        rng,
        (
            "Is {n} a prime number?",
            "Is {n} prime?",
            "check whether {n} is prime",
            "Tell me if {n} is a prime.",
            "prime or not: {n}",
        ),
        n=n,
    )
    code = f"n = {n}\nprint(n > 1 and all(n % d for d in range(2, int(n ** 0.5) + 1)))"
    return _py(rng, prompt, code)


@template(f"{G}/primes_list", PYTHON)
def primes_list(rng: random.Random) -> Draft:
    if rng.random() < 0.5:
        n = rng.randint(20, 150)
        prompt = pick(
            rng, ("List all primes below {n}.", "What are the prime numbers less than {n}?", "primes under {n}?"), n=n
        )
        code = f"print([p for p in range(2, {n}) if all(p % d for d in range(2, int(p ** 0.5) + 1))])"
        return _py(rng, prompt, code)
    k = rng.randint(10, 2000)
    prompt = pick(rng, ("What is the {k}th prime number?", "Find prime number #{k}."), k=k)
    code = (
        f"count, n = 0, 1\nwhile count < {k}:\n    n += 1\n    if all(n % d for d in range(2, int(n ** 0.5) "
        f"+ 1)):\n        count += 1\nprint(n)"
    )
    return _py(rng, prompt, code)


@template(f"{G}/prime_factors", PYTHON, weight=1.2)
def prime_factors(rng: random.Random) -> Draft:
    n = rng.randint(30, 10**7)
    prompt = pick(
        rng,
        (
            "What is the prime factorization of {n}?",
            "Factor {n} into primes.",
            "prime factors of {n}?",
            "Break {n} down into its prime factors.",
        ),
        n=n,
    )
    code = (
        f"n, d, factors = {n}, 2, []\nwhile d * d <= n:\n    while n % d == 0:\n        factors.append(d)\n  "
        f"      n //= d\n    d += 1\nif n > 1:\n    factors.append(n)\nprint(factors)"
    )
    return _py(rng, prompt, code)


@template(f"{G}/gcd_lcm", PYTHON, weight=1.2)
def gcd_lcm(rng: random.Random) -> Draft:
    k = rng.randint(2, 12)
    nums = [k * rng.randint(2, 60) for _ in range(rng.randint(2, 4))]
    shown = ", ".join(map(str, nums))
    if rng.random() < 0.5:
        prompt = pick(
            rng,
            ("What's the greatest common divisor of {l}?", "GCD of {l}?", "Find the highest common factor of {l}."),
            l=shown,
        )
        return _py(rng, prompt, f"import math\nprint(math.gcd({shown}))")
    prompt = pick(
        rng,
        ("What's the least common multiple of {l}?", "LCM of {l}?", "smallest number divisible by all of {l}?"),
        l=shown,
    )
    return _py(rng, prompt, f"import math\nprint(math.lcm({shown}))")


@template(f"{G}/fibonacci", PYTHON, weight=1.2)
def fibonacci(rng: random.Random) -> Draft:
    n = rng.randint(10, 150)
    if rng.random() < 0.5:
        prompt = pick(
            rng,
            (
                "What is the {n}th Fibonacci number (F(1) = F(2) = 1)?",
                "Compute Fibonacci number {n}, starting 1, 1.",
                "fib({n}) with fib(1)=1?",
            ),
            n=n,
        )
        return _py(rng, prompt, f"a, b = 0, 1\nfor _ in range({n}):\n    a, b = b, a + b\nprint(a)")
    k = rng.randint(5, 25)
    prompt = pick(
        rng,
        (
            "List the first {k} Fibonacci numbers starting from 0.",
            "Print the first {k} terms of the Fibonacci sequence (0, 1, 1, ...).",
        ),
        k=k,
    )
    return _py(rng, prompt, f"seq = [0, 1]\nwhile len(seq) < {k}:\n    seq.append(seq[-1] + seq[-2])\nprint(seq[:{k}])")


@template(f"{G}/collatz", PYTHON)
def collatz(rng: random.Random) -> Draft:
    n = rng.randint(3, 100_000)
    prompt = pick(
        rng,
        (
            "How many Collatz steps does it take for {n} to reach 1?",
            "Collatz sequence length (steps) starting at {n}?",
            "starting from {n}, how many 3n+1 steps until 1?",
        ),
        n=n,
    )
    return _py(
        rng,
        prompt,
        f"n, steps = {n}, 0\nwhile n != 1:\n    n = n // 2 if n % 2 == 0 else 3 * n + 1\n    steps += 1\nprint(steps)",
    )


@template(f"{G}/factorial", PYTHON)
def factorial(rng: random.Random) -> Draft:
    n = rng.randint(15, 60)
    if rng.random() < 0.6:
        prompt = pick(rng, ("What is {n} factorial?", "Compute {n}!", "{n}! exactly?"), n=n)
        return _py(rng, prompt, f"import math\nprint(math.factorial({n}))")
    prompt = pick(rng, ("How many trailing zeros does {n}! have?", "Number of zeros at the end of {n} factorial?"), n=n)
    return _py(rng, prompt, f"import math\ns = str(math.factorial({n}))\nprint(len(s) - len(s.rstrip('0')))")


@template(f"{G}/digit_ops", PYTHON)
def digit_ops(rng: random.Random) -> Draft:
    n = rng.randint(1000, 10**12)
    kind = rng.randrange(3)
    if kind == 0:
        prompt = pick(
            rng, ("What's the sum of the digits of {n}?", "Add up the digits of {n}.", "digit sum of {n}"), n=n
        )
        return _py(rng, prompt, f"print(sum(int(d) for d in str({n})))")
    if kind == 1:
        prompt = pick(rng, ("Reverse the digits of {n}.", "What's {n} with its digits reversed?"), n=n)
        return _py(rng, prompt, f"print(int(str({n})[::-1]))")
    e = rng.randint(50, 1000)
    prompt = pick(rng, ("How many digits does 2^{e} have?", "Number of decimal digits in 2 to the power {e}?"), e=e)
    return _py(rng, prompt, f"print(len(str(2 ** {e})))")


@template(f"{G}/divisors", PYTHON)
def divisors(rng: random.Random) -> Draft:
    n = rng.choice((rng.randint(12, 5000), 6, 28, 496, 8128, 360, 720, 1001))
    if rng.random() < 0.6:
        prompt = pick(rng, ("List all divisors of {n}.", "What numbers divide {n} evenly?", "factors of {n}?"), n=n)
        return _py(rng, prompt, f"print([d for d in range(1, {n} + 1) if {n} % d == 0])")
    prompt = pick(rng, ("Is {n} a perfect number?", "Does {n} equal the sum of its proper divisors?"), n=n)
    return _py(rng, prompt, f"print(sum(d for d in range(1, {n}) if {n} % d == 0) == {n})")


@template(f"{G}/armstrong", PYTHON)
def armstrong(rng: random.Random) -> Draft:
    n = rng.choice((153, 370, 371, 407, 1634, 8208, 9474, rng.randint(100, 99999)))
    prompt = pick(
        rng,
        (
            "Is {n} an Armstrong (narcissistic) number?",
            "Check if {n} equals the sum of its digits each raised to the number of digits.",
        ),
        n=n,
    )
    return _py(rng, prompt, f"s = str({n})\nprint(sum(int(d) ** len(s) for d in s) == {n})")


@template(f"{G}/perfect_square_power", PYTHON)
def perfect_square_power(rng: random.Random) -> Draft:
    if rng.random() < 0.5:
        n = rng.choice((rng.randint(2, 3000) ** 2, rng.randint(10, 10**7)))
        prompt = pick(rng, ("Is {n} a perfect square?", "check if {n} is a square number"), n=n)
        return _py(rng, prompt, f"import math\nprint(math.isqrt({n}) ** 2 == {n})")
    n = rng.choice((2 ** rng.randint(3, 40), rng.randint(100, 10**9)))
    prompt = pick(rng, ("Is {n} a power of two?", "Is {n} an exact power of 2?"), n=n)
    return _py(rng, prompt, f"n = {n}\nprint(n > 0 and n & (n - 1) == 0)")


@template(f"{G}/multiples_sum", PYTHON)
def multiples_sum(rng: random.Random) -> Draft:
    a, b, n = rng.choice((3, 4, 5, 7)), rng.choice((5, 6, 9, 11)), rng.randint(50, 100_000)
    prompt = pick(
        rng,
        (
            "What's the sum of all numbers below {n} that are multiples of {a} or {b}?",
            "Sum every multiple of {a} or {b} under {n}.",
        ),
        a=a,
        b=b,
        n=n,
    )
    return _py(rng, prompt, f"print(sum(i for i in range({n}) if i % {a} == 0 or i % {b} == 0))")


@template(f"{G}/sequence_terms", PYTHON)
def sequence_terms(rng: random.Random) -> Draft:
    kind, n = rng.randrange(3), rng.randint(5, 20)
    if kind == 0:
        prompt = pick(rng, ("List the squares of 1 to {n}.", "First {n} square numbers?"), n=n)
        return _py(rng, prompt, f"print([i * i for i in range(1, {n} + 1)])")
    if kind == 1:
        prompt = pick(rng, ("First {n} triangular numbers?", "List the triangular numbers T1 to T{n}."), n=n)
        return _py(rng, prompt, f"print([i * (i + 1) // 2 for i in range(1, {n} + 1)])")
    a, r = rng.randint(1, 5), rng.choice((2, 3, 5))
    prompt = pick(
        rng, ("List the first {n} terms of the geometric sequence starting at {a} with ratio {r}.",), n=n, a=a, r=r
    )
    return _py(rng, prompt, f"print([{a} * {r} ** i for i in range({n})])")


@template(f"{G}/pascal_row", PYTHON)
def pascal_row(rng: random.Random) -> Draft:
    n = rng.randint(4, 20)
    prompt = pick(
        rng,
        ("What is row {n} of Pascal's triangle (row 0 is [1])?", "Give the binomial coefficients for n = {n}."),
        n=n,
    )
    return _py(rng, prompt, f"import math\nprint([math.comb({n}, k) for k in range({n} + 1)])")


@template(f"{G}/fraction_math", PYTHON)
def fraction_math(rng: random.Random) -> Draft:
    a, b, c, d = rng.randint(1, 12), rng.randint(2, 15), rng.randint(1, 12), rng.randint(2, 15)
    op = rng.choice(("+", "-", "*"))
    if rng.random() < 0.6:
        prompt = pick(
            rng,
            (
                "What is {a}/{b} {o} {c}/{d} as a fraction in lowest terms?",
                "Give {a}/{b} {o} {c}/{d} as an exact fraction.",
            ),
            a=a,
            b=b,
            c=c,
            d=d,
            o=op,
        )
        return _py(rng, prompt, f"from fractions import Fraction\nprint(Fraction({a}, {b}) {op} Fraction({c}, {d}))")
    x = rng.choice((0.125, 0.375, 0.6, 0.45, 0.875, 2.75, 0.3125, 1.2))
    prompt = pick(rng, ("Write {x} as a fraction in lowest terms.", "What fraction is {x}?"), x=x)
    return _py(rng, prompt, f"from fractions import Fraction\nprint(Fraction('{x}'))")


# --- bases, bits, hashing, encodings -----------------------------------------------------------------------------


@template(f"{G}/to_base", PYTHON, weight=1.3)
def to_base(rng: random.Random) -> Draft:
    n = rng.randint(2, 100_000)
    base, fn, name = rng.choice(
        ((2, "bin", "binary"), (16, "hex", "hexadecimal"), (8, "oct", "octal"), (16, "hex", "hex"))
    )
    prompt = pick(
        rng, ("Convert {n} to {w}.", "What is {n} in {w}?", "{n} in {w}?", "Show {n} as a {w} number."), n=n, w=name
    )
    del base
    return _py(rng, prompt, f"print({fn}({n})[2:])")


@template(f"{G}/from_base", PYTHON, weight=1.2)
def from_base(rng: random.Random) -> Draft:
    n = rng.randint(2, 100_000)
    base, text, name = rng.choice(
        (
            (2, format(n, "b"), "binary"),
            (16, format(n, "x"), "hexadecimal"),
            (8, format(n, "o"), "octal"),
            (16, format(n, "X"), "hex"),
        )
    )
    prompt = pick(
        rng,
        ("Convert the {w} number {t} to decimal.", "What is {w} {t} in base 10?", "{t} ({w}) to decimal?"),
        w=name,
        t=text,
    )
    return _py(rng, prompt, f"print(int({text!r}, {base}))")


@template(f"{G}/roman_numerals", PYTHON, weight=1.2)
def roman_numerals(rng: random.Random) -> Draft:
    n = rng.randint(1, 3999)
    table = (
        "[(1000, 'M'), (900, 'CM'), (500, 'D'), (400, 'CD'), (100, 'C'), (90, 'XC'), (50, 'L'), (40, 'XL'), "
        "(10, 'X'), (9, 'IX'), (5, 'V'), (4, 'IV'), (1, 'I')]"
    )
    if rng.random() < 0.55:
        prompt = pick(
            rng,
            ("Write {n} in Roman numerals.", "What is {n} as a Roman numeral?", "convert {n} to roman numerals"),
            n=n,
        )
        code = (
            f"n, out = {n}, ''\nfor value, sym in {table}:\n    while n >= value:\n        out += sym\n      "
            f"  n -= value\nprint(out)"
        )
        return _py(rng, prompt, code)
    roman, m = "", n
    for value, sym in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while m >= value:
            roman += sym
            m -= value
    prompt = pick(
        rng,
        (
            "What number is the Roman numeral {r}?",
            "Convert {r} from Roman numerals to a number.",
            "{r} in arabic numerals?",
        ),
        r=roman,
    )
    code = (
        "values = {'I': 1, 'V': 5, 'X': 10, 'L': 50, 'C': 100, 'D': 500, 'M': 1000}\n"
        f"s = {roman!r}\n"
        "total = sum(-values[a] if values[a] < values[b] else values[a] for a, b in zip(s, s[1:]))\n"
        "print(total + values[s[-1]])"
    )
    return _py(rng, prompt, code)


@template(f"{G}/bit_ops", PYTHON)
def bit_ops(rng: random.Random) -> Draft:
    a, b = rng.randint(1, 4096), rng.randint(1, 4096)
    kind = rng.randrange(3)
    if kind == 0:
        prompt = pick(
            rng, ("How many 1 bits are in the binary form of {a}?", "Popcount of {a}?", "count set bits in {a}"), a=a
        )
        return _py(rng, prompt, f"print(bin({a}).count('1'))")
    op, name = rng.choice((("&", "AND"), ("|", "OR"), ("^", "XOR")))
    if kind == 1:
        prompt = pick(
            rng, ("What is {a} bitwise {w} {b}?", "Compute {a} {o} {b} (bitwise {w})."), a=a, b=b, w=name, o=op
        )
        return _py(rng, prompt, f"print({a} {op} {b})")
    k = rng.randint(1, 8)
    prompt = pick(rng, ("What's {a} shifted left by {k} bits?", "{a} << {k} = ?"), a=a, k=k)
    return _py(rng, prompt, f"print({a} << {k})")


@template(f"{G}/hash_digest", PYTHON, weight=1.3)
def hash_digest(rng: random.Random) -> Draft:
    s = rng.choice(
        (_word(rng), _text(rng), rng.choice(FIRST_NAMES).lower() + str(rng.randint(1, 999)), "hello", "password123")
    )
    algo, name = rng.choice(
        (("md5", "MD5"), ("sha256", "SHA-256"), ("sha1", "SHA-1"), ("sha256", "sha256"), ("sha512", "SHA-512"))
    )
    prompt = pick(
        rng,
        (
            "What's the {n} hash of '{s}'?",
            'Compute the {n} hex digest of "{s}".',
            '{n} of the string "{s}"?',
            "hash '{s}' with {n}",
        ),
        n=name,
        s=s,
    )
    return _py(rng, prompt, f"import hashlib\nprint(hashlib.{algo}({s!r}.encode()).hexdigest())")


@template(f"{G}/base64_codec", PYTHON)
def base64_codec(rng: random.Random) -> Draft:
    s = rng.choice((_word(rng), _text(rng), f"{rng.choice(FIRST_NAMES).lower()}:secret{rng.randint(1, 99)}"))
    import base64

    if rng.random() < 0.6:
        prompt = pick(rng, ("Base64-encode '{s}'.", 'What is "{s}" in base64?', "encode {s} as base64"), s=s)
        return _py(rng, prompt, f"import base64\nprint(base64.b64encode({s!r}.encode()).decode())")
    enc = base64.b64encode(s.encode()).decode()
    prompt = pick(rng, ("Decode this base64: {e}", "What does the base64 string '{e}' decode to?"), e=enc)
    return _py(rng, prompt, f"import base64\nprint(base64.b64decode({enc!r}).decode())")


@template(f"{G}/url_encoding", PYTHON)
def url_encoding(rng: random.Random) -> Draft:
    s = rng.choice(
        (
            "hello world & friends",
            "a+b=c?",
            "café au lait",
            "100% sure",
            "name=John Smith",
            "path/to file.txt",
            "50% off!",
        )
    )
    prompt = pick(rng, ("URL-encode the string '{s}'.", 'Percent-encode "{s}" for use in a URL query.'), s=s)
    return _py(rng, prompt, f"from urllib.parse import quote\nprint(quote({s!r}))")


@template(f"{G}/checksum_crc", PYTHON, weight=0.6)
def checksum_crc(rng: random.Random) -> Draft:
    s = _text(rng)
    prompt = pick(rng, ('What\'s the CRC32 checksum of "{s}"?', "crc32 of '{s}' as an integer?"), s=s)
    return _py(rng, prompt, f"import zlib\nprint(zlib.crc32({s!r}.encode()))")


@template(f"{G}/uuid5", PYTHON, weight=0.5)
def uuid5(rng: random.Random) -> Draft:
    host = f"{rng.choice(WORDS)}.{rng.choice(('com', 'org', 'net', 'io'))}"
    prompt = pick(rng, ("Generate the UUID5 for the DNS name '{h}'.", 'What\'s uuid5(NAMESPACE_DNS, "{h}")?'), h=host)
    return _py(rng, prompt, f"import uuid\nprint(uuid.uuid5(uuid.NAMESPACE_DNS, {host!r}))")


# --- regex and parsing -------------------------------------------------------------------------------------------


@template(f"{G}/extract_emails", PYTHON)
def extract_emails(rng: random.Random) -> Draft:
    people = rng.sample(FIRST_NAMES, rng.randint(2, 4))
    emails = [
        f"{p.lower()}{rng.choice(('', '.dev', '_' + str(rng.randint(1, 99))))}@{rng.choice(DOMAINS)}" for p in people
    ]
    text = (
        f"Contact {emails[0]} for sales"
        + "".join(f", {e}" for e in emails[1:-1])
        + (f" or {emails[-1]} for support." if len(emails) > 1 else ".")
    )
    prompt = pick(
        rng,
        (
            'Extract all email addresses from: "{t}"',
            "Pull the emails out of this text: {t}",
            "Find every email in '{t}'.",
        ),
        t=text,
    )
    return _py(rng, prompt, f"import re\nprint(re.findall(r'[\\w.+-]+@[\\w-]+\\.[\\w.]+\\w', {text!r}))")


@template(f"{G}/extract_numbers", PYTHON)
def extract_numbers(rng: random.Random) -> Draft:
    a, b, c = rng.randint(2, 99), round(rng.uniform(1, 500), 2), rng.randint(100, 5000)
    text = rng.choice(
        (
            f"I bought {a} apples for {b} dollars and walked {c} steps.",
            f"Order #{c} has {a} items totaling ${b}.",
            f"The room is {a} m wide, {b} m long and cost {c} euros.",
        )
    )
    if rng.random() < 0.5:
        prompt = pick(
            rng,
            (
                'Extract all the numbers from: "{t}"',
                "What numbers appear in '{t}'?",
                "Pull every number out of this text: {t}",
                'List the numeric values found in "{t}".',
            ),
            t=text,
        )
        return _py(rng, prompt, f"import re\nprint(re.findall(r'\\d+(?:\\.\\d+)?', {text!r}))")
    prompt = pick(
        rng,
        (
            'Add up every number that appears in "{t}"',
            "Sum all the numbers mentioned in: {t}",
            "Find the numbers in '{t}' and give their total.",
            'What do all the numbers in "{t}" add up to?',
        ),
        t=text,
    )
    return _py(rng, prompt, f"import re\nprint(sum(float(x) for x in re.findall(r'\\d+(?:\\.\\d+)?', {text!r})))")


@template(f"{G}/extract_hashtags", PYTHON)
def extract_hashtags(rng: random.Random) -> Draft:
    tags = rng.sample(
        ("travel", "foodie", "python", "sunset", "tbt", "coding", "fitness", "music", "art", "weekend"),
        rng.randint(2, 4),
    )
    text = (
        f"{rng.choice(SENTENCES)} "
        + " ".join(f"#{t}" for t in tags)
        + (" @" + rng.choice(FIRST_NAMES).lower() if rng.random() < 0.5 else "")
    )
    prompt = pick(rng, ('List the hashtags in this post: "{t}"', "Which hashtags does '{t}' contain?"), t=text)
    return _py(rng, prompt, f"import re\nprint(re.findall(r'#(\\w+)', {text!r}))")


@template(f"{G}/validate_format", PYTHON)
def validate_format(rng: random.Random) -> Draft:
    kind = rng.randrange(2)
    if kind == 0:
        s = rng.choice(("555-123-4567", "5551234567", "(555) 123-4567", "555-1234-567", "123-456-7890", "12-3456-7890"))
        prompt = pick(
            rng,
            ("Does '{s}' match the phone format ddd-ddd-dddd?", 'Is "{s}" a phone number in NNN-NNN-NNNN form?'),
            s=s,
        )
        return _py(rng, prompt, f"import re\nprint(bool(re.fullmatch(r'\\d{{3}}-\\d{{3}}-\\d{{4}}', {s!r})))")
    s = rng.choice(("192.168.1.1", "256.1.1.1", "10.0.0.255", "1.2.3", "127.0.0.1", "300.200.100.0", "8.8.8.8"))
    prompt = pick(rng, ("Is '{s}' a valid IPv4 address?", 'Check whether "{s}" is a valid IPv4 address.'), s=s)
    return _py(
        rng,
        prompt,
        f"import ipaddress\ntry:\n    ipaddress.IPv4Address({s!r})\n    print(True)\nexcept "
        f"ValueError:\n    print(False)",
    )


@template(f"{G}/find_dates_in_text", PYTHON)
def find_dates_in_text(rng: random.Random) -> Draft:
    ds = sorted(_rand_date(rng, 2000, 2030) for _ in range(rng.randint(2, 3)))
    text = f"Kickoff on {ds[0]}, review on {ds[1]}" + (f", launch on {ds[2]}." if len(ds) > 2 else ".")
    prompt = pick(
        rng,
        (
            'How many days are between the first and last date in: "{t}"?',
            "Find the dates in '{t}' and tell me how many days apart the first and last are.",
        ),
        t=text,
    )
    code = (
        f"import re\nfrom datetime import date\nds = [date.fromisoformat(d) for d in "
        f"re.findall(r'\\d{{4}}-\\d{{2}}-\\d{{2}}', {text!r})]\nprint((max(ds) - min(ds)).days)"
    )
    return _py(rng, prompt, code)


@template(f"{G}/json_query", PYTHON, weight=1.2)
def json_query(rng: random.Random) -> Draft:
    import json

    items = [
        {"name": f, "price": round(rng.uniform(0.5, 20), 2), "qty": rng.randint(0, 12)}
        for f in rng.sample(FRUITS, rng.randint(3, 5))
    ]
    text = json.dumps(items)
    kind = rng.randrange(3)
    if kind == 0:
        prompt = pick(
            rng,
            (
                "Given this JSON, what's the total value (price * qty)? {j}",
                "Parse {j} and compute the sum of price times qty.",
            ),
            j=text,
        )
        return _py(
            rng,
            prompt,
            f"import json\nitems = json.loads({text!r})\nprint(round(sum(i['price'] * i['qty'] for i in items), 2))",
        )
    if kind == 1:
        prompt = pick(
            rng,
            ("Which item is most expensive in this JSON? {j}", "From {j}, give the name with the highest price."),
            j=text,
        )
        return _py(rng, prompt, f"import json\nprint(max(json.loads({text!r}), key=lambda i: i['price'])['name'])")
    prompt = pick(
        rng,
        ("List the names of out-of-stock items (qty 0) in {j}", "Which items in this JSON have qty above 5? {j}"),
        j=text,
    )
    cond = "i['qty'] == 0" if "qty 0" in prompt else "i['qty'] > 5"
    return _py(rng, prompt, f"import json\nprint([i['name'] for i in json.loads({text!r}) if {cond}])")


@template(f"{G}/json_transform", PYTHON)
def json_transform(rng: random.Random) -> Draft:
    import json

    obj = {
        "name": rng.choice(FIRST_NAMES),
        "age": rng.randint(18, 80),
        "city": rng.choice(CITIES),
        "tags": rng.sample(COLORS, 2),
    }
    keys = list(obj)
    rng.shuffle(keys)
    text = json.dumps({k: obj[k] for k in keys})
    if rng.random() < 0.5:
        prompt = pick(
            rng,
            (
                "Pretty-print this JSON with sorted keys and 2-space indent: {j}",
                "Format {j} nicely (indent 2, keys sorted).",
            ),
            j=text,
        )
        return _py(rng, prompt, f"import json\nprint(json.dumps(json.loads({text!r}), indent=2, sort_keys=True))")
    prompt = pick(
        rng, ("What are the keys of this JSON object, in order? {j}", "List the top-level keys in {j}"), j=text
    )
    return _py(rng, prompt, f"import json\nprint(list(json.loads({text!r})))")


@template(f"{G}/csv_aggregate", PYTHON, weight=1.2)
def csv_aggregate(rng: random.Random) -> Draft:
    rows = [
        (name, rng.choice(("sales", "ops", "eng")), rng.randint(30, 150) * 1000)
        for name in rng.sample(FIRST_NAMES, rng.randint(4, 6))
    ]
    text = "name,dept,salary\\n" + "\\n".join(f"{n},{d},{s}" for n, d, s in rows)
    raw = text.replace("\\n", "\n")
    kind = rng.randrange(3)
    if kind == 0:
        prompt = pick(
            rng,
            (
                "Here's a CSV: {c}\nWhat's the average salary?",
                "Given the CSV data\n{c}\ncompute the mean of the salary column.",
            ),
            c=raw,
        )
        code = (
            f"import csv, io\nrows = list(csv.DictReader(io.StringIO({raw!r})))\nprint(sum(int(r['salary']) "
            f"for r in rows) / len(rows))"
        )
    elif kind == 1:
        prompt = pick(
            rng,
            ("Total salary per department from this CSV:\n{c}", "Group this CSV by dept and sum salaries:\n{c}"),
            c=raw,
        )
        code = (
            f"import csv, io\nfrom collections import defaultdict\ntotals = defaultdict(int)\nfor r in "
            f"csv.DictReader(io.StringIO({raw!r})):\n    totals[r['dept']] += "
            f"int(r['salary'])\nprint(dict(sorted(totals.items())))"
        )
    else:
        prompt = pick(
            rng,
            ("Who earns the most in this CSV?\n{c}", "From this table, which name has the highest salary?\n{c}"),
            c=raw,
        )
        code = (
            f"import csv, io\nprint(max(csv.DictReader(io.StringIO({raw!r})), key=lambda r: int(r['salary']))['name'])"
        )
    return _py(rng, prompt, code)


@template(f"{G}/parse_log_lines", PYTHON)
def parse_log_lines(rng: random.Random) -> Draft:
    levels = [rng.choice(("INFO", "WARN", "ERROR", "INFO", "DEBUG")) for _ in range(rng.randint(3, 6))]
    lines = "\n".join(
        f"{9 + i}:{rng.randint(10, 59)} {lvl} {rng.choice(('db', 'api', 'auth', 'cache'))}"
        for i, lvl in enumerate(levels)
    )
    if rng.random() < 0.5:
        prompt = pick(
            rng, ("How many ERROR lines are in this log?\n{l}", "Count the errors in this log:\n{l}"), l=lines
        )
        return _py(rng, prompt, f"print(sum(' ERROR ' in line for line in {lines!r}.splitlines()))")
    prompt = pick(rng, ("Count the log lines at each level:\n{l}", "How many lines per log level?\n{l}"), l=lines)
    code = (
        f"from collections import Counter\nprint(dict(sorted(Counter(line.split()[1] for line in "
        f"{lines!r}.splitlines()).items())))"
    )
    return _py(rng, prompt, code)


# --- combinatorics and simulation --------------------------------------------------------------------------------


@template(f"{G}/permutations", PYTHON, weight=1.2)
def permutations(rng: random.Random) -> Draft:
    s = (
        "".join(rng.sample("abcdefgxyz", rng.randint(3, 4)))
        if rng.random() < 0.6
        else rng.choice(("cat", "dog", "abc", "123", "xyz", "ABCD"))
    )
    if rng.random() < 0.6:
        prompt = pick(
            rng,
            (
                "List all permutations of '{s}'.",
                'Show every arrangement of the letters in "{s}".',
                "all permutations of {s}?",
            ),
            s=s,
        )
        return _py(rng, prompt, f"from itertools import permutations\nprint([''.join(p) for p in permutations({s!r})])")
    word = rng.choice(("banana", "mississippi", "letter", "balloon", "committee", "success", "apple"))
    prompt = pick(
        rng,
        (
            "How many distinct arrangements of the letters of '{w}' are there?",
            'Count the unique permutations of "{w}".',
        ),
        w=word,
    )
    code = (
        f"import math\nfrom collections import Counter\ntotal = math.factorial(len({word!r}))\nfor n in "
        f"Counter({word!r}).values():\n    total //= math.factorial(n)\nprint(total)"
    )
    return _py(rng, prompt, code)


@template(f"{G}/combinations", PYTHON, weight=1.2)
def combinations(rng: random.Random) -> Draft:
    if rng.random() < 0.5:
        n, k = rng.randint(5, 60), rng.randint(2, 6)
        prompt = pick(
            rng,
            (
                "How many ways can you choose {k} items from {n}?",
                "{n} choose {k}?",
                "In how many ways can a committee of {k} be picked from {n} people?",
                "Number of {k}-card hands from a {n}-card deck?",
            ),
            n=n,
            k=k,
        )
        return _py(rng, prompt, f"import math\nprint(math.comb({n}, {k}))")
    items, k = rng.sample(FRUITS, rng.randint(4, 5)), 2
    prompt = pick(
        rng, ("List all pairs you can make from {i}.", "Every 2-item combination of {i}?"), i=", ".join(items)
    )
    return _py(
        rng, prompt, f"from itertools import combinations\nfor pair in combinations({items!r}, {k}):\n    print(pair)"
    )


@template(f"{G}/subsets", PYTHON)
def subsets(rng: random.Random) -> Draft:
    items = sorted(rng.sample(range(1, 10), 3))
    if rng.random() < 0.5:
        prompt = pick(rng, ("List every subset of {s}.", "What is the power set of {s}?"), s=set(items))
        return _py(
            rng,
            prompt,
            f"from itertools import combinations\nitems = {items!r}\nprint([list(c) for r in "
            f"range(len(items) + 1) for c in combinations(items, r)])",
        )
    nums, target = sorted(rng.sample(range(1, 20), rng.randint(5, 7))), rng.randint(10, 30)
    prompt = pick(
        rng,
        ("Which subsets of {l} add up to {t}?", "Find all combinations of numbers from {l} that sum to {t}."),
        l=nums,
        t=target,
    )
    return _py(
        rng,
        prompt,
        f"from itertools import combinations\nnums = {nums!r}\nprint([c for r in range(1, len(nums) + 1) "
        f"for c in combinations(nums, r) if sum(c) == {target}])",
    )


@template(f"{G}/dice_probability", PYTHON)
def dice_probability(rng: random.Random) -> Draft:
    dice, target = rng.randint(2, 4), 0
    target = rng.randint(dice + 1, dice * 6 - 1)
    prompt = pick(
        rng,
        (
            "What's the exact probability of rolling a total of {t} with {d} six-sided dice?",
            "Rolling {d} dice, what are the chances the sum is {t}? Give an exact fraction.",
            "If I throw {d} fair dice, what is the probability that they add up to {t}?",
            "Probability (as a fraction) that {d} d6 sum to exactly {t}?",
            "Enumerate all rolls of {d} six-sided dice: what fraction of them total {t}?",
            "{d} dice are rolled. How likely is a sum of {t}? Exact answer please.",
        ),
        t=target,
        d=dice,
    )
    code = (
        f"from fractions import Fraction\nfrom itertools import product\nrolls = list(product(range(1, 7), "
        f"repeat={dice}))\nprint(Fraction(sum(sum(r) == {target} for r in rolls), len(rolls)))"
    )
    return _py(rng, prompt, code)


@template(f"{G}/seeded_simulation", PYTHON, weight=1.2)
def seeded_simulation(rng: random.Random) -> Draft:
    seed, n = rng.randint(0, 9999), rng.choice((100, 500, 1000, 10000))
    kind = rng.randrange(3)
    if kind == 0:
        prompt = pick(
            rng,
            (
                "Simulate {n} coin flips with random.seed({s}) and count the heads.",
                "Using seed {s}, flip a fair coin {n} times. How many heads?",
            ),
            n=n,
            s=seed,
        )
        return _py(
            rng, prompt, f"import random\nrandom.seed({seed})\nprint(sum(random.random() < 0.5 for _ in range({n})))"
        )
    if kind == 1:
        prompt = pick(
            rng,
            (
                "Roll a die {n} times with seed {s}. What's the average roll?",
                "With random.seed({s}), simulate {n} die rolls and report the mean.",
            ),
            n=n,
            s=seed,
        )
        return _py(
            rng,
            prompt,
            f"import random\nrandom.seed({seed})\nprint(sum(random.randint(1, 6) for _ in range({n})) / {n})",
        )
    prompt = pick(
        rng,
        (
            "Estimate pi with {n} random points (Monte Carlo, seed {s}).",
            "Monte Carlo estimate of pi using {n} samples and random.seed({s})?",
        ),
        n=n,
        s=seed,
    )
    return _py(
        rng,
        prompt,
        f"import random\nrandom.seed({seed})\ninside = sum(random.random() ** 2 + random.random() ** 2 "
        f"<= 1 for _ in range({n}))\nprint(4 * inside / {n})",
    )


@template(f"{G}/seeded_shuffle", PYTHON)
def seeded_shuffle(rng: random.Random) -> Draft:
    seed = rng.randint(0, 999)
    names = rng.sample(FIRST_NAMES, rng.randint(4, 7))
    if rng.random() < 0.5:
        prompt = pick(
            rng, ("Shuffle {l} using random.seed({s}).", "Randomly order {l} with seed {s}."), l=names, s=seed
        )
        return _py(
            rng, prompt, f"import random\nrandom.seed({seed})\nnames = {names!r}\nrandom.shuffle(names)\nprint(names)"
        )
    k = rng.randint(1, 3)
    prompt = pick(
        rng,
        ("Pick {k} winners at random from {l} (seed {s}).", "Draw {k} names from {l} with random.seed({s})."),
        k=k,
        l=names,
        s=seed,
    )
    return _py(rng, prompt, f"import random\nrandom.seed({seed})\nprint(random.sample({names!r}, {k}))")


@template(f"{G}/random_password", PYTHON, weight=0.6)
def random_password(rng: random.Random) -> Draft:
    seed, length = rng.randint(0, 9999), rng.randint(8, 20)
    prompt = pick(
        rng,
        (
            "Generate a {n}-character password of letters and digits using random.seed({s}).",
            "Make a random {n}-char alphanumeric string with seed {s}.",
            "With random.seed({s}), create a password of {n} letters and digits.",
            "Seed the generator with {s} and print a random alphanumeric password of length {n}.",
            "I need a reproducible {n}-character password (ASCII letters + digits), seed {s}.",
            "random password, {n} chars, letters and numbers, seed={s}",
        ),
        n=length,
        s=seed,
    )
    return _py(
        rng,
        prompt,
        f"import random, string\nrandom.seed({seed})\nprint(''.join(random.choices(string.ascii_letters "
        f"+ string.digits, k={length})))",
    )


@template(f"{G}/random_walk", PYTHON, weight=0.6)
def random_walk(rng: random.Random) -> Draft:
    seed, steps = rng.randint(0, 9999), rng.choice((10, 50, 100, 1000))
    prompt = pick(
        rng, ("Simulate a 1-D random walk of {n} steps of +1/-1 with seed {s}. Where does it end?",), n=steps, s=seed
    )
    return _py(
        rng, prompt, f"import random\nrandom.seed({seed})\nprint(sum(random.choice((-1, 1)) for _ in range({steps})))"
    )


# --- formatting ------------------------------------------------------------------------------------------------


@template(f"{G}/number_formatting", PYTHON)
def number_formatting(rng: random.Random) -> Draft:
    x = round(rng.uniform(1000, 99_999_999), 4)
    kind = rng.randrange(3)
    if kind == 0:
        prompt = pick(
            rng,
            ("Format {x} with thousands separators and 2 decimals.", "Show {x} as a money-style number like 1,234.56."),
            x=x,
        )
        return _py(rng, prompt, f"print(f'{{{x}:,.2f}}')")
    if kind == 1:
        prompt = pick(
            rng,
            (
                "Write {x} in scientific notation with 3 significant decimals.",
                "Express {x} in e-notation (3 decimals).",
            ),
            x=x,
        )
        return _py(rng, prompt, f"print(f'{{{x}:.3e}}')")
    n, w = rng.randint(1, 9999), rng.choice((6, 8, 10))
    prompt = pick(rng, ("Zero-pad {n} to {w} digits.", "Show {n} as a {w}-digit number with leading zeros."), n=n, w=w)
    return _py(rng, prompt, f"print(str({n}).zfill({w}))")


@template(f"{G}/text_table", PYTHON, weight=0.7)
def text_table(rng: random.Random) -> Draft:
    rows = [(f, rng.randint(1, 99)) for f in rng.sample(FRUITS, rng.randint(3, 5))]
    prompt = pick(rng, ("Print {r} as a left-aligned two-column table, names padded to 12 characters.",), r=rows)
    return _py(rng, prompt, f"for name, qty in {rows!r}:\n    print(f'{{name:<12}}{{qty}}')")


# --- predict output ----------------------------------------------------------------------------------------------

_SNIPPETS = (
    "print([x ** 2 for x in range({a})])",
    "print(sum(range({a}, {b})))",
    "print('{w}'[{a2}:] + '{w}'[:{a2}])",
    "print(len(set('{w}')))",
    "print({a} // 3, {a} % 3)",
    "print(sorted('{w}', reverse=True))",
    "x = [{a}, {b}, {a2}]\nx.append(x[0] + x[-1])\nprint(x)",
    "print('-'.join(str(i) for i in range({a2}, {a})))",
    "d = {{}}\nfor c in '{w}':\n    d[c] = d.get(c, 0) + 1\nprint(d)",
    "print(list(zip('{w}', range({a2}))))",
    "print(' '.join(w.capitalize() for w in '{t}'.split()))",
    "print(bin({b}), hex({b}))",
    "print([i for i in range({b}) if i % {a2} == 0])",
    "print(max('{t}'.split(), key=len))",
    "s = 0\nfor i in range(1, {a} + 1):\n    s += i * i\nprint(s)",
    "print({{k: v for k, v in enumerate('{w}')}})",
    "a, b = {a}, {b}\na, b = b, a % b\nprint(a, b)",
    "print('{w}'.upper().center(20, '*'))",
    "print(round({b} / 7, 3))",
    "print(list(map(len, '{t}'.split())))",
)


@template(f"{G}/predict_output", PYTHON, weight=1.5)
def predict_output(rng: random.Random) -> Draft:
    snippet = rng.choice(_SNIPPETS).format(
        a=rng.randint(4, 12), b=rng.randint(13, 200), a2=rng.randint(2, 4), w=_word(rng), t=_text(rng)
    )
    inline = "\n" not in snippet and rng.random() < 0.5
    if inline:
        prompt = pick(
            rng,
            (
                "What does `{c}` print?",
                "What's the output of `{c}`?",
                "Run `{c}` and tell me the result.",
                "what would `{c}` output",
            ),
            c=snippet,
        )
    else:
        prompt = pick(
            rng,
            (
                "What does this Python code print?\n```python\n{c}\n```",
                "Run this and show me the output:\n```python\n{c}\n```",
                "What's the output of this snippet?\n```\n{c}\n```",
            ),
            c=snippet,
        )
    return _py(rng, prompt, snippet)


@template(f"{G}/evaluate_function", PYTHON)
def evaluate_function(rng: random.Random) -> Draft:
    x = rng.randint(2, 30)
    body = rng.choice(
        (
            "def f(n):\n    return n * (n + 1) // 2",
            "def f(n):\n    return 1 if n < 2 else n * f(n - 1)",
            "def f(n):\n    return [i for i in range(1, n + 1) if n % i == 0]",
            "def f(n):\n    return sum(int(d) for d in str(n ** 3))",
            "def f(n):\n    return ''.join('fizz' * (i % 3 == 0) + 'buzz' * (i % 5 == 0) or str(i) for i "
            "in range(1, n + 1))[:60]",
        )
    )
    prompt = pick(
        rng, ("Given\n```python\n{b}\n```\nwhat is f({x})?", "Evaluate f({x}) for this function:\n{b}"), b=body, x=x
    )
    return _py(rng, prompt, f"{body}\nprint(f({x}))")


@template(f"{G}/fizzbuzz", PYTHON, weight=0.6)
def fizzbuzz(rng: random.Random) -> Draft:
    a, b = rng.randint(1, 40), 0
    b = a + rng.randint(5, 15)
    prompt = pick(rng, ("Print FizzBuzz from {a} to {b}.", "Run FizzBuzz for the numbers {a} through {b}."), a=a, b=b)
    return _py(
        rng, prompt, f"for i in range({a}, {b} + 1):\n    print('Fizz' * (i % 3 == 0) + 'Buzz' * (i % 5 == 0) or i)"
    )


# --- more tasks that need loops ---------------------------------------------------------------------------------


@template(f"{G}/multiplication_table", PYTHON)
def multiplication_table(rng: random.Random) -> Draft:
    n, upto = rng.randint(2, 19), rng.choice((10, 12))
    prompt = pick(
        rng,
        (
            "Print the multiplication table of {n} up to {u}.",
            "Show me the {n} times table (1 to {u}).",
            "times table for {n}",
        ),
        n=n,
        u=upto,
    )
    return _py(rng, prompt, f"for i in range(1, {upto} + 1):\n    print(f'{n} x {{i}} = {{{n} * i}}')")


@template(f"{G}/star_pattern", PYTHON, weight=0.6)
def star_pattern(rng: random.Random) -> Draft:
    n = rng.randint(3, 8)
    if rng.random() < 0.5:
        prompt = pick(rng, ("Print a right triangle of stars with {n} rows.", "Draw a {n}-row star triangle."), n=n)
        return _py(rng, prompt, f"for i in range(1, {n} + 1):\n    print('*' * i)")
    prompt = pick(rng, ("Print a centered pyramid of stars with {n} rows.", "Make a {n}-level star pyramid."), n=n)
    return _py(rng, prompt, f"for i in range({n}):\n    print(' ' * ({n} - i - 1) + '*' * (2 * i + 1))")


@template(f"{G}/sum_with_condition", PYTHON)
def sum_with_condition(rng: random.Random) -> Draft:
    a = rng.randint(1, 100)
    b = a + rng.randint(20, 5000)
    kind = rng.randrange(3)
    if kind == 0:
        prompt = pick(
            rng,
            (
                "What's the sum of all even numbers from {a} to {b}?",
                "Add up the even numbers between {a} and {b}, inclusive.",
            ),
            a=a,
            b=b,
        )
        return _py(rng, prompt, f"print(sum(n for n in range({a}, {b} + 1) if n % 2 == 0))")
    if kind == 1:
        prompt = pick(
            rng,
            ("Sum of the squares of the numbers {a} through {b}?", "Add up n squared for n from {a} to {b}."),
            a=a,
            b=b,
        )
        return _py(rng, prompt, f"print(sum(n * n for n in range({a}, {b} + 1)))")
    prompt = pick(
        rng,
        ("How many numbers between {a} and {b} are divisible by 7?", "Count the multiples of 7 from {a} to {b}."),
        a=a,
        b=b,
    )
    return _py(rng, prompt, f"print(sum(1 for n in range({a}, {b} + 1) if n % 7 == 0))")


@template(f"{G}/largest_prime_factor", PYTHON)
def largest_prime_factor(rng: random.Random) -> Draft:
    n = rng.randint(100, 10**9)
    prompt = pick(rng, ("What is the largest prime factor of {n}?", "Biggest prime that divides {n}?"), n=n)
    return _py(
        rng,
        prompt,
        f"n, d = {n}, 2\nwhile d * d <= n:\n    if n % d:\n        d += 1\n    else:\n        n //= d\nprint(n)",
    )


@template(f"{G}/text_to_binary", PYTHON)
def text_to_binary(rng: random.Random) -> Draft:
    s = rng.choice(("hi", "ok", "cat", "dog", "abc", "Hey", "yes", "no", "A", "xyz"))
    prompt = pick(
        rng, ("Convert the text '{s}' to 8-bit binary.", 'What is "{s}" in binary (ASCII, 8 bits per char)?'), s=s
    )
    return _py(rng, prompt, f"print(' '.join(format(ord(c), '08b') for c in {s!r}))")


@template(f"{G}/long_words", PYTHON)
def long_words(rng: random.Random) -> Draft:
    s, n = _text(rng), rng.randint(3, 6)
    prompt = pick(
        rng,
        ('Which words in "{s}" have more than {n} letters?', "List the words longer than {n} characters in '{s}'."),
        s=s,
        n=n,
    )
    return _py(rng, prompt, f"print([w for w in {s!r}.split() if len(w) > {n}])")


@template(f"{G}/interest_schedule", PYTHON, weight=0.8)
def interest_schedule(rng: random.Random) -> Draft:
    p, r, years = rng.randint(1, 50) * 1000, rng.choice((3, 4, 5, 6, 7, 8)), rng.randint(3, 8)
    prompt = pick(
        rng,
        (
            "Show the balance each year for {y} years if ${p} grows at {r}% a year.",
            "Year-by-year balance of ${p} at {r}% annual interest over {y} years?",
        ),
        y=years,
        p=p,
        r=r,
    )
    return _py(
        rng,
        prompt,
        f"balance = {p}\nfor year in range(1, {years} + 1):\n    balance *= 1 + {r} / 100\n    "
        f"print(year, round(balance, 2))",
    )


@template(f"{G}/anagram_groups", PYTHON, weight=0.7)
def anagram_groups(rng: random.Random) -> Draft:
    pairs = rng.sample(ANAGRAM_PAIRS, 3)
    words = [w for pair in pairs for w in pair] + rng.sample(WORDS, 2)
    rng.shuffle(words)
    prompt = pick(
        rng,
        ("Group these words into anagrams: {w}", "Which of these words are anagrams of each other? {w}"),
        w=", ".join(words),
    )
    code = (
        f"groups = {{}}\nfor w in {words!r}:\n    groups.setdefault(''.join(sorted(w)), "
        f"[]).append(w)\nprint([g for g in groups.values() if len(g) > 1])"
    )
    return _py(rng, prompt, code)


@template(f"{G}/word_lengths", PYTHON)
def word_lengths(rng: random.Random) -> Draft:
    s = _text(rng)
    if rng.random() < 0.5:
        prompt = pick(
            rng, ('What\'s the average word length in "{s}"?', "Average number of letters per word in '{s}'?"), s=s
        )
        return _py(rng, prompt, f"words = {s!r}.split()\nprint(round(sum(len(w) for w in words) / len(words), 2))")
    prompt = pick(rng, ('Give the length of each word in "{s}".', "List the word lengths of '{s}'."), s=s)
    return _py(rng, prompt, f"print([len(w) for w in {s!r}.split()])")


@template(f"{G}/explicit_python_request", PYTHON)
def explicit_python_request(rng: random.Random) -> Draft:
    # When the user names the python tool for a job it can do, the request wins over the calculator rule.
    a, b = rng.randint(12, 9999), rng.randint(2, 999)
    op = rng.choice(("+", "-", "*", "**", "//", "%"))
    if op == "**":
        b = rng.randint(2, 40)
    prompt = pick(
        rng,
        (
            "Use Python to calculate {a} {o} {b}.",
            "Run {a} {o} {b} in Python.",
            "With Python, what is {a} {o} {b}?",
            "Execute print({a} {o} {b}) for me.",
        ),
        a=a,
        o=op,
        b=b,
    )
    return _py(rng, prompt, f"print({a} {op} {b})")


@template(f"{G}/validate_email", PYTHON)
def validate_email(rng: random.Random) -> Draft:
    s = rng.choice(
        (
            "alice@example.com",
            "bob.smith@mail.org",
            "not-an-email",
            "carol@@test.net",
            "dave@company",
            "eve_99@uni.edu",
            "frank@site.co.uk",
            "@missing.com",
        )
    )
    prompt = pick(rng, ("Is '{s}' a valid email address?", 'Check whether "{s}" looks like a valid email.'), s=s)
    return _py(rng, prompt, f"import re\nprint(bool(re.fullmatch(r'[\\w.+-]+@[\\w-]+(\\.[\\w-]+)+', {s!r})))")
