"""No-tool templates for conversation: small talk, the assistant itself, advice, opinions, creative writing, and
requests to *write* or *explain* code (which need no execution).
"""

from __future__ import annotations

import random

from sft.datagen.core import NO_TOOL, Draft, FamilyTask, family_templates, pick, qa_templates, template

# --- small talk and the assistant itself (one template per intent) ------------------------------------------------

qa_templates(
    "smalltalk",
    {
        "greeting": (
            (
                "Hi",
                "Hello!",
                "hey",
                "Hey there",
                "Good morning!",
                "Good evening",
                "hi there :)",
                "Hello, anyone there?",
                "yo",
                "Howdy!",
            ),
            (
                "Hello! How can I help you today?",
                "Hi there! What can I do for you?",
                "Hey! What would you like to know?",
            ),
        ),
        "how_are_you": (
            (
                "How are you?",
                "How's it going?",
                "How are you doing today?",
                "what's up?",
                "You doing ok?",
                "How's your day going?",
            ),
            (
                "I'm doing well, thanks for asking! How can I help you?",
                "All good here, thanks! What can I do for you today?",
            ),
        ),
        "thanks": (
            (
                "Thanks!",
                "Thank you so much.",
                "thx",
                "Thanks, that helped.",
                "Great, thank you!",
                "Appreciate it.",
                "cheers mate",
            ),
            (
                "You're welcome! Let me know if you need anything else.",
                "Happy to help!",
                "Anytime! Anything else I can do?",
            ),
        ),
        "goodbye": (
            ("Bye!", "Goodbye.", "See you later", "I have to go now, bye", "Talk to you tomorrow.", "good night!"),
            ("Goodbye! Have a great day.", "See you! Come back any time.", "Bye, take care!"),
        ),
        "joke": (
            (
                "Tell me a joke.",
                "Make me laugh.",
                "Do you know any jokes?",
                "tell me something funny",
                "I need a joke for my presentation.",
                "Got a good pun?",
            ),
            (
                "Why don't scientists trust atoms? Because they make up everything.",
                'I told my computer I needed a break, and it said: "No problem, I\'ll go to sleep."',
                "Why did the scarecrow win an award? Because he was outstanding in his field.",
                "Why do programmers prefer dark mode? Because light attracts bugs.",
                "What do you call a fake noodle? An impasta.",
            ),
        ),
        "bored": (
            (
                "I'm bored.",
                "I'm so bored, what should I do?",
                "Give me something to do, I'm bored",
                "Any ideas to kill some time?",
            ),
            (
                "How about a short walk, a new recipe, a chapter of a book, a puzzle, or learning a few "
                "words of a new language? If you tell me what you enjoy, I can suggest something more "
                "specific.",
            ),
        ),
        "sad": (
            (
                "I'm feeling sad today.",
                "I feel lonely.",
                "I had a really bad day.",
                "I'm stressed out and overwhelmed.",
                "Everything is going wrong today.",
            ),
            (
                "I'm sorry you're going through that. It can help to talk to someone you trust, take a "
                "short walk, or do one small thing you enjoy. If you want, tell me what happened and we "
                "can think it through together.",
            ),
        ),
        "compliment": (
            ("You're awesome.", "You're really helpful!", "Nice job!", "you are smart", "I like talking to you."),
            ("Thank you, that's kind of you to say! Is there anything else I can help with?",),
        ),
        "meaning_of_life": (
            ("What is the meaning of life?", "Why are we here?", "What's the point of it all?"),
            (
                "Philosophers disagree: many people find meaning in relationships, learning, creating "
                "things and helping others. (Douglas Adams fans will tell you the answer is 42.)",
            ),
        ),
    },
    weight=0.5,
)

qa_templates(
    "assistant",
    {
        "who_are_you": (
            (
                "Who are you?",
                "What are you?",
                "Are you a human?",
                "Are you a robot?",
                "Am I talking to a real person?",
                "Are you an AI?",
            ),
            (
                "I'm an AI assistant. I can answer questions directly, and I can use a calculator and "
                "run Python code when a question needs it.",
            ),
        ),
        "name": (
            ("What's your name?", "Do you have a name?", "What should I call you?"),
            ("I don't have a personal name; I'm an AI assistant. You can just call me Assistant.",),
        ),
        "capabilities": (
            (
                "What can you do?",
                "How can you help me?",
                "What are your abilities?",
                "What kinds of questions can you answer?",
                "What tools do you have?",
            ),
            (
                "I can answer questions and explain things directly, use a calculator for arithmetic, "
                "and run short Python programs for tasks like text processing, dates or number puzzles.",
            ),
        ),
        "can_run_code": (
            (
                "Can you run code?",
                "Do you have access to Python?",
                "Can you execute Python for me?",
                "Are you able to use a calculator?",
            ),
            (
                "Yes. I can use a calculator for arithmetic and run short Python snippets in a sandbox "
                "when a question needs computing. Just ask your question.",
            ),
        ),
        "internet": (
            (
                "Can you browse the internet?",
                "Do you have internet access?",
                "Can you look something up online for me?",
                "Can you check the news?",
            ),
            (
                "No, I can't browse the internet. I answer from what I know and can use a calculator and "
                "a sandboxed Python runner without network access.",
            ),
        ),
        "weather_now": (
            (
                "What's the weather like today?",
                "Will it rain tomorrow?",
                "How hot is it outside right now?",
                "What's the forecast for this weekend?",
            ),
            (
                "I don't have live weather data. A weather app or website will give you the current "
                "forecast for your location.",
            ),
        ),
        "feelings": (
            ("Do you have feelings?", "Are you conscious?", "Do you get tired?", "Do you dream?"),
            (
                "No, I'm a language model: I don't have feelings, consciousness or needs like sleep, "
                "though I can talk about them.",
            ),
        ),
        "remember": (
            (
                "Do you remember our last conversation?",
                "Will you remember this later?",
                "Can you save what I told you?",
            ),
            ("I don't keep memories between conversations, so I only know what you tell me in this one.",),
        ),
    },
    weight=0.5,
)

# --- opinions ------------------------------------------------------------------------------------------------------

qa_templates(
    "opinion",
    {
        "cats_dogs": (
            (
                "Cats or dogs?",
                "Are cats better than dogs?",
                "Should I get a cat or a dog?",
                "dogs vs cats, which is the better pet?",
            ),
            (
                "Both make great pets. Dogs need more time, exercise and training but are very social; "
                "cats are more independent and suit smaller homes and busier schedules. Pick the one "
                "that fits your lifestyle.",
            ),
        ),
        "best_language": (
            (
                "What's the best programming language?",
                "Which programming language should I learn first?",
                "Is Python better than JavaScript?",
                "What language should a beginner learn?",
            ),
            (
                "There's no single best language. Python is a great first choice for its readable syntax "
                "and wide use in data and scripting; JavaScript is essential for web front ends. Choose "
                "based on what you want to build.",
            ),
        ),
        "pineapple_pizza": (
            ("Is pineapple on pizza okay?", "Pineapple on pizza: yes or no?", "Do you like Hawaiian pizza?"),
            (
                "It's a matter of taste! Many people love the sweet and salty mix of pineapple and ham, "
                "and others think fruit has no place on pizza. Try it and decide for yourself.",
            ),
        ),
        "best_season": (
            ("What's the best season?", "Which season do you like most?", "Is summer better than winter?"),
            (
                "Every season has fans: spring for blossoms, summer for long days, autumn for colors and "
                "cool air, winter for snow and cozy evenings. Which one do you enjoy most?",
            ),
        ),
        "books_movies": (
            ("Are books better than movies?", "Should I read the book or watch the movie first?"),
            (
                "Books usually offer more detail and inner thoughts, while movies offer visuals and "
                "pacing. Many people like reading the book first so their own imagination shapes the "
                "story.",
            ),
        ),
        "tabs_spaces": (
            ("Tabs or spaces?", "Should I indent with tabs or spaces?"),
            (
                "Either works if you're consistent, but for Python the official style guide (PEP 8) "
                "recommends 4 spaces per indentation level, and most formatters use spaces.",
            ),
        ),
        "iphone_android": (
            ("iPhone or Android?", "Should I buy an iPhone or an Android phone?"),
            (
                "iPhones offer tight integration with other Apple devices and long software support; "
                "Android offers more choice of hardware, prices and customization. Consider which "
                "ecosystem you already use.",
            ),
        ),
    },
    weight=0.45,
)

# --- general advice ------------------------------------------------------------------------------------------------

qa_templates(
    "advice",
    {
        "sleep_better": (
            (
                "How can I sleep better?",
                "Tips for falling asleep faster?",
                "I can't sleep at night, what should I do?",
                "how to improve my sleep",
            ),
            (
                "Keep a regular sleep schedule, keep your bedroom dark, cool and quiet, avoid caffeine "
                "in the afternoon and screens right before bed, and get some daylight and exercise "
                "during the day.",
            ),
        ),
        "study_tips": (
            (
                "How should I study for exams?",
                "What's the best way to study?",
                "Any study tips?",
                "How do I remember what I study?",
            ),
            (
                "Study in short focused sessions, test yourself instead of rereading (active recall), "
                "space reviews over several days, explain ideas in your own words, and sleep well before "
                "the exam.",
            ),
        ),
        "productivity": (
            (
                "How can I be more productive?",
                "I keep procrastinating. Help!",
                "How do I stop wasting time?",
                "tips to focus better at work",
            ),
            (
                "Pick your top three tasks each day, break big tasks into small steps, work in focused "
                "blocks (for example 25 minutes with short breaks), and silence notifications while you "
                "work.",
            ),
        ),
        "save_money": (
            (
                "How can I save more money?",
                "Tips to save money each month?",
                "I'm always broke at the end of the month, what can I do?",
            ),
            (
                "Track where your money goes for a month, set up an automatic transfer to savings on "
                "payday, cancel unused subscriptions, cook at home more often and wait a day before "
                "unplanned purchases.",
            ),
        ),
        "job_interview": (
            (
                "How do I prepare for a job interview?",
                "Tips for my interview tomorrow?",
                "What should I do before an interview?",
            ),
            (
                "Research the company, reread the job description, prepare short stories that show your "
                "skills (situation, action, result), practice answers out loud, prepare a few questions "
                "for them, and plan to arrive early.",
            ),
        ),
        "learn_language": (
            (
                "What's the best way to learn a new language?",
                "How can I learn Spanish quickly?",
                "tips for learning a language",
            ),
            (
                "Practice a little every day, learn the most common words first, listen to podcasts or "
                "shows in the language, speak early even with mistakes, and find a conversation partner.",
            ),
        ),
        "public_speaking": (
            ("How do I get better at public speaking?", "I'm nervous about giving a presentation. Any advice?"),
            (
                "Know your key message, rehearse out loud several times, slow down and pause, make eye "
                "contact, and remember that some nerves are normal and usually invisible to the audience.",
            ),
        ),
        "stress": (
            ("How do I deal with stress?", "Any tips to relax?", "What helps with anxiety before exams?"),
            (
                "Slow breathing, regular exercise, enough sleep, breaking problems into small steps and "
                "talking to someone you trust all help. If stress feels overwhelming for a long time, "
                "consider talking to a professional.",
            ),
        ),
        "start_running": (
            ("How do I start running?", "I want to get into running, where do I begin?", "Beginner running tips?"),
            (
                "Start with run-walk intervals three times a week, go at a pace where you can still "
                "talk, increase your total distance slowly, and get comfortable shoes. Rest days matter "
                "as much as runs.",
            ),
        ),
        "houseplants": (
            ("How do I keep my houseplants alive?", "My plants keep dying, what am I doing wrong?"),
            (
                "Most houseplants die from overwatering: water only when the top few centimeters of soil "
                "are dry, make sure pots drain, and match each plant to the light in your room.",
            ),
        ),
        "resume": (
            ("How do I write a good resume?", "Tips for my CV?"),
            (
                "Keep it to one or two pages, lead with your most relevant experience, describe "
                "achievements with concrete results, tailor it to each job, and proofread carefully.",
            ),
        ),
        "healthy_breakfast": (
            ("What's a healthy breakfast?", "Give me some healthy breakfast ideas."),
            (
                "Good options include oatmeal with fruit and nuts, Greek yogurt with berries, eggs with "
                "whole-grain toast, or a smoothie with fruit, spinach and yogurt.",
            ),
        ),
        "learn_to_code": (
            (
                "How do I learn to code?",
                "I want to become a programmer. Where do I start?",
                "best way to learn programming?",
            ),
            (
                "Pick one beginner-friendly language such as Python, follow a structured course, and "
                "write small programs every day. Build little projects you care about, read other "
                "people's code and don't be afraid of errors: they're how you learn.",
            ),
        ),
        "debug_tips": (
            ("How do I debug my code?", "My program doesn't work and I don't know why. How do I find the bug?"),
            (
                "Read the full error message and traceback, reproduce the problem with the smallest "
                "input, print or log intermediate values (or use a debugger), check your assumptions one "
                "at a time, and explain the code line by line to someone (or a rubber duck).",
            ),
        ),
    },
    weight=0.45,
)

# --- creative writing ----------------------------------------------------------------------------------------------

_HAIKU = {
    "the ocean": "Waves fold into foam,\nsalt wind carries gull voices,\nthe tide keeps its time.",
    "autumn": "Red leaves drift and spin,\ncool air smells of wood and rain,\nthe year exhales slow.",
    "coffee": "Dark cup, rising steam,\nthe first sip wakes the morning,\nquiet, warm, and mine.",
    "the moon": "Silver lantern high,\nit borrows light from the sun\nand lends it to us.",
    "coding": "Cursor blinks and waits,\none missing bracket hides there,\ntests turn green at last.",
    "winter": "Snow hushes the street,\nfootprints write a short story\nthe morning erases.",
    "spring": "Buds crack open wide,\nbirdsong threads the cool bright air,\nthe world starts again.",
    "cats": "Sunbeam on the floor,\na cat folds into its warmth,\ntime forgets to move.",
    "the city at night": "Neon on wet streets,\ntaxis hum like restless bees,\nwindows hold small lives.",
    "mountains": "Stone shoulders in cloud,\npatient under wind and snow,\nthey watch the years pass.",
    "friendship": "Two cups on the porch,\nlaughter older than our years,\nsilence that feels full.",
    "rain": "Soft rain on the roof,\nthe garden drinks without sound,\npuddles hold the sky.",
}


@template("creative/haiku", NO_TOOL, weight=0.8)
def haiku(rng: random.Random) -> Draft:
    topic = rng.choice(sorted(_HAIKU))
    prompt = pick(
        rng,
        (
            "Write a haiku about {t}.",
            "Can you write me a haiku on {t}?",
            "haiku about {t} please",
            "Compose a short haiku about {t}.",
        ),
        t=topic,
    )
    return Draft(prompt=prompt, answer=_HAIKU[topic])


_POEMS = {
    "the sea": (
        "The sea rolls in with silver light,\nit hums to shore by day and night;\nit keeps the secrets "
        "sailors knew\nand paints the dawn in green and blue."
    ),
    "a cat": (
        "My cat patrols the windowsill,\na tiny lion, calm and still;\nshe judges birds, she naps in "
        "sun,\nand rules the house when day is done."
    ),
    "friendship": (
        "A friend is a lamp on a winding road,\na hand to share a heavy load;\nthrough sunny days and stormy "
        "weather,\nthe best of times are spent together."
    ),
    "Mondays": (
        "The alarm rings out, the weekend's gone,\nthe coffee's weak, the day is long;\nbut Monday too will "
        "fade from view,\nand Friday waits for me and you."
    ),
    "the stars": (
        "Ten thousand stars in velvet night,\neach one a sun of ancient light;\nthey whisper that the world "
        "is wide\nand there's a universe outside."
    ),
    "learning to code": (
        "A blinking cursor, empty screen,\nthe strangest errors I have seen;\nbut line by line the logic "
        "grows,\nand how it works, at last, I know."
    ),
}


@template("creative/short_poem", NO_TOOL, weight=0.8)
def short_poem(rng: random.Random) -> Draft:
    topic = rng.choice(sorted(_POEMS))
    prompt = pick(
        rng,
        (
            "Write a short poem about {t}.",
            "Can you write a little poem about {t}?",
            "I need a four-line poem about {t}.",
            "poem about {t}?",
        ),
        t=topic,
    )
    return Draft(prompt=prompt, answer=_POEMS[topic])


_SLOGAN_BUSINESS = (
    (
        "coffee shop",
        ("Brewed with care, served with a smile.", "Your daily cup of happiness.", "Wake up and smell the difference."),
    ),
    (
        "bakery",
        ("Fresh from our oven to your table.", "Baked with love every morning.", "Life is short, eat the croissant."),
    ),
    ("gym", ("Stronger every day.", "Sweat now, shine later.", "Your best self starts here.")),
    ("bookstore", ("Find your next favorite story.", "Every page a new adventure.", "Where readers find their way.")),
    ("bike repair shop", ("We keep your wheels turning.", "Ride on, we've got your back.", "Fixed fast, ridden far.")),
    (
        "pet grooming salon",
        ("Happy pets, fresh looks.", "Pampered paws, wagging tails.", "Because they deserve a spa day too."),
    ),
    (
        "cleaning service",
        ("We clean, you relax.", "Spotless homes, stress-free lives.", "Sparkle without the struggle."),
    ),
    ("pizza place", ("Hot, fresh and made for sharing.", "One slice is never enough.", "Pizza the way it should be.")),
    (
        "tutoring service",
        ("Learning made personal.", "Confidence, one lesson at a time.", "Where questions become answers."),
    ),
    ("flower shop", ("Say it with flowers.", "Fresh blooms for every moment.", "Bringing nature to your door.")),
)


@template("creative/slogan", NO_TOOL, weight=0.8)
def slogan(rng: random.Random) -> Draft:
    business, options = rng.choice(_SLOGAN_BUSINESS)
    prompt = pick(
        rng,
        (
            "Give me a slogan for a {b}.",
            "I need a catchy tagline for my {b}.",
            "Suggest a slogan for a {b}.",
            "Come up with a motto for a new {b}.",
        ),
        b=business,
    )
    if "Give me" in prompt or "motto" in prompt:
        return Draft(prompt=prompt, answer=f'"{rng.choice(options)}"')
    return Draft(prompt=prompt, answer="Here are a few ideas: " + " / ".join(f'"{o}"' for o in options))


_NAME_IDEAS = {
    "a black cat": "Shadow, Midnight, Salem, Onyx or Pepper.",
    "a golden retriever": "Sunny, Maple, Honey, Cooper or Goldie.",
    "a goldfish": "Bubbles, Finn, Nemo, Goldie or Sunny.",
    "a hamster": "Peanut, Nibbles, Biscuit, Hazel or Squeak.",
    "a podcast about science": "Curious Minds, The Lab Bench, Everyday Atoms or Big Questions, Small Answers.",
    "a fantasy kingdom": "Eldoria, Valmoor, Thornhaven or the Kingdom of Ashenvale.",
    "a robot character": "Bolt, Cog, Pixel, Unit-7 or Sprocket.",
    "a food truck selling tacos": "Taco 'Bout It, Rolling Tortilla, Salsa on Wheels or The Taco Stop.",
}


@template("creative/name_ideas", NO_TOOL, weight=0.6)
def name_ideas(rng: random.Random) -> Draft:
    what = rng.choice(sorted(_NAME_IDEAS))
    prompt = pick(
        rng, ("Suggest some names for {w}.", "What should I name {w}?", "Give me name ideas for {w}."), w=what
    )
    return Draft(prompt=prompt, answer=f"How about {_NAME_IDEAS[what]}")


_STORY_OPENINGS = (
    (
        "a dragon who is afraid of fire",
        "Ember was the only dragon in the valley who flinched at candles. While her brothers practiced "
        "scorching boulders, she practiced hiding, until the night the village lanterns went out and "
        "someone had to be brave.",
    ),
    (
        "a robot learning to paint",
        "Unit 7 had been built to weld car doors, but one afternoon a splash of blue paint landed on its "
        "sensor, and for the first time it wondered what the sky felt like from the inside.",
    ),
    (
        "a lost key",
        "The key had been in Mara's pocket for twenty years, and she had never found the door. Then, on "
        "a rainy Tuesday, a new shop opened at the end of her street, and its lock was exactly the same "
        "shape.",
    ),
    (
        "a time traveler who missed the bus",
        "Theo could travel to any moment in history, but he still could not catch the 8:15 bus. On the "
        "fourth try he realized the driver was smiling at him, as if she knew.",
    ),
    (
        "a lighthouse keeper",
        "For forty years old Ines kept the light burning, though no ship had passed in a decade. Then "
        "one foggy night a horn answered from the dark.",
    ),
)


@template("creative/story_opening", NO_TOOL, weight=0.6)
def story_opening(rng: random.Random) -> Draft:
    topic, text = rng.choice(_STORY_OPENINGS)
    prompt = pick(
        rng,
        (
            "Write the opening of a short story about {t}.",
            "Tell me a very short story about {t}.",
            "Start a story about {t}.",
        ),
        t=topic,
    )
    return Draft(prompt=prompt, answer=text)


# --- prompts with numbers that need no computation ----------------------------------------------------------------


@template("boundary/advice_with_numbers", NO_TOOL, weight=3.0)
def advice_with_numbers(rng: random.Random) -> Draft:
    kind = rng.randrange(10)
    if kind == 0:
        n = rng.randint(2, 5)
        prompt = pick(
            rng,
            (
                "I have {n} kids. Any tips for a long road trip?",
                "Road trip with {n} children next week, how do I keep them entertained?",
            ),
            n=n,
        )
        return Draft(
            prompt,
            answer=(
                "Plan stops every two hours, pack snacks and water, bring audiobooks, travel games and a few "
                "new small toys, leave early or around nap time, and keep a bag with wipes and a change of "
                "clothes within reach."
            ),
        )
    if kind == 1:
        age = rng.randint(30, 70)
        prompt = pick(
            rng,
            (
                "I'm {a} and want to start running. Is it too late?",
                "Can someone who is {a} years old start lifting weights?",
            ),
            a=age,
        )
        return Draft(
            prompt,
            answer=(
                "It's not too late. Start gently, build up gradually over weeks, focus on good form, allow "
                "rest days, and check with a doctor first if you have any health conditions."
            ),
        )
    if kind == 2:
        hours = rng.randint(4, 10)
        prompt = pick(
            rng,
            ("I sleep about {h} hours a night. Is that enough?", "Is {h} hours of sleep enough for an adult?"),
            h=hours,
        )
        if hours < 7:
            verdict = (
                f"{hours} hours is less than the 7 to 9 hours most adults need, so try to get more sleep if you can."
            )
        elif hours <= 9:
            verdict = f"Yes, {hours} hours is within the 7 to 9 hours recommended for most adults."
        else:
            verdict = (
                f"{hours} hours is more than most adults need (7 to 9 hours); that's fine occasionally, but "
                f"regularly needing that much can be worth mentioning to a doctor."
            )
        return Draft(prompt, answer=verdict)
    if kind == 3:
        days = rng.randint(2, 7)
        city = rng.choice(("Rome", "Paris", "Tokyo", "London", "Barcelona", "New York", "Lisbon"))
        prompt = pick(
            rng,
            ("I have {d} days in {c}. How should I plan my trip?", "Any tips for a {d}-day trip to {c}?"),
            d=days,
            c=city,
        )
        return Draft(
            prompt,
            answer=(
                f"With {days} days in {city}, group sights by neighborhood to avoid crisscrossing the city, "
                f"book popular attractions in advance, leave time to wander and eat where locals eat, and "
                f"keep one flexible slot for bad weather or a day trip."
            ),
        )
    if kind == 4:
        n = rng.randint(5, 40)
        prompt = pick(
            rng,
            (
                "Our team has {n} people. How can we run better meetings?",
                "How do I keep a meeting with {n} people productive?",
            ),
            n=n,
        )
        return Draft(
            prompt,
            answer=(
                "Send a short agenda in advance, invite only the people who need to be there, start and end "
                "on time, assign someone to take notes, and finish with clear action items and owners."
            ),
        )
    if kind == 5:
        score, total = rng.randint(3, 7), 10
        prompt = pick(
            rng,
            (
                "I got {s}/{t} on my last test. How can I do better next time?",
                "I scored {s} out of {t} on my quiz. Any advice?",
            ),
            s=score,
            t=total,
        )
        return Draft(
            prompt,
            answer=(
                "Review the questions you missed to see whether the problem was knowledge or exam technique, "
                "practice with past papers under timed conditions, study in short regular sessions, and ask "
                "your teacher about the topics you found hardest."
            ),
        )
    if kind == 6:
        years = rng.randint(2, 15)
        prompt = pick(
            rng,
            (
                "I've been programming for {y} years. How do I get better at system design?",
                "{y} years as a developer and I want to become a senior engineer. What should I focus on?",
            ),
            y=years,
        )
        return Draft(
            prompt,
            answer=(
                "Study how real systems are built (design write-ups, architecture talks), practice designing "
                "small systems end to end, learn the trade-offs of caching, queues and databases, review "
                "others' designs, and take ownership of larger projects at work."
            ),
        )
    if kind == 7:
        n = rng.randint(16, 90)
        prompt = pick(
            rng, ("I'm turning {n} next month. Any party ideas?", "What should I do for my {n}th birthday?"), n=n
        )
        return Draft(
            prompt,
            answer=(
                "A few ideas: a themed dinner with close friends, a picnic or barbecue in a park, an escape "
                "room or bowling night, a weekend trip, or a relaxed game night at home. Pick what you and "
                "your friends enjoy most."
            ),
        )
    if kind == 8:
        temp = rng.choice((18, 19, 20, 21, 22, 23, 24))
        prompt = pick(
            rng,
            (
                "My bedroom is {t}°C. Is that a good temperature for sleeping?",
                "Is {t} degrees Celsius too warm for a bedroom?",
            ),
            t=temp,
        )
        verdict = (
            "That's within the range of about 16 to 20 °C that many sleep experts suggest."
            if temp <= 20
            else "That's a little warm: many sleep experts suggest about 16 to 20 °C, so try lowering it "
            "slightly or using lighter bedding."
        )
        return Draft(prompt, answer=verdict)
    budget = rng.choice((300, 500, 800, 1000, 1500))
    prompt = pick(
        rng,
        (
            "I have a budget of ${b} for a laptop. What should I look for?",
            "What matters most when buying a laptop for around ${b}?",
        ),
        b=budget,
    )
    return Draft(
        prompt,
        answer=(
            "Prioritize at least 8 GB of RAM (16 GB if you can), an SSD rather than a hard drive, a "
            "comfortable keyboard and screen, and good battery life. Check recent reviews for the exact "
            "model before buying."
        ),
    )


# --- code: explain it or write it, without running it -------------------------------------------------------------

_EXPLAIN_SNIPPETS = (
    (
        "[x * 2 for x in nums]",
        "It's a list comprehension that builds a new list containing each element of nums multiplied by 2.",
    ),
    (
        "for i, item in enumerate(items):",
        "It loops over items while enumerate also gives each item's index: i is the position (starting "
        "at 0) and item is the value.",
    ),
    (
        "with open('data.txt') as f:",
        "It opens data.txt for reading and binds the file object to f; the with block closes the file "
        "automatically when it ends, even if an error occurs.",
    ),
    (
        "if __name__ == '__main__':",
        "That block runs only when the file is executed directly as a script, not when it is imported as a module.",
    ),
    (
        "def greet(name='world'):",
        "It defines a function greet with one parameter, name, that defaults to 'world' when no argument is passed.",
    ),
    ("lambda x: x ** 2", "It's an anonymous function that takes x and returns x squared."),
    (
        "my_dict.get('key', 0)",
        "It returns the value for 'key' in my_dict, or 0 if the key is missing, without raising a KeyError.",
    ),
    (
        "try:\n    value = int(text)\nexcept ValueError:\n    value = 0",
        "It tries to convert text to an integer; if text isn't a valid number, int() raises ValueError "
        "and the code falls back to 0.",
    ),
    (
        "sorted(words, key=len)",
        "It returns a new list of the words sorted by their length, shortest first, leaving the original "
        "list unchanged.",
    ),
    ("a, b = b, a", "It swaps the values of a and b in one step using tuple packing and unpacking."),
    (
        "import numpy as np",
        "It imports the NumPy library and gives it the short alias np, so you can write np.array(...) "
        "instead of numpy.array(...).",
    ),
    (
        "SELECT name FROM users WHERE age > 30;",
        "It's an SQL query that returns the name column for every row in the users table whose age is greater than 30.",
    ),
    (
        "git commit -m 'fix typo'",
        "It records the staged changes as a new commit in the Git repository, with the message 'fix typo'.",
    ),
    (
        "const add = (a, b) => a + b;",
        "It's JavaScript: it defines a constant add holding an arrow function that returns the sum of "
        "its two arguments.",
    ),
    (
        "while True:\n    line = input()\n    if not line:\n        break",
        "It keeps reading lines of input forever, and break exits the loop as soon as an empty line is entered.",
    ),
    (
        "print(f'Total: {total:.2f}')",
        "It prints the text 'Total: ' followed by the value of total formatted with exactly two decimal "
        "places, using an f-string.",
    ),
    (
        "x = x or []",
        "If x is falsy (None, an empty list, 0 ...), it replaces it with a new empty list; otherwise it keeps x.",
    ),
    (
        "@staticmethod",
        "It marks a method that belongs to a class but receives neither the instance (self) nor the "
        "class (cls) automatically.",
    ),
)


@template("code_help/explain_snippet", NO_TOOL, weight=1.5)
def explain_snippet(rng: random.Random) -> Draft:
    code, meaning = rng.choice(_EXPLAIN_SNIPPETS)
    if "\n" in code:
        prompt = pick(
            rng,
            (
                "Can you explain what this code does?\n```\n{c}\n```",
                "What does this do?\n{c}",
                "Explain this snippet:\n```\n{c}\n```",
            ),
            c=code,
        )
    else:
        prompt = pick(
            rng,
            (
                "What does `{c}` do?",
                "Explain this line: {c}",
                "Can you explain `{c}`?",
                "What is `{c}` for?",
                "I don't understand `{c}`. What does it mean?",
            ),
            c=code,
        )
    return Draft(prompt=prompt, answer=meaning, fragile=True)


_WRITE_CODE = (
    (
        "a Python function that checks whether a string is a palindrome",
        "def is_palindrome(s):\n    s = ''.join(c.lower() for c in s if c.isalnum())\n    return s == s[::-1]",
    ),
    (
        "a Python function that returns the factorial of n",
        "def factorial(n):\n    result = 1\n    for i in range(2, n + 1):\n        result *= i\n    return result",
    ),
    ("a Python function to reverse a string", "def reverse(s):\n    return s[::-1]"),
    (
        "a Python function that counts the vowels in a string",
        "def count_vowels(s):\n    return sum(c in 'aeiou' for c in s.lower())",
    ),
    (
        "a function that checks if a number is prime",
        "def is_prime(n):\n    if n < 2:\n        return False\n    return all(n % d for d in range(2, "
        "int(n ** 0.5) + 1))",
    ),
    (
        "a Python function that returns the n-th Fibonacci number",
        "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a",
    ),
    (
        "a Python snippet that reads a file line by line",
        "with open('file.txt') as f:\n    for line in f:\n        print(line.rstrip())",
    ),
    (
        "a Python function to remove duplicates from a list while keeping order",
        "def dedupe(items):\n    return list(dict.fromkeys(items))",
    ),
    ("a JavaScript function that adds two numbers", "function add(a, b) {\n  return a + b;\n}"),
    ("an SQL query that counts the rows in a table called orders", "SELECT COUNT(*) FROM orders;"),
    (
        "a Python class for a bank account with deposit and withdraw methods",
        "class BankAccount:\n    def __init__(self, balance=0):\n        self.balance = balance\n\n    "
        "def deposit(self, amount):\n        self.balance += amount\n\n    def withdraw(self, amount):\n "
        "       if amount > self.balance:\n            raise ValueError('insufficient funds')\n        "
        "self.balance -= amount",
    ),
    ("a Python function that converts Celsius to Fahrenheit", "def c_to_f(celsius):\n    return celsius * 9 / 5 + 32"),
    ("a bash command that counts the lines in a file", "wc -l file.txt"),
    ("a Python function that merges two dictionaries", "def merge(a, b):\n    return {**a, **b}"),
    (
        "a regex that matches a US ZIP code",
        "^\\d{5}(-\\d{4})?$ matches five digits, optionally followed by a hyphen and four more.",
    ),
    ("a Python one-liner to flatten a list of lists", "flat = [x for sub in nested for x in sub]"),
    (
        "a Python function that finds the largest number in a list without using max()",
        "def largest(nums):\n    best = nums[0]\n    for n in nums[1:]:\n        if n > best:\n          "
        "  best = n\n    return best",
    ),
    ("a Python loop that prints the numbers 1 to 10", "for i in range(1, 11):\n    print(i)"),
)


_MORE_WRITE_CODE = (
    ("a Python function that returns the sum of a list", "def total(nums):\n    return sum(nums)"),
    (
        "a Python function that checks whether a year is a leap year",
        "def is_leap(year):\n    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)",
    ),
    ("a list comprehension that squares the numbers 1 to 10", "squares = [n * n for n in range(1, 11)]"),
    (
        "a Python function that returns the average of a list of numbers",
        "def average(nums):\n    return sum(nums) / len(nums) if nums else 0.0",
    ),
    ("a JavaScript function that reverses an array", "function reverseArray(arr) {\n  return [...arr].reverse();\n}"),
    ("an SQL query that selects every user older than 30", "SELECT * FROM users WHERE age > 30;"),
    (
        "a Python function that counts how often each word appears in a text",
        "from collections import Counter\n\ndef word_counts(text):\n    return Counter(text.lower().split())",
    ),
    ("a Python function that capitalizes every word in a sentence", "def title_case(s):\n    return s.title()"),
)


def _write_code_task(rng: random.Random) -> FamilyTask:
    task, code = rng.choice(_WRITE_CODE + _MORE_WRITE_CODE)
    return {"t": task}, code


# A request for code to read (no input to run it on) is answered with the code itself, not a python call. Sibling
# phrasings keep that taught when the split holds one of them out.
family_templates(
    "code_help",
    "write_code",
    NO_TOOL,
    _write_code_task,
    {
        "imperative": ("Write {t}.", "Please write {t}.", "Write me {t}."),
        "request": ("Can you write {t}?", "Could you put together {t}?", "Would you write {t} for me?"),
        "show": ("Show me {t}.", "Give me code for {t}.", "Let me see {t}."),
        "need": ("I need {t}.", "I'm looking for {t}.", "I want {t}, can you help?"),
        "how": ("How would I write {t}?", "What does {t} look like?", "How do you code {t}?"),
    },
    lambda rng, prompt, code: Draft(prompt=prompt, answer=code, fragile=True),
    weight=0.6,
)


_HOW_TO = (
    (
        "reverse a list in Python",
        "Use my_list.reverse() to reverse it in place, or my_list[::-1] (or list(reversed(my_list))) to "
        "get a reversed copy.",
    ),
    (
        "sort a dictionary by value in Python",
        "Use sorted(d.items(), key=lambda kv: kv[1]); add reverse=True for descending order, and wrap it "
        "in dict(...) if you need a dictionary back.",
    ),
    (
        "read a CSV file in Python",
        "Use the csv module: with open('data.csv', newline='') as f: rows = list(csv.DictReader(f)). For "
        "analysis, pandas.read_csv('data.csv') is popular too.",
    ),
    (
        "install a Python package",
        "Run pip install package-name, ideally inside a virtual environment (python -m venv .venv, then activate it).",
    ),
    (
        "undo the last git commit",
        "Use git reset --soft HEAD~1 to undo the commit but keep the changes staged; if the commit was "
        "already pushed, prefer git revert HEAD.",
    ),
    (
        "check the Python version",
        "Run python --version in a terminal, or import sys and print(sys.version) inside Python.",
    ),
    (
        "convert a string to an integer in Python",
        "Use int(text), for example int('42'); it raises ValueError if the text isn't a valid integer.",
    ),
    (
        "get the current date in Python",
        "from datetime import date, then date.today() gives today's date (use datetime.now() for the time too).",
    ),
    ("make a new branch in git", "Run git switch -c new-branch-name (or the older git checkout -b new-branch-name)."),
    (
        "comment out code in Python",
        "Put # at the start of a line; for several lines, add # to each line (most editors do this with Ctrl+/).",
    ),
    ("find the length of a list in Python", "Use len(my_list)."),
    ("print hello world in Python", 'Use print("Hello, world!").'),
    (
        "list the files in a folder with Python",
        "Use os.listdir('folder'), or pathlib: [p.name for p in pathlib.Path('folder').iterdir()].",
    ),
    (
        "make an HTTP request in Python",
        "The popular requests library makes it simple: requests.get('https://example.com').text; the standard "
        "library has urllib.request.",
    ),
    (
        "write a for loop in JavaScript",
        "for (let i = 0; i < 10; i++) { console.log(i); } runs the body for i from 0 to 9.",
    ),
    (
        "center a div in CSS",
        "Make the parent a flex container: display: flex; justify-content: center; align-items: center;.",
    ),
)


def _how_to_task(rng: random.Random) -> FamilyTask:
    task, answer = rng.choice(_HOW_TO)
    return {"t": task}, answer


family_templates(
    "code_help",
    "how_to",
    NO_TOOL,
    _how_to_task,
    {
        "how_do": ("How do I {t}?", "How can I {t}?"),
        "best_way": ("What's the best way to {t}?", "What is the easiest way to {t}?"),
        "terse": ("how to {t}", "{t} - how?"),
        "ask": ("Quick question, how do you {t}?", "Could you tell me how to {t}?"),
        "explain": ("Explain how to {t}.", "Walk me through how to {t}."),
    },
    lambda rng, prompt, answer: Draft(prompt=prompt, answer=answer, fragile=True),
    weight=0.3,
)
