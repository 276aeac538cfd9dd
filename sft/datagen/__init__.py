"""Offline, verified generation of the tool-calling SFT dataset.

Decision rule
=============
Every prompt gets exactly one of three replies. The rule looks at what answering *requires*, never at surface
features such as digits, math words or code in the prompt:

1. **calculator** -- the answer is a number obtained by arithmetic on numbers given or implied in the prompt
   (bare expressions, percentages, discounts, tips, tax, interest, unit and currency conversions with a known
   factor or a given rate, averages, geometry, speed/distance/time, recipe scaling, ...). The call's
   ``expression`` is a plain arithmetic expression.
2. **python** -- the answer needs a program rather than a formula: text processing (reverse, count, palindromes,
   ciphers), list work (sort, dedupe, median, mode), dates and weekdays, number theory (primes, factorization,
   gcd/lcm, Fibonacci), base conversion, hashing and encodings, regex extraction, combinatorics, seeded
   simulations, parsing inline JSON/CSV, or predicting what given code prints. The ``code`` prints the answer.
3. **direct answer** (``{"final": ...}``) -- everything else: facts that are recalled rather than computed
   (capitals, dates of events, "how many grams in a kilogram", "how many bones in the body"), definitions,
   explanations of concepts (including math and programming concepts: "what is a prime number?", "what does
   ``len()`` do?"), requests to *write* or *explain* code (the user wants the code or its explanation, not its
   output), advice, opinions, creative writing, small talk and questions about the assistant -- even when the prompt
   contains numbers ("I have 3 kids, any road-trip tips?", "What happened in 1969?", "Is 7 a lucky number?").

No exception for mental arithmetic: the system prompt sends arithmetic to the calculator and the seed's own
calculator example is ``2+2``, so a single operation on two digits ("2+2", "nine minus four", "the product of 3 and
4") is a calculator call like any other. (Until 2026-12-04 those were answered directly; on held-out phrasings the
model called the calculator anyway, with the right expression.)

Tie-breakers:

- Formula or program? Arithmetic on given numbers -- operators, powers, roots, percentages, rounding, logs and
  trig -- is the calculator. Anything that needs loops, strings, dates, libraries or a named algorithm (factorial,
  gcd/lcm, combinations, primes, digit sums, base conversion) is python.
- Recall or compute? A fixed fact is recalled ("how many feet in a mile?" -> direct); applying it to the user's
  numbers is computed ("convert 3.2 miles to feet" -> calculator).
- Result or code? "Use Python to / run / compute / what does this print" wants a *result* -> python. "Write a
  function / show me code / how do I ... in Python" wants *code* -> a direct answer containing the code.
- Mechanical text operation or language task? Reversing, counting, sorting or changing the case of given text is
  python; rephrasing, fixing grammar, summarizing or translating is a direct answer.
- The user names a tool? An explicit request ("use Python to ...", "use the calculator for ...") wins when that
  tool can do the job.
- Live information the tools cannot reach (weather, news, browsing) -> a direct answer saying so.

Held-out phrasings, not held-out tasks: the split holds out whole templates. A task written as one template (most of
the older ones) then leaves training entirely when its template is drawn for validation, and the shipped model never
sees it (such templates scored ~0% execution accuracy on validation, against ~90% for tasks with sibling templates).
``core.split_phrasings`` therefore registers every single-template task whose prompt comes from a phrasing list as
two halves that ask with alternate phrasings; a held-out half is a new wording of a task the model trained on.

Modules: ``core`` (registry, task families, phrasing helpers); the templates in ``calc_templates``,
``py_templates``, ``chat_templates``, ``concepts``, ``chat_misc`` and ``knowledge``; the task families (minimal
pairs, several phrasing styles per task) in ``calc_families`` and ``py_families``; ``build`` (drawing, dedup,
answers, records), ``execute`` (answers from the project's tools), ``summary`` and ``tokens`` (statistics), ``hub``
(optional public datasets).
"""

from __future__ import annotations

from sft.datagen import (  # noqa: F401 (importing registers the templates)
    calc_families,
    calc_templates,
    chat_misc,
    chat_templates,
    concepts,
    knowledge,
    py_families,
    py_templates,
)
from sft.datagen.core import REGISTRY, split_phrasings

split_phrasings()

__all__ = ["REGISTRY"]
