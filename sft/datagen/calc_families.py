"""Calculator task families: minimal pairs that differ in one phrase and flip the expression.

Each family is one task ("X% of Y", "Y plus an X% tip", "split Y among N", "N items at Y each", ...) drawn by one
function, and several templates (phrasing styles) that ask for it: a direct question, a story, a terse note. The
split holds out whole templates, so a held-out style still has siblings of the same family in training, and the
neighbouring families teach what one changed phrase does to the expression (``2480 * 17.5 / 100`` for "17.5% of
2,480", ``2480 * (1 + 17.5 / 100)`` for "2,480 increased by 17.5%").

Numbers are copied exactly: the prompt shows them as people type them (``2,480``, ``$1,299.99``, ``-7.5``,
``0.125``) and the expression holds the same digits without separators or currency signs, every operand in the
order the prompt gives it. The build evaluates each expression with the project's calculator.
"""

from __future__ import annotations

import random
from typing import Any

from sft.datagen.core import CALCULATOR, Draft, FamilyTask, family_templates, fmt_num, rand_price
from sft.datagen.vocab import FIRST_NAMES

G = "synth_calc"

_PERCENTS = (3, 5, 7, 8, 10, 12, 12.5, 15, 17.5, 18, 20, 22, 25, 30, 33, 35, 40, 45, 2.5, 6.25, 8.75, 60, 75, 11)


def _draft(rng: random.Random, prompt: str, expression: str) -> Draft:
    return Draft(prompt=prompt, expression=expression)


def _grouped(expr: str, rng: random.Random) -> str:
    """``"2480.5"`` as a user may write it: ``"2,480.5"`` (half the time, for four digits and more)."""
    sign, body = ("-", expr[1:]) if expr.startswith("-") else ("", expr)
    whole, _, frac = body.partition(".")
    if len(whole) >= 4 and rng.random() < 0.6:
        whole = f"{int(whole):,}"
    return sign + whole + ("." + frac if frac else "")


def _quantity(rng: random.Random, low: int = 12, high: int = 250_000, decimals: float = 0.3) -> tuple[str, str]:
    """(shown, expression) for a plain quantity of varied length, sometimes with decimals."""
    digits = rng.randint(len(str(low)), len(str(high)))
    value: float = rng.randint(max(low, 10 ** (digits - 1)), min(high, 10**digits - 1))
    if rng.random() < decimals:
        value = round(value + rng.random(), rng.choice((1, 2)))
    expr = fmt_num(value)
    return _grouped(expr, rng), expr


def _cash(rng: random.Random, low: float = 5, high: float = 3000, cur: str | None = None) -> tuple[str, str]:
    """(shown, expression) for an amount of money: ``"$1,299.99"`` -> ``"1299.99"``; ``cur`` forces a currency."""
    amount = rand_price(rng, low, high)
    expr = fmt_num(amount)
    whole = int(amount)
    text = f"{whole:,}" if whole >= 1000 and rng.random() < 0.7 else str(whole)
    if not amount.is_integer():
        text += f".{round((amount - whole) * 100):02d}"
    cur = cur or rng.choice(("$", "$", "$", "€", "£"))
    if rng.random() < 0.12:
        return f"{text} {dict(zip('$€£', ('dollars', 'euros', 'pounds'), strict=True))[cur]}", expr
    return cur + text, expr


def _percent(rng: random.Random) -> str:
    return fmt_num(rng.choice(_PERCENTS))


def _an(number_text: str) -> str:
    """The article before a spoken number: "an 8% tip", "an 18% tip", "a 15% tip"."""
    return "an" if number_text.startswith(("8", "11", "18")) else "a"


def _r2(expression: str) -> str:
    return f"round({expression}, 2)"


_ITEMS = ("jacket", "lamp", "blender", "backpack", "tent", "monitor", "desk chair", "rug", "kettle", "guitar", "drone")
_THINGS = (
    ("notebook", "notebooks"),
    ("ticket", "tickets"),
    ("chair", "chairs"),
    ("mug", "mugs"),
    ("plant", "plants"),
    ("cable", "cables"),
    ("poster", "posters"),
    ("towel", "towels"),
)
_CROWDS = ("people surveyed", "students", "visitors", "voters", "employees", "members", "customers")


def _name(rng: random.Random) -> str:
    return rng.choice(FIRST_NAMES)


# --- percentages of plain quantities ---------------------------------------------------------------------------


def _pct_task(rng: random.Random, shape: str) -> FamilyTask:
    y, y_expr = _quantity(rng)
    x = _percent(rng)
    crowd = rng.choice(_CROWDS)
    return {"x": x, "y": y, "crowd": crowd, "who": _name(rng)}, shape.format(y=y_expr, x=x)


def _pct_of(rng: random.Random) -> FamilyTask:
    return _pct_task(rng, "{y} * {x} / 100")


def _pct_increase(rng: random.Random) -> FamilyTask:
    return _pct_task(rng, "{y} * (1 + {x} / 100)")


def _pct_decrease(rng: random.Random) -> FamilyTask:
    return _pct_task(rng, "{y} * (1 - {x} / 100)")


family_templates(
    G,
    "pct_of",
    CALCULATOR,
    _pct_of,
    {
        "ask": (
            "Take {x}% of {y}. What do you get?",
            "{x} percent of {y} equals what?",
            "Could you work out {x}% of {y} for me?",
            "What number is {x}% of {y}?",
            "I need to know {x}% of {y}.",
        ),
        "story": (
            "Of the {y} {crowd}, {x}% said yes. How many is that?",
            "A tank holds {y} liters and {x}% of it has leaked out. How many liters leaked?",
            "{who} spends {x}% of a {y} budget on travel. How much goes to travel?",
            "{x}% of the {y} tickets were sold online. How many tickets is that?",
        ),
        "terse": ("{x}% × {y}", "{y} * {x}% =", "portion: {x}% of {y}", "{x} pct of {y}?", "{x}% of {y} -> ?"),
        "flipped": (
            "Of {y}, how much is {x}%?",
            "From a total of {y}, take {x} percent: how much?",
            "Given {y}, what is {x}% of it?",
        ),
    },
    _draft,
)

family_templates(
    G,
    "pct_increase",
    CALCULATOR,
    _pct_increase,
    {
        "ask": (
            "What is {y} increased by {x}%?",
            "If you increase {y} by {x}%, what do you get?",
            "{y} raised by {x} percent is how much?",
            "What does {y} become after a {x}% increase?",
        ),
        "story": (
            "A town of {y} residents grows by {x}%. What is the new population?",
            "Last year the shop sold {y} units; this year sales rose {x}%. How many units this year?",
            "{who}'s step goal of {y} goes up {x}%. What's the new goal?",
            "The number of {crowd}, now {y}, is expected to climb {x}%. What will it be?",
        ),
        "terse": ("{y} up {x}%", "bump {y} by {x}%", "{y} grown by {x} pct = ?", "{y} after +{x}%"),
        "flipped": (
            "Add {x}% to {y}. What's the result?",
            "With a {x}% increase, what does {y} turn into?",
            "Starting from {y}, go up by {x} percent. Result?",
        ),
    },
    _draft,
)

family_templates(
    G,
    "pct_decrease",
    CALCULATOR,
    _pct_decrease,
    {
        "ask": (
            "What is {y} decreased by {x}%?",
            "If you reduce {y} by {x}%, what's left?",
            "{y} lowered by {x} percent is how much?",
            "What does {y} become after a {x}% drop?",
        ),
        "story": (
            "A town of {y} residents shrinks by {x}%. What is the new population?",
            "Our factory made {y} parts last month and {x}% fewer this month. How many parts this month?",
            "{who} cuts a daily {y} calorie plan by {x}%. What's the new daily amount?",
            "The number of {crowd}, now {y}, is expected to fall {x}%. What will it be?",
        ),
        "terse": ("{y} down {x}%", "cut {y} by {x}%", "{y} shrunk by {x} pct = ?", "{y} after -{x}%"),
        "flipped": (
            "Take {x}% away from {y}. What's the result?",
            "With a {x}% decrease, what does {y} turn into?",
            "Starting from {y}, go down by {x} percent. Result?",
        ),
    },
    _draft,
)


# --- prices: discounts and tips --------------------------------------------------------------------------------


def _price_task(rng: random.Random, shape: str, tips: bool = False) -> FamilyTask:
    low, high = (12, 480) if tips else (8, 2500)
    y, y_expr = _cash(rng, low, high)
    x = fmt_num(rng.choice((10, 12, 15, 18, 20, 22, 25, 12.5, 17.5))) if tips else _percent(rng)
    n = rng.randint(2, 12)
    values = {"x": x, "a": _an(x), "y": y, "n": n, "item": rng.choice(_ITEMS), "who": _name(rng)}
    return values, _r2(shape.format(y=y_expr, x=x, n=n))


def _pct_off(rng: random.Random) -> FamilyTask:
    return _price_task(rng, "{y} * (1 - {x} / 100)")


def _tip_amount(rng: random.Random) -> FamilyTask:
    return _price_task(rng, "{y} * {x} / 100", tips=True)


def _tip_total(rng: random.Random) -> FamilyTask:
    return _price_task(rng, "{y} * (1 + {x} / 100)", tips=True)


def _tip_split(rng: random.Random) -> FamilyTask:
    return _price_task(rng, "{y} * (1 + {x} / 100) / {n}", tips=True)


family_templates(
    G,
    "pct_off",
    CALCULATOR,
    _pct_off,
    {
        "ask": (
            "What's {x}% off {y}?",
            "How much is {y} at {x}% off?",
            "What do I pay for something priced {y} with {x}% off?",
            "Price after taking {x}% off {y}?",
        ),
        "story": (
            "The {item} I want is {y}, and the store has {x}% off today. What will it cost me?",
            "{who} found a {item} marked {y} with {a} {x}%-off sticker. What does {who} pay?",
            "There is {a} {x}% off sale and the {item} was {y}. What's the sale price?",
            "My coupon takes {x}% off. The {item} is {y}. What's left to pay?",
        ),
        "terse": ("{y}, {x}% off, final?", "{x}% off of {y} =", "sale price: {y} minus {x}% off", "{y} w/ {x}% off"),
        "flipped": (
            "With {x}% taken off, what does a {y} {item} cost?",
            "{x} percent off: what's the new price of a {y} {item}?",
            "At a {x}% discount, how much will {y} become?",
        ),
    },
    _draft,
)

family_templates(
    G,
    "tip_amount",
    CALCULATOR,
    _tip_amount,
    {
        "ask": (
            "What is the {x}% tip on {y}?",
            "How big is {a} {x}% tip on a {y} check?",
            "How much tip is {x}% of {y}?",
            "What should the tip be on {y} at {x}%?",
        ),
        "story": (
            "Dinner came to {y}. I want to leave {x}% as a tip. How much is the tip alone?",
            "{who}'s taxi fare was {y} and {who} tips {x}%. How much is the tip?",
            "Our tab is {y}. What's just the tip if we do {x}%?",
            "The haircut cost {y}; I'd like to tip {x}%. What amount do I tip?",
        ),
        "terse": ("tip only: {x}% of {y}", "{x}% gratuity on {y}, tip amount?", "{y} bill, {x}% tip -> tip?"),
        "flipped": (
            "At {x}%, how much tip do I leave on {y}?",
            "Leaving {a} {x}% tip, how much is the tip itself on a {y} meal?",
            "For {a} {x}% tip, what's the tip on a bill of {y}?",
        ),
    },
    _draft,
)

family_templates(
    G,
    "tip_total",
    CALCULATOR,
    _tip_total,
    {
        "ask": (
            "What is {y} plus {a} {x}% tip?",
            "How much do I pay in all for {y} with {a} {x}% tip?",
            "What's the whole amount on {y} once I add {x}% tip?",
            "How much is {y} including {a} {x}% tip?",
        ),
        "story": (
            "Lunch was {y} and I'm adding {x}% for the server. What do I hand over in total?",
            "{who} pays for a {y} haircut and adds a {x}% tip. How much does {who} pay altogether?",
            "Our delivery order is {y}; with a {x}% tip on top, what's the total charge?",
            "The check says {y}. We tip {x}%. What's the grand total?",
        ),
        "terse": ("{y} + {x}% tip =", "total incl. {x}% tip on {y}", "{y} w/ {x}% tip, total?", "{y} plus tip @ {x}%"),
        "flipped": (
            "Adding {a} {x}% tip, what's the final total on {y}?",
            "With {x}% tip included, how much is a {y} meal in all?",
            "At {x}% tip, what's the total I pay on a bill of {y}?",
        ),
    },
    _draft,
)

family_templates(
    G,
    "tip_split",
    CALCULATOR,
    _tip_split,
    {
        "ask": (
            "How much does each person pay if we split {y} with {a} {x}% tip between {n}?",
            "Split {y} plus {a} {x}% tip between {n} people. How much per person?",
            "What's each share when {n} people divide {y} and {a} {x}% tip?",
            "If {n} of us split a {y} bill and add {x}% tip, what does each owe?",
        ),
        "story": (
            "{n} of us had dinner for {y}. We add {x}% tip and split it evenly. What does each of us pay?",
            "The team lunch cost {y}; with {a} {x}% tip it is shared by {n} coworkers. What does each pay?",
            "{who} and friends, {n} people in all, owe {y} plus {a} {x}% tip, split equally. How much each?",
        ),
        "terse": (
            "{y} + {x}% tip, split {n} ways",
            "per person: {y} with {x}% tip / {n}",
            "{n}-way split of {y} + {x}%",
        ),
        "flipped": (
            "Between {n} people, with {a} {x}% tip, how much does each pay on {y}?",
            "Each person's share, {n} people, bill {y}, tip {x}%?",
        ),
    },
    _draft,
)


# --- what percent, percent change -------------------------------------------------------------------------------


def _what_percent(rng: random.Random) -> FamilyTask:
    b, b_expr = _quantity(rng, 20, 90_000, decimals=0.15)
    a_value = rng.randint(1, int(float(b_expr))) if rng.random() < 0.85 else rng.randint(int(float(b_expr)) + 1, 99_999)
    a = fmt_num(a_value)
    values = {"a": _grouped(a, rng), "b": b, "who": _name(rng), "crowd": rng.choice(_CROWDS)}
    return values, f"{a} / {b_expr} * 100"


def _pct_change(rng: random.Random) -> FamilyTask:
    a, a_expr = _quantity(rng, 15, 60_000, decimals=0.2)
    new = round(float(a_expr) * rng.uniform(0.3, 2.2), rng.choice((0, 0, 1, 2)))
    b_expr = fmt_num(new if new != float(a_expr) else new + 3)
    values = {"a": a, "b": _grouped(b_expr, rng), "who": _name(rng), "crowd": rng.choice(_CROWDS)}
    return values, f"({b_expr} - {a_expr}) / {a_expr} * 100"


family_templates(
    G,
    "what_percent",
    CALCULATOR,
    _what_percent,
    {
        "ask": (
            "What percent is {a} of {b}?",
            "{a} is what percent of {b}?",
            "What percentage of {b} does {a} make up?",
            "Express {a} as a percent of {b}.",
        ),
        "story": (
            "{who} answered {a} of {b} questions correctly. What percent is that?",
            "We've raised {a} toward a goal of {b}. What percentage of the goal is that?",
            "{a} of the {b} {crowd} showed up. What percent came?",
            "A download is {a} MB into a {b} MB file. What percent is done?",
        ),
        "terse": ("{a}/{b} in %", "{a} of {b} as %", "pct: {a} out of {b}", "{a} vs {b} total, percent?"),
        "flipped": (
            "Out of {b}, what percentage is {a}?",
            "Compared with {b}, {a} is how many percent?",
            "Taking {b} as 100%, what percent is {a}?",
        ),
    },
    _draft,
)

family_templates(
    G,
    "pct_change",
    CALCULATOR,
    _pct_change,
    {
        "ask": (
            "What is the percent change from {a} to {b}?",
            "By what percentage does a value change going from {a} to {b}?",
            "How many percent is the change from {a} to {b}?",
            "What's the percentage difference if {a} becomes {b}? (relative to {a})",
        ),
        "story": (
            "Our website had {a} visitors last month and {b} this month. What's the percent change?",
            "{who}'s savings went from {a} to {b}. By what percent did they change?",
            "The club had {a} {crowd} and now has {b}. Percent change?",
            "A stock moved from {a} to {b} points. What's the change in percent?",
        ),
        "terse": ("% change {a} -> {b}", "{a} to {b}: percent change", "pct change, old {a}, new {b}"),
        "flipped": (
            "Going from {a} up or down to {b}, what percent change is that?",
            "If the old value is {a} and the new one is {b}, what's the change in percent?",
            "Relative to {a}, by what percent does {b} differ?",
        ),
    },
    _draft,
)


# --- division versus multiplication ------------------------------------------------------------------------------


def _share(rng: random.Random) -> FamilyTask:
    y, y_expr = _cash(rng, 20, 9000)
    n = rng.randint(2, 15)
    return {"y": y, "n": n, "who": _name(rng)}, _r2(f"{y_expr} / {n}")


def _each_costing(rng: random.Random) -> FamilyTask:
    y, y_expr = _cash(rng, 1.5, 400)
    n = rng.randint(3, 250)
    one, many = rng.choice(_THINGS)
    return {"y": y, "n": n, "one": one, "many": many, "who": _name(rng)}, _r2(f"{n} * {y_expr}")


family_templates(
    G,
    "share_among",
    CALCULATOR,
    _share,
    {
        "ask": (
            "If {y} is split among {n} people, how much does each get?",
            "What is each share when {y} is divided among {n}?",
            "Share {y} equally between {n}: how much each?",
            "How much is one part if you divide {y} into {n} equal shares?",
        ),
        "story": (
            "{who} won {y} and splits it equally among {n} cousins. How much does each cousin get?",
            "The {n} roommates share the {y} rent equally. What does each pay?",
            "A {y} prize pot is shared by {n} winners. What's one winner's share?",
            "We paid {y} for the cabin and there are {n} of us. What's my share?",
        ),
        "terse": ("{y} split {n} ways", "{y} among {n} people, each?", "divide {y} by {n} heads"),
        "flipped": (
            "Among {n} people, how much does each get from {y}?",
            "Split equally {n} ways, what's each share of {y}?",
            "With {n} of us sharing {y}, how much per person?",
        ),
    },
    _draft,
)

family_templates(
    G,
    "each_costing",
    CALCULATOR,
    _each_costing,
    {
        "ask": (
            "How much do {n} {many} cost at {y} each?",
            "What's the total for {n} {many}, each costing {y}?",
            "If one {one} costs {y}, what do {n} of them cost?",
            "What do I pay for {n} {many} priced at {y} apiece?",
        ),
        "story": (
            "{who} buys {n} {many}, each costing {y}. What does {who} spend?",
            "We ordered {n} {many} for the office at {y} a piece. What's the bill?",
            "The school needs {n} {many}; each one is {y}. How much altogether?",
        ),
        "terse": ("{n} {many} x {y} each", "{n} @ {y} = ?", "cost of {n} {many} at {y} per {one}"),
        "flipped": (
            "At {y} per {one}, what do {n} {many} cost?",
            "Each {one} is {y}. How much for {n}?",
            "With {many} at {y} apiece, how much is {n} of them?",
        ),
    },
    _draft,
)


# --- multi-step word problems: every operand, in order ---------------------------------------------------------

_CONTAINERS = (("crates", "apples"), ("boxes", "pencils"), ("bags", "marbles"), ("packs", "cards"), ("trays", "eggs"))


def _packs_give(rng: random.Random) -> FamilyTask:
    k, per = rng.randint(2, 40), rng.randint(6, 144)
    gone = rng.randint(1, k * per - 1)
    box, thing = rng.choice(_CONTAINERS)
    values = {"k": k, "per": per, "gone": gone, "box": box, "thing": thing, "who": _name(rng)}
    return values, f"{k} * {per} - {gone}"


def _packs_give_get(rng: random.Random) -> FamilyTask:
    values, expression = _packs_give(rng)
    got = rng.randint(2, 500)
    values["got"] = got
    return values, f"{expression} + {got}"


family_templates(
    G,
    "packs_give",
    CALCULATOR,
    _packs_give,
    {
        "ask": (
            "If {who} has {k} {box} of {per} {thing} and gives away {gone}, how many {thing} are left?",
            "How many {thing} remain from {k} {box} of {per} after {gone} are handed out?",
            "{k} {box} hold {per} {thing} each. Take away {gone}. How many {thing} now?",
        ),
        "story": (
            "{who} buys {k} {box} with {per} {thing} in each, then gives {gone} {thing} to friends. How many are left?",
            "A shop receives {k} {box} of {per} {thing} and sells {gone} of them by noon. How many {thing} remain?",
            "There were {k} {box}, {per} {thing} per box, and {gone} {thing} got lost. How many are still there?",
        ),
        "terse": ("{k} {box} x {per} {thing}, minus {gone} given away = ?", "{k} lots of {per}, less {gone}"),
        "flipped": (
            "After giving away {gone}, how many {thing} are left from {k} {box} of {per}?",
            "Minus {gone}, how many {thing} remain in {k} {box} holding {per} each?",
        ),
    },
    _draft,
)

family_templates(
    G,
    "packs_give_get",
    CALCULATOR,
    _packs_give_get,
    {
        "ask": (
            "{who} has {k} {box} of {per} {thing}, gives away {gone}, then gets {got} more. How many {thing} now?",
            "How many {thing} are there after {k} {box} of {per}, minus {gone} given out, plus {got} received?",
            "Start with {k} {box} of {per} {thing}, remove {gone}, add {got}. How many {thing}?",
        ),
        "story": (
            "A library had {k} {box} of {per} {thing}. It lent out {gone} and a donor brought {got}. How many now?",
            "{who} packed {k} {box} with {per} {thing} each, sold {gone}, then restocked {got}. Total {thing} now?",
        ),
        "terse": ("{k} {box} of {per}, give {gone}, receive {got}: total?", "{k}x{per} {thing} -{gone} +{got} = ?"),
        "flipped": (
            "After giving away {gone} and getting {got} more, how many {thing} are there from {k} {box} of {per}?",
            "Plus {got} received and minus {gone} given, how many {thing} from {k} {box} of {per} each?",
        ),
    },
    _draft,
)


def _average(rng: random.Random) -> FamilyTask:
    count = rng.randint(3, 6)
    nums = [
        fmt_num(rng.randint(1, 999) if rng.random() < 0.75 else round(rng.uniform(1, 500), 1)) for _ in range(count)
    ]
    shown = ", ".join(nums[:-1]) + rng.choice((", and ", " and ", ", ")) + nums[-1]
    values = {"l": shown, "k": count, "who": _name(rng)}
    return values, f"({' + '.join(nums)}) / {count}"


family_templates(
    G,
    "average_of",
    CALCULATOR,
    _average,
    {
        "ask": (
            "What is the mean of {l}?",
            "Can you average {l}?",
            "What's the arithmetic mean of these {k} numbers: {l}?",
            "Find the average value of {l}.",
        ),
        "story": (
            "{who} scored {l} in {k} games. What was the average score per game?",
            "Over {k} days the shop made {l} sales. What's the daily average?",
            "The {k} packages weigh {l} kg. What's their average weight?",
            "My last {k} runs took {l} minutes. What's my mean time?",
        ),
        "terse": ("avg of {l}", "mean({l})", "{l} -> average?", "average these {k}: {l}"),
        "flipped": (
            "Across these {k} values, {l}, what's the average?",
            "Taking {l}, what is their mean?",
            "For the numbers {l}, what is the average?",
        ),
    },
    _draft,
)


# --- rates, times and conversions -----------------------------------------------------------------------------

_RATES = (
    ("liters", "minute", "minutes", "A pump moves"),
    ("pages", "hour", "hours", "A printer prints"),
    ("km", "hour", "hours", "A cyclist rides"),
    ("widgets", "hour", "hours", "A machine makes"),
    ("MB", "second", "seconds", "A connection downloads"),
    ("words", "minute", "minutes", "A typist types"),
)


def _rate_task(rng: random.Random) -> tuple[dict[str, Any], str, str]:
    unit, per, pers, actor = rng.choice(_RATES)
    rate = fmt_num(rng.randint(3, 400) if rng.random() < 0.7 else round(rng.uniform(1, 90), 1))
    time = fmt_num(rng.randint(2, 120) if rng.random() < 0.7 else round(rng.uniform(1, 12), 1) + 0.5)
    values = {"unit": unit, "per": per, "pers": pers, "actor": actor, "r": rate, "t": time}
    return values, rate, time


def _rate_times_time(rng: random.Random) -> FamilyTask:
    values, rate, time = _rate_task(rng)
    return values, f"{rate} * {time}"


def _amount_over_rate(rng: random.Random) -> FamilyTask:
    values, rate, _ = _rate_task(rng)
    total, total_expr = _quantity(rng, 50, 60_000, decimals=0.15)
    values["total"] = total
    return values, f"{total_expr} / {rate}"


family_templates(
    G,
    "rate_times_time",
    CALCULATOR,
    _rate_times_time,
    {
        "ask": (
            "At {r} {unit} per {per}, how many {unit} in {t} {pers}?",
            "How many {unit} is {t} {pers} at a rate of {r} {unit} per {per}?",
            "If the rate is {r} {unit} each {per}, what's the amount after {t} {pers}?",
        ),
        "story": (
            "{actor} {r} {unit} per {per}. How many {unit} after {t} {pers}?",
            "{actor} {r} {unit} every {per}, and it runs for {t} {pers}. What's the total in {unit}?",
        ),
        "terse": ("{r} {unit}/{per} for {t} {pers} = ? {unit}", "rate {r} {unit} per {per}, time {t} {pers}: amount?"),
        "flipped": (
            "In {t} {pers}, at {r} {unit} per {per}, how many {unit} is that?",
            "Over {t} {pers}, with {r} {unit} per {per}, what's the total?",
        ),
    },
    _draft,
)

family_templates(
    G,
    "amount_over_rate",
    CALCULATOR,
    _amount_over_rate,
    {
        "ask": (
            "At {r} {unit} per {per}, how many {pers} does it take to reach {total} {unit}?",
            "How long, in {pers}, to get {total} {unit} at a rate of {r} {unit} per {per}?",
            "If the rate is {r} {unit} each {per}, how many {pers} for {total} {unit}?",
        ),
        "story": (
            "{actor} {r} {unit} per {per}. How many {pers} until it has done {total} {unit}?",
            "{actor} {r} {unit} every {per}; the job is {total} {unit}. How many {pers} will it need?",
        ),
        "terse": ("{total} {unit} at {r} {unit}/{per} = ? {pers}", "time for {total} {unit}, rate {r} per {per}"),
        "flipped": (
            "To reach {total} {unit} at {r} {unit} per {per}, how many {pers} are needed?",
            "For {total} {unit}, going at {r} {unit} per {per}, how many {pers}?",
        ),
    },
    _draft,
)

# (from unit, to unit, factor, multiply): the expression is "value * factor" or "value / factor".
_CONVERSIONS = (
    ("meters", "kilometers", "1000", False),
    ("kilometers", "meters", "1000", True),
    ("miles", "kilometers", "1.609344", True),
    ("kilometers", "miles", "1.609344", False),
    ("pounds", "kilograms", "0.45359237", True),
    ("inches", "centimeters", "2.54", True),
    ("centimeters", "inches", "2.54", False),
    ("minutes", "hours", "60", False),
    ("hours", "minutes", "60", True),
    ("grams", "kilograms", "1000", False),
    ("liters", "milliliters", "1000", True),
    ("feet", "meters", "0.3048", True),
)


def _convert(rng: random.Random) -> FamilyTask:
    src, dst, factor, times = rng.choice(_CONVERSIONS)
    v, v_expr = _quantity(rng, 2, 99_999, decimals=0.35)
    return {"v": v, "src": src, "dst": dst}, f"{v_expr} {'*' if times else '/'} {factor}"


family_templates(
    G,
    "unit_convert",
    CALCULATOR,
    _convert,
    {
        "ask": (
            "How many {dst} are {v} {src}?",
            "What is {v} {src} in {dst}?",
            "Can you convert {v} {src} into {dst}?",
            "{v} {src} equals how many {dst}?",
        ),
        "story": (
            "The trail sign says {v} {src}. How far or how much is that in {dst}?",
            "My notes list {v} {src}, but the form wants {dst}. What number do I enter?",
            "A recipe from abroad uses {v} {src}; I think in {dst}. What's that?",
        ),
        "terse": ("{v} {src} -> {dst}", "{v} {src} to {dst}?", "convert: {v} {src} (answer in {dst})"),
        "flipped": (
            "In {dst}, how much is {v} {src}?",
            "Into {dst}: {v} {src} is how many?",
            "Converted to {dst}, what does {v} {src} come to?",
        ),
    },
    _draft,
)


# --- expressions and balances copied exactly ------------------------------------------------------------------


def _operand(rng: random.Random, negative: bool = True) -> tuple[str, str]:
    kind = rng.random()
    value: float
    if negative and kind < 0.15:
        value = -rng.randint(1, 500)
    elif kind < 0.35:
        value = round(rng.uniform(0.05, 900), rng.choice((1, 2, 3)))
    else:
        value = rng.randint(2, 99_999) if rng.random() < 0.4 else rng.randint(2, 999)
    expr = fmt_num(value, 3)
    shown = _grouped(expr, rng)
    return (f"({shown})", f"({expr})") if expr.startswith("-") else (shown, expr)


def _exact_expression(rng: random.Random) -> FamilyTask:
    shapes = (
        "(a + b) * c / d",
        "a - (b - c) * d",
        "(a - b) / (c + d)",
        "a * b - c * d",
        "a + b * c",
        "(a + b + c) / d",
    )
    shape = rng.choice(shapes)
    shown, expr = shape, shape
    for letter in "abcd":
        if letter in shape:
            s, e = _operand(rng, negative=letter in "ab")  # divisors stay positive: never a zero sum
            shown, expr = shown.replace(letter, s), expr.replace(letter, e)
    if rng.random() < 0.3:
        shown = shown.replace(" * ", rng.choice((" x ", " × ", "*"))).replace(" / ", rng.choice((" ÷ ", "/")))
    return {"e": shown}, expr


def _balance(rng: random.Random) -> FamilyTask:
    cur = rng.choice(("$", "$", "€", "£"))
    start, start_expr = _cash(rng, 100, 9000, cur)
    spent, spent_expr = _cash(rng, 5, float(start_expr) * 0.9, cur)
    got, got_expr = _cash(rng, 5, 4000, cur)
    return {"s": start, "out": spent, "in": got, "who": _name(rng)}, _r2(f"{start_expr} - {spent_expr} + {got_expr}")


family_templates(
    G,
    "exact_expression",
    CALCULATOR,
    _exact_expression,
    {
        "ask": ("What is {e}?", "What does {e} come to, exactly?", "Can you tell me the value of {e}?"),
        "command": ("Evaluate {e} exactly.", "Compute {e}, keeping every term.", "Work this out: {e}"),
        "terse": ("{e} =", "{e} = ?", "calc: {e}", "result of {e}?"),
    },
    _draft,
    weight=1.0,
)

family_templates(
    G,
    "balance",
    CALCULATOR,
    _balance,
    {
        "ask": (
            "I had {s}, spent {out}, then got {in} back. What do I have now?",
            "What's left from {s} after paying {out} and receiving {in}?",
            "If an account holds {s}, loses {out} and gains {in}, what is the balance?",
        ),
        "story": (
            "{who}'s account had {s}. The rent of {out} went out and a refund of {in} came in. What's the balance?",
            "The club fund started at {s}, paid {out} for uniforms and collected {in} in dues. How much is in it now?",
        ),
        "terse": ("balance: {s} - {out} + {in}", "start {s}, out {out}, in {in} -> ?"),
        "flipped": (
            "After spending {out} and getting {in}, how much is left of my {s}?",
            "Once {out} goes out and {in} comes in, what remains of {s}?",
        ),
    },
    _draft,
)
