"""General-knowledge and language no-tool templates: people and works, superlatives, acronyms, landmarks, animals,
comparisons, and language tasks (rephrase, fix grammar, summarize, write a message).

The language tasks are a boundary on purpose: *mechanical* text operations (reverse, count letters, change case)
need python, but tasks that need understanding of language are answered directly.
"""

from __future__ import annotations

import random

from sft.datagen.core import NO_TOOL, Draft, pick, qa_templates, template

# --- who made what ---------------------------------------------------------------------------------------------------

_BOOKS = (
    ("Romeo and Juliet", "William Shakespeare", "a tragedy written in the 1590s"),
    ("Hamlet", "William Shakespeare", "a tragedy written around 1600"),
    ("Pride and Prejudice", "Jane Austen", "a novel published in 1813"),
    ("1984", "George Orwell", "a dystopian novel published in 1949"),
    ("Animal Farm", "George Orwell", "an allegorical novella published in 1945"),
    ("To Kill a Mockingbird", "Harper Lee", "a novel published in 1960"),
    ("The Great Gatsby", "F. Scott Fitzgerald", "a novel published in 1925"),
    ("Moby-Dick", "Herman Melville", "a novel published in 1851"),
    ("War and Peace", "Leo Tolstoy", "a novel published in the 1860s"),
    ("Don Quixote", "Miguel de Cervantes", "a novel published in two parts, in 1605 and 1615"),
    ("The Odyssey", "Homer", "an ancient Greek epic poem"),
    ("the Harry Potter books", "J. K. Rowling", "a series of seven fantasy novels"),
    ("The Lord of the Rings", "J. R. R. Tolkien", "a fantasy novel published in the 1950s"),
    ("Frankenstein", "Mary Shelley", "a novel published in 1818"),
    ("One Hundred Years of Solitude", "Gabriel García Márquez", "a novel published in 1967"),
    ("Crime and Punishment", "Fyodor Dostoevsky", "a novel published in 1866"),
    ("On the Origin of Species", "Charles Darwin", "a scientific book published in 1859"),
    ("A Brief History of Time", "Stephen Hawking", "a popular science book published in 1988"),
    ("The Little Prince", "Antoine de Saint-Exupéry", "a novella published in 1943"),
    ("Jane Eyre", "Charlotte Brontë", "a novel published in 1847"),
)

_ART = (
    ("the Mona Lisa", "Leonardo da Vinci"),
    ("The Starry Night", "Vincent van Gogh"),
    ("The Last Supper", "Leonardo da Vinci"),
    ("Guernica", "Pablo Picasso"),
    ("The Persistence of Memory", "Salvador Dalí"),
    ("The Scream", "Edvard Munch"),
    ("Girl with a Pearl Earring", "Johannes Vermeer"),
    ("the ceiling of the Sistine Chapel", "Michelangelo"),
    ("The Birth of Venus", "Sandro Botticelli"),
    ("the Moonlight Sonata", "Ludwig van Beethoven"),
    ("The Four Seasons", "Antonio Vivaldi"),
    ("The Magic Flute", "Wolfgang Amadeus Mozart"),
)

_INVENTIONS = (
    (
        "Who invented the telephone?",
        "Alexander Graham Bell is credited with inventing the telephone; he received the first patent for it in 1876.",
    ),
    ("Who discovered penicillin?", "Alexander Fleming discovered penicillin in 1928."),
    ("Who invented the World Wide Web?", "Tim Berners-Lee invented the World Wide Web in 1989 while working at CERN."),
    (
        "Who developed the theory of relativity?",
        "Albert Einstein developed the theory of relativity: special relativity in 1905 and general "
        "relativity in 1915.",
    ),
    (
        "Who created the Python programming language?",
        "Guido van Rossum created Python; its first release came out in 1991.",
    ),
    ("Who created Linux?", "Linus Torvalds created the Linux kernel in 1991."),
    (
        "Who invented the printing press?",
        "Johannes Gutenberg introduced the movable-type printing press in Europe around 1440.",
    ),
    (
        "Who was Marie Curie?",
        "Marie Curie was a physicist and chemist who pioneered research on radioactivity, discovered "
        "polonium and radium, and was the first person to win Nobel Prizes in two sciences.",
    ),
    (
        "Who invented the airplane?",
        "The Wright brothers, Orville and Wilbur, made the first powered, controlled airplane flight in 1903.",
    ),
    (
        "Who created the periodic table?",
        "Dmitri Mendeleev published the first widely recognized periodic table in 1869.",
    ),
    (
        "Who discovered the structure of DNA?",
        "James Watson and Francis Crick described DNA's double helix in 1953, building on X-ray images "
        "by Rosalind Franklin and Maurice Wilkins.",
    ),
    (
        "Who developed the first polio vaccine?",
        "Jonas Salk developed the first successful polio vaccine, announced in 1955.",
    ),
    (
        "Who formulated the laws of motion?",
        "Isaac Newton formulated the three laws of motion and the law of universal gravitation, published in 1687.",
    ),
    ("Who created JavaScript?", "Brendan Eich created JavaScript in 1995 while working at Netscape."),
    ("Who created the C programming language?", "Dennis Ritchie created C at Bell Labs in the early 1970s."),
    (
        "Who was the first president of the United States?",
        "George Washington was the first president of the United States, serving from 1789 to 1797.",
    ),
    (
        "Who was the first person to walk on the Moon?",
        "Neil Armstrong was the first person to walk on the Moon, on July 20, 1969.",
    ),
    ("Who was the first woman in space?", "Valentina Tereshkova became the first woman in space in 1963."),
    (
        "Who proposed the theory of evolution by natural selection?",
        "Charles Darwin and Alfred Russel Wallace proposed evolution by natural selection; Darwin's book "
        "On the Origin of Species appeared in 1859.",
    ),
    (
        "Who painted the Sistine Chapel ceiling?",
        "Michelangelo painted the Sistine Chapel ceiling between 1508 and 1512.",
    ),
)


@template("knowledge/book_author", NO_TOOL, weight=1.5)
def book_author(rng: random.Random) -> Draft:
    title, author, what = rng.choice(_BOOKS)
    if rng.random() < 0.75:
        prompt = pick(
            rng, ("Who wrote {t}?", "Who is the author of {t}?", "{t} was written by whom?", "who wrote {t}"), t=title
        )
        return Draft(prompt, answer=f"{title[0].upper() + title[1:]} was written by {author}.")
    prompt = pick(rng, ("What did {a} write?", "Name a famous book by {a}."), a=author)
    return Draft(prompt, answer=f"{author} wrote {title}, {what}.")


@template("knowledge/artwork_creator", NO_TOOL)
def artwork_creator(rng: random.Random) -> Draft:
    work, artist = rng.choice(_ART)
    verb = "composed" if any(w in work for w in ("Sonata", "Seasons", "Flute")) else "painted"
    prompt = pick(rng, ("Who {v} {w}?", "Who is the artist behind {w}?", "{w}: who made it?"), v=verb, w=work)
    return Draft(prompt, answer=f"{work[0].upper() + work[1:]} was {verb} by {artist}.")


@template("knowledge/inventors_and_firsts", NO_TOOL, weight=1.5)
def inventors_and_firsts(rng: random.Random) -> Draft:
    question, answer = rng.choice(_INVENTIONS)
    if rng.random() < 0.3:
        question = question.replace("Who ", rng.choice(("Do you know who ", "Can you tell me who ")), 1)
    return Draft(question, answer=answer)


# --- superlatives, acronyms, landmarks ------------------------------------------------------------------------------

_SUPERLATIVES = (
    (
        ("What is the largest planet in the solar system?", "Which planet is the biggest?"),
        "Jupiter is the largest planet in the solar system.",
    ),
    (
        ("What is the smallest planet?", "Which planet is the smallest in our solar system?"),
        "Mercury is the smallest planet in the solar system.",
    ),
    (
        ("What is the hottest planet?", "Which planet has the highest surface temperature?"),
        "Venus is the hottest planet: its thick carbon dioxide atmosphere traps heat, so its surface is around 465 °C.",
    ),
    (("Which planet is closest to the Sun?",), "Mercury is the planet closest to the Sun."),
    (
        ("What is the largest ocean?", "Which ocean is the biggest?"),
        "The Pacific Ocean is the largest and deepest ocean.",
    ),
    (
        ("What is the largest country by area?", "Which country is the biggest in the world?"),
        "Russia is the largest country by area, at about 17 million square kilometers.",
    ),
    (
        ("What is the largest desert in the world?", "Which desert is the biggest?"),
        "The largest desert is Antarctica, a polar desert. The largest hot desert is the Sahara.",
    ),
    (
        ("What is the tallest mountain in the world?", "Which mountain is the highest?"),
        "Mount Everest is the highest mountain above sea level, at about 8,849 meters.",
    ),
    (
        ("What is the longest river in the world?", "Which river is the longest?"),
        "The Nile is usually listed as the longest river (about 6,650 km), though some measurements put "
        "the Amazon slightly ahead.",
    ),
    (
        ("What is the largest animal?", "What's the biggest animal that has ever lived?"),
        "The blue whale is the largest animal known to have ever lived, reaching about 30 meters long.",
    ),
    (("What is the tallest animal?",), "The giraffe is the tallest animal; adults can be over 5 meters tall."),
    (
        ("What is the fastest land animal?", "Which animal runs the fastest?"),
        "The cheetah is the fastest land animal, reaching roughly 100-120 km/h in short sprints.",
    ),
    (
        ("What is the largest continent?", "Which continent is the biggest?"),
        "Asia is the largest continent, both by area and by population.",
    ),
    (("What is the smallest continent?",), "Australia (Oceania) is the smallest continent."),
    (
        ("What is the deepest point in the ocean?", "Where is the deepest part of the ocean?"),
        "The Challenger Deep in the Mariana Trench in the western Pacific is the deepest known point, "
        "about 11,000 meters down.",
    ),
    (("What is the largest organ of the human body?",), "The skin is the largest organ of the human body."),
    (
        ("What is the biggest bone in the human body?", "What's the longest bone in the body?"),
        "The femur (thigh bone) is the longest and strongest bone in the human body.",
    ),
    (
        ("What is the smallest bone in the human body?",),
        "The stapes, in the middle ear, is the smallest bone in the human body.",
    ),
    (("What is the hardest natural substance?",), "Diamond is the hardest naturally occurring substance."),
    (
        ("What is the largest moon in the solar system?",),
        "Ganymede, a moon of Jupiter, is the largest moon in the solar system.",
    ),
    (
        ("What is the most spoken language in the world?",),
        "English has the most speakers in total when second-language speakers are counted; Mandarin "
        "Chinese has the most native speakers.",
    ),
)


@template("knowledge/superlatives", NO_TOOL, weight=2.0)
def superlatives(rng: random.Random) -> Draft:
    questions, answer = rng.choice(_SUPERLATIVES)
    return Draft(rng.choice(questions), answer=answer)


_ACRONYMS = (
    ("NASA", "National Aeronautics and Space Administration"),
    ("HTML", "HyperText Markup Language"),
    ("CPU", "central processing unit"),
    ("GPU", "graphics processing unit"),
    ("RAM", "random-access memory"),
    ("URL", "Uniform Resource Locator"),
    ("HTTP", "Hypertext Transfer Protocol"),
    ("UN", "United Nations"),
    ("FAQ", "frequently asked questions"),
    ("ASAP", "as soon as possible"),
    ("PDF", "Portable Document Format"),
    ("USB", "Universal Serial Bus"),
    ("AI", "artificial intelligence"),
    ("CEO", "chief executive officer"),
    ("GPS", "Global Positioning System"),
    ("NATO", "North Atlantic Treaty Organization"),
    ("CSS", "Cascading Style Sheets"),
    ("FBI", "Federal Bureau of Investigation"),
    ("WHO", "World Health Organization"),
    ("ATM", "automated teller machine"),
    ("LED", "light-emitting diode"),
    ("RSVP", 'répondez s\'il vous plaît, French for "please reply"'),
    ("DIY", "do it yourself"),
    ("FYI", "for your information"),
    ("BTW", "by the way"),
    ("IMO", "in my opinion"),
    ("ETA", "estimated time of arrival"),
    ("VPN", "virtual private network"),
    ("SSD", "solid-state drive"),
    ("IDE", "integrated development environment"),
)


@template("knowledge/acronyms", NO_TOOL, weight=1.5)
def acronyms(rng: random.Random) -> Draft:
    short, long = rng.choice(_ACRONYMS)
    prompt = pick(
        rng,
        (
            "What does {a} stand for?",
            "What is {a} short for?",
            "{a} stands for what?",
            "Meaning of the abbreviation {a}?",
            "what does {a} mean",
        ),
        a=short,
    )
    return Draft(prompt, answer=f"{short} stands for {long}.")


_LANDMARKS = (
    ("the Eiffel Tower", "Paris, France"),
    ("the Colosseum", "Rome, Italy"),
    ("the Statue of Liberty", "New York City, United States"),
    ("Machu Picchu", "the Andes mountains of Peru"),
    ("the Taj Mahal", "Agra, India"),
    ("Big Ben", "London, United Kingdom"),
    ("the Sydney Opera House", "Sydney, Australia"),
    ("Christ the Redeemer", "Rio de Janeiro, Brazil"),
    ("the Great Pyramid of Giza", "Giza, on the outskirts of Cairo, Egypt"),
    ("the Acropolis", "Athens, Greece"),
    ("Petra", "southern Jordan"),
    ("Angkor Wat", "Cambodia"),
    ("Stonehenge", "Wiltshire, England"),
    ("the Sagrada Família", "Barcelona, Spain"),
    ("the Golden Gate Bridge", "San Francisco, United States"),
    ("the Leaning Tower of Pisa", "Pisa, Italy"),
    ("the Kremlin", "Moscow, Russia"),
    ("Mount Fuji", "Honshu, Japan, southwest of Tokyo"),
    ("the Burj Khalifa", "Dubai, United Arab Emirates"),
    ("the Great Wall", "northern China"),
)


@template("knowledge/landmarks", NO_TOOL, weight=1.2)
def landmarks(rng: random.Random) -> Draft:
    name, place = rng.choice(_LANDMARKS)
    prompt = pick(
        rng,
        (
            "Where is {n}?",
            "In which city is {n}?",
            "Where can I see {n}?",
            "Which country is {n} in?",
            "where's {n} located",
        ),
        n=name,
    )
    return Draft(prompt, answer=f"{name[0].upper() + name[1:]} is in {place}.")


# --- hand-written Q&A families --------------------------------------------------------------------------------------

qa_templates(
    "animals",
    {
        "cats_purr": (
            ("Why do cats purr?", "What does it mean when a cat purrs?"),
            "Cats purr mostly when they are content, but also to calm themselves when stressed or hurt. "
            "The sound comes from rapid twitching of the muscles in the larynx.",
        ),
        "bats_blind": (
            ("Are bats blind?", "Can bats see?"),
            "No, bats are not blind. All bats can see, and many also use echolocation to navigate and "
            "hunt in the dark.",
        ),
        "whales_fish": (
            ("Are whales fish?", "Is a whale a fish or a mammal?"),
            "Whales are mammals, not fish: they breathe air, are warm-blooded and nurse their young with milk.",
        ),
        "penguins_fly": (
            ("Can penguins fly?", "Why can't penguins fly?"),
            "Penguins can't fly. Their wings evolved into stiff flippers that make them excellent swimmers instead.",
        ),
        "bees_honey": (
            ("How do bees make honey?",),
            "Bees collect flower nectar, break down its sugars with enzymes, store it in honeycomb cells "
            "and fan it with their wings until enough water evaporates to make honey.",
        ),
        "spider_insect": (
            ("Is a spider an insect?", "Are spiders insects?"),
            "No. Spiders are arachnids: they have eight legs and two body parts, while insects have six "
            "legs and three body parts.",
        ),
        "pandas_eat": (
            ("What do pandas eat?", "What is a giant panda's diet?"),
            "Giant pandas eat almost only bamboo, up to about 12-38 kg a day, though they occasionally "
            "eat small animals.",
        ),
        "dog_lifespan": (
            ("How long do dogs live?", "What's the average lifespan of a dog?"),
            "Most dogs live about 10 to 13 years; small breeds often live longer than large breeds.",
        ),
        "goldfish_memory": (
            ("Do goldfish really have a three-second memory?", "How good is a goldfish's memory?"),
            "That's a myth: goldfish can remember things for months and can even be trained to respond to signals.",
        ),
        "chameleon_color": (
            ("Why do chameleons change color?",),
            "Chameleons change color mainly to communicate and to regulate their temperature, by "
            "adjusting tiny crystals in their skin cells, not mainly to blend in.",
        ),
        "octopus_smart": (
            ("Are octopuses intelligent?", "How smart is an octopus?"),
            "Yes, octopuses are very intelligent invertebrates: they can solve puzzles, open jars and use tools.",
        ),
        "camel_hump": (
            ("What is stored in a camel's hump?", "Do camels store water in their humps?"),
            "A camel's hump stores fat, not water. The fat can be used for energy when food is scarce.",
        ),
    },
    weight=0.45,
)

qa_templates(
    "everyday_science",
    {
        "tomato_fruit": (
            ("Is a tomato a fruit or a vegetable?", "Is tomato a fruit?"),
            "Botanically a tomato is a fruit, because it develops from a flower and contains seeds; in "
            "cooking it is usually treated as a vegetable.",
        ),
        "leaves_color": (
            ("Why do leaves change color in autumn?", "Why do leaves turn red and yellow in fall?"),
            "In autumn trees stop making green chlorophyll, so yellow and orange pigments that were "
            "already there show through, and some trees also produce red pigments.",
        ),
        "ice_floats": (
            ("Why does ice float?",),
            "Ice floats because water expands when it freezes, so ice is less dense than liquid water.",
        ),
        "thunder": (
            ("What causes thunder?", "Why is there thunder after lightning?"),
            "Lightning heats the air so quickly that it expands explosively, creating the shock wave we "
            "hear as thunder. Light travels faster than sound, so we see the flash first.",
        ),
        "rainbow": (
            ("How do rainbows form?", "Why do we see rainbows?"),
            "Rainbows form when sunlight enters raindrops, bends, reflects inside them and splits into "
            "its colors, which reach your eyes when the Sun is behind you.",
        ),
        "salt_ice": (
            ("Why do we put salt on icy roads?",),
            "Salt lowers the freezing point of water, so ice melts at temperatures below 0 °C and new "
            "ice forms less easily.",
        ),
        "yawn": (
            ("Why do we yawn?", "Why is yawning contagious?"),
            "Nobody knows for sure. Leading ideas are that yawning helps cool the brain and signals "
            "changes in alertness; it is contagious likely because of social bonding and empathy.",
        ),
        "moon_phases": (
            ("Why does the Moon have phases?", "What causes the phases of the moon?"),
            "As the Moon orbits Earth, we see different portions of its sunlit half, which gives the "
            "phases from new moon to full moon and back, over about 29.5 days.",
        ),
        "weather_climate": (
            ("What's the difference between weather and climate?", "Weather vs climate?"),
            "Weather is the short-term state of the atmosphere (today's rain or heat); climate is the "
            "average pattern of weather in a region over decades.",
        ),
        "virus_bacteria": (
            ("What's the difference between a virus and bacteria?", "Are viruses and bacteria the same thing?"),
            "Bacteria are single-celled living organisms that can reproduce on their own; viruses are "
            "much smaller and can only reproduce inside a host's cells. Antibiotics work on bacteria, "
            "not viruses.",
        ),
        "mass_weight": (
            ("What's the difference between mass and weight?",),
            "Mass is the amount of matter in an object and doesn't change with location; weight is the "
            "force of gravity on that mass, so you'd weigh less on the Moon but have the same mass.",
        ),
        "speed_velocity": (
            ("What's the difference between speed and velocity?",),
            "Speed is how fast something moves; velocity is speed in a given direction, so it is a vector.",
        ),
        "ram_storage": (
            ("What's the difference between RAM and storage?", "RAM vs SSD?"),
            "RAM is fast, temporary memory that holds what your computer is working on right now and is "
            "cleared when it powers off; storage (an SSD or hard drive) keeps files permanently but is "
            "slower.",
        ),
        "http_https": (
            ("What's the difference between HTTP and HTTPS?",),
            "HTTPS is HTTP over an encrypted TLS connection, so data between your browser and the "
            "website can't easily be read or altered in transit.",
        ),
        "latitude_longitude": (
            ("What's the difference between latitude and longitude?",),
            "Latitude measures how far north or south of the equator a place is; longitude measures how "
            "far east or west of the prime meridian it is.",
        ),
        "alligator_crocodile": (
            ("What's the difference between an alligator and a crocodile?",),
            "Alligators have wider, U-shaped snouts and mostly live in fresh water in the US and China; "
            "crocodiles have narrower, V-shaped snouts, and their lower teeth show when the mouth is "
            "closed.",
        ),
    },
    weight=0.45,
)

qa_templates(
    "sports_culture",
    {
        "marathon_length": (
            ("How long is a marathon?", "How many kilometers is a marathon?"),
            "A marathon is 42.195 kilometers (26.2 miles).",
        ),
        "olympics_frequency": (
            ("How often are the Olympics held?", "How often do the Olympic Games take place?"),
            "The Summer and Winter Olympics are each held every four years, staggered so that there is "
            "an Olympic Games every two years.",
        ),
        "olympic_rings": (
            ("What do the Olympic rings represent?",),
            "The five interlocking rings represent the union of the five inhabited continents "
            "participating in the Olympic Games.",
        ),
        "chess_pieces": (
            ("How does the knight move in chess?",),
            "A knight moves in an L shape: two squares in one direction and then one square at a right "
            "angle, and it is the only piece that can jump over others.",
        ),
        "offside": (
            ("What is offside in soccer?", "Explain the offside rule."),
            "A player is offside if, when a teammate passes the ball to them, they are in the opponent's "
            "half and nearer to the goal line than both the ball and the second-to-last defender.",
        ),
        "haiku_form": (
            ("What is a haiku?", "How many syllables are in a haiku?"),
            "A haiku is a short Japanese poem form, in English usually three lines of 5, 7 and 5 "
            "syllables, often about nature or a moment in time.",
        ),
        "sonnet_form": (
            ("What is a sonnet?",),
            "A sonnet is a 14-line poem with a set rhyme scheme, often in iambic pentameter, as in "
            "Shakespeare's sonnets.",
        ),
        "romeo_plot": (
            ("What is Romeo and Juliet about?", "Summarize the plot of Romeo and Juliet."),
            "Two young lovers from feuding families in Verona secretly marry; a chain of "
            "misunderstandings and violence leads both to take their own lives, which finally reconciles "
            "their families.",
        ),
        "hare_tortoise": (
            ("What's the moral of the tortoise and the hare?",),
            "Slow and steady wins the race: the overconfident hare naps during the race, and the "
            "persistent tortoise wins.",
        ),
        "cinderella_plot": (
            ("What is the story of Cinderella?",),
            "Cinderella, mistreated by her stepfamily, attends a royal ball with help from her fairy "
            "godmother, leaves behind a glass slipper at midnight, and the prince finds her by having "
            "the slipper tried on.",
        ),
    },
    weight=0.45,
)

qa_templates(
    "grammar",
    {
        "their_there": (
            ("What's the difference between their, there and they're?", "When do I use there vs their?"),
            '"Their" shows possession (their car), "there" refers to a place or existence (over there, '
            'there is), and "they\'re" is short for "they are".',
        ),
        "affect_effect": (
            ("Affect or effect?", "What's the difference between affect and effect?"),
            '"Affect" is usually a verb meaning to influence; "effect" is usually a noun meaning the '
            "result. The weather affects my mood; it has a big effect on me.",
        ),
        "its_its": (
            ("Its or it's?", "When do I write it's with an apostrophe?"),
            '"It\'s" is short for "it is" or "it has"; "its" is the possessive form (the dog wagged its tail).',
        ),
        "fewer_less": (
            ("Fewer or less?", "When should I use fewer instead of less?"),
            'Use "fewer" for things you can count (fewer apples) and "less" for amounts you can\'t count (less water).',
        ),
        "who_whom": (
            ("Who or whom?", "When do you use whom?"),
            'Use "who" for the subject of a verb and "whom" for the object. A quick test: if you could '
            'answer with "him", use "whom".',
        ),
        "then_than": (
            ("Then or than?",),
            '"Than" is for comparisons (taller than me); "then" is about time or sequence (first this, then that).',
        ),
        "semicolon": (
            ("How do I use a semicolon?", "When should I use a semicolon?"),
            "Use a semicolon to join two closely related complete sentences (I was tired; I went to bed) "
            "or to separate items in a list that already contains commas.",
        ),
        "passive_voice": (
            ("What is the passive voice?",),
            'In the passive voice, the subject receives the action: "The cake was eaten by the kids" '
            'instead of the active "The kids ate the cake".',
        ),
    },
    weight=0.45,
)

_RHYMES = {
    "cat": "hat, bat, mat, sat, flat, chat",
    "day": "way, say, play, stay, gray, away",
    "light": "night, bright, sight, kite, fight, white",
    "love": "dove, above, glove, shove",
    "time": "rhyme, climb, chime, lime, prime",
    "heart": "start, part, art, smart, chart",
    "moon": "soon, tune, June, spoon, balloon",
    "rain": "train, plain, brain, chain, again",
    "dream": "stream, team, beam, cream, seem",
    "sea": "tree, free, key, bee, me",
}


@template("language/rhymes", NO_TOOL, weight=0.6)
def rhymes(rng: random.Random) -> Draft:
    word = rng.choice(sorted(_RHYMES))
    prompt = pick(rng, ("What rhymes with {w}?", "Give me words that rhyme with '{w}'.", "rhymes for {w}?"), w=word)
    return Draft(prompt, answer=f'Words that rhyme with "{word}": {_RHYMES[word]}.')


_FORMAL = (
    ("hey, can u send me the report asap?", "Hello, could you please send me the report at your earliest convenience?"),
    ("I can't make it to the meeting, sorry.", "I apologize, but I will be unable to attend the meeting."),
    ("Thanks a lot for the help!", "Thank you very much for your assistance."),
    ("We need to talk about the budget.", "I would like to schedule a discussion regarding the budget."),
    ("Your order is gonna be late.", "We regret to inform you that your order will be delayed."),
    ("Got your email, will reply soon.", "Thank you for your email; I will respond shortly."),
    ("This project is a mess.", "This project has several issues that need to be addressed."),
    ("Can you fix this bug quickly?", "Could you please address this bug as soon as possible?"),
)
_GRAMMAR_FIX = (
    ("me and him goes to the store", "He and I go to the store."),
    ("She don't like apples.", "She doesn't like apples."),
    ("Their going to the park tomorrow.", "They're going to the park tomorrow."),
    ("I seen that movie last week.", "I saw that movie last week."),
    ("Who's book is this?", "Whose book is this?"),
    ("The dog wagged it's tail.", "The dog wagged its tail."),
    ("There is less people here today.", "There are fewer people here today."),
    ("I could of gone to the party.", "I could have gone to the party."),
    ("Me and my sister was late.", "My sister and I were late."),
    ("Everyone have their own opinion.", "Everyone has their own opinion."),
)


@template("language/rephrase_formal", NO_TOOL, weight=0.8)
def rephrase_formal(rng: random.Random) -> Draft:
    casual, formal = rng.choice(_FORMAL)
    prompt = pick(
        rng,
        (
            'Make this more formal: "{s}"',
            "Rewrite this professionally: {s}",
            'How can I say "{s}" more politely?',
            "Rephrase in a formal tone: '{s}'",
        ),
        s=casual,
    )
    return Draft(prompt, answer=formal, fragile=True)


@template("language/fix_grammar", NO_TOOL, weight=0.8)
def fix_grammar(rng: random.Random) -> Draft:
    wrong, right = rng.choice(_GRAMMAR_FIX)
    prompt = pick(
        rng,
        ('Fix the grammar: "{s}"', "Correct this sentence: {s}", 'Is this sentence correct? "{s}"', "Proofread: '{s}'"),
        s=wrong,
    )
    answer = right if not prompt.startswith("Is this") else f'Not quite. The correct version is: "{right}"'
    return Draft(prompt, answer=answer, fragile=True)


_SUMMARIES = (
    (
        "The city council met on Tuesday to discuss the new bike lanes. After two hours of debate, "
        "members voted 7 to 2 to build lanes on Main Street, with construction starting in spring.",
        "The city council voted 7-2 to build bike lanes on Main Street, starting in spring.",
    ),
    (
        "Our quarterly sales rose compared with last year, mostly thanks to strong online orders, "
        "although store visits kept falling and shipping costs went up.",
        "Sales grew, driven by online orders, despite fewer store visits and higher shipping costs.",
    ),
    (
        "Regular exercise improves heart health, helps control weight, lifts mood and improves sleep. "
        "Experts suggest at least 150 minutes of moderate activity a week.",
        "Regular exercise, ideally at least 150 minutes a week, benefits the heart, weight, mood and sleep.",
    ),
    (
        "The software update fixes a crash when opening large files, speeds up start-up, and adds a dark "
        "mode. Users should restart the app after installing it.",
        "The update fixes a large-file crash, speeds up start-up and adds dark mode; restart the app after installing.",
    ),
    (
        "Because of the storm, all flights out of the airport were cancelled on Friday. The airline will "
        "rebook passengers for free and offer hotel vouchers to those stranded overnight.",
        "Friday's storm cancelled all flights; the airline offers free rebooking and hotel vouchers.",
    ),
)


@template("language/summarize", NO_TOOL, weight=0.8)
def summarize_text(rng: random.Random) -> Draft:
    text, summary = rng.choice(_SUMMARIES)
    prompt = pick(
        rng,
        (
            "Summarize this in one sentence: {t}",
            "TL;DR: {t}",
            "Give me a short summary:\n{t}",
            "Can you sum this up briefly? {t}",
        ),
        t=text,
    )
    return Draft(prompt, answer=summary, fragile=True)


_MESSAGES = (
    (
        "an email to my manager asking for Friday off",
        "Hi [Manager's name],\n\nI'd like to request this Friday off for personal reasons. My tasks are "
        "on track, and I'll make sure everything urgent is covered before then. Please let me know if "
        "that works.\n\nThank you,\n[Your name]",
    ),
    (
        "a short thank-you note to a colleague who helped me",
        "Hi [Name], thank you so much for your help this week. Your support made a real difference, and "
        "I really appreciate you taking the time. Thanks again!",
    ),
    (
        "a polite message declining a party invitation",
        "Thank you so much for the invitation! Unfortunately I can't make it this time, but I hope you "
        "have a wonderful party. Let's catch up soon.",
    ),
    (
        "an apology for replying late to an email",
        "Hi [Name], I'm sorry for my late reply; your message got buried during a busy week. Thank you "
        "for your patience. Here is my answer: [your reply].",
    ),
    (
        "a text reminding my friend about our dinner tomorrow",
        "Hey! Just a reminder about our dinner tomorrow. Still good for [time] at [place]? Looking forward to it!",
    ),
    (
        "a birthday message for my grandmother",
        "Happy birthday, Grandma! Thank you for all your love, stories and wisdom. I hope your day is as "
        "wonderful as you are. Lots of love!",
    ),
)


@template("language/write_message", NO_TOOL, weight=0.8)
def write_message(rng: random.Random) -> Draft:
    what, text = rng.choice(_MESSAGES)
    prompt = pick(rng, ("Write {w}.", "Can you draft {w}?", "Help me write {w}.", "I need {w}."), w=what)
    return Draft(prompt, answer=text)


qa_templates(
    "howto_life",
    {
        "boil_egg": (
            ("How do I boil an egg?", "How long should I boil an egg?"),
            "Place the egg in boiling water and cook about 6-7 minutes for a jammy yolk or 9-12 minutes "
            "for hard-boiled, then cool it in cold water before peeling.",
        ),
        "cook_rice": (
            ("How do I cook rice?", "What's the water to rice ratio?"),
            "For white rice, rinse it, then simmer about 1 part rice to 1.5-2 parts water, covered, for "
            "15-18 minutes, and let it rest 5 minutes before fluffing.",
        ),
        "french_press": (
            ("How do I make coffee with a French press?",),
            "Add coarsely ground coffee (about 1 tablespoon per 100 ml), pour in hot water just off the "
            "boil, stir, wait about 4 minutes, then press the plunger down slowly and pour.",
        ),
        "remove_stain": (
            ("How do I get a coffee stain out of a shirt?", "How to remove a stain from clothes?"),
            "Blot (don't rub) the stain, rinse it from the back with cold water, apply a little liquid "
            "detergent or stain remover, let it sit for a few minutes, then wash as usual. Avoid the "
            "dryer until the stain is gone.",
        ),
        "clean_screen": (
            ("How do I clean my laptop screen?",),
            "Turn the laptop off, wipe gently with a dry microfiber cloth, and for smudges use the cloth "
            "slightly dampened with water. Avoid paper towels and harsh cleaners.",
        ),
        "flat_tire": (
            ("How do I change a flat tire?",),
            "Park on flat ground with the hazard lights on, loosen the lug nuts slightly, jack up the "
            "car, remove the nuts and the flat, mount the spare, hand-tighten the nuts, lower the car, "
            "then tighten them fully in a star pattern.",
        ),
        "plant_tomatoes": (
            ("How do I grow tomatoes?", "Tips for growing tomatoes at home?"),
            "Plant them in a sunny spot (6-8 hours of sun), in rich, well-draining soil, after the last "
            "frost. Water deeply and regularly at the base, and support the plants with stakes or cages.",
        ),
        "fall_asleep_fast": (
            ("How can I fall asleep fast?",),
            "Try a slow breathing pattern (in for 4, hold for 7, out for 8), keep the room dark and "
            "cool, put screens away, and if you can't sleep after 20 minutes, get up and do something "
            "calm until you feel sleepy.",
        ),
        "make_friends": (
            ("How do I make friends as an adult?", "It's hard to make new friends, any advice?"),
            "Join regular activities that match your interests (classes, clubs, sports, volunteering), "
            "show up consistently, ask people questions, and suggest a follow-up coffee or walk.",
        ),
    },
    weight=0.45,
)

qa_templates(
    "recommendations",
    {
        "python_book": (
            ("Can you recommend a book to learn Python?", "What's a good Python book for beginners?"),
            '"Automate the Boring Stuff with Python" by Al Sweigart is a popular, practical choice for '
            'beginners, and "Python Crash Course" by Eric Matthes is another good one.',
        ),
        "classic_novel": (
            ("Recommend a classic novel.", "What's a good classic book to read?"),
            'Try "Pride and Prejudice" by Jane Austen for wit and romance, or "To Kill a Mockingbird" by '
            "Harper Lee for a moving story about justice.",
        ),
        "podcast_topics": (
            ("What kind of podcast should I listen to on my commute?",),
            "It depends on your mood: a short news roundup, a storytelling or history podcast, a "
            "language-learning show, or an interview podcast in a field you want to learn about.",
        ),
        "hobby_ideas": (
            ("Suggest a new hobby.", "What hobby should I pick up?"),
            "A few ideas: cooking new cuisines, drawing or sketching, gardening, learning an instrument, "
            "hiking, photography or a language. Pick one that fits your time and budget and try it for a "
            "month.",
        ),
        "weekend_ideas": (
            ("What should I do this weekend?", "Ideas for a fun weekend?"),
            "You could explore a new neighborhood or hiking trail, visit a museum, try a new recipe, "
            "host a game night, or catch up on a book or series you've been meaning to start.",
        ),
        "gift_ideas": (
            ("What's a good gift for someone who has everything?",),
            "Experiences often work best: a concert or cooking class, a nice meal out, a personalized "
            "photo book, or a donation to a cause they care about.",
        ),
    },
    weight=0.45,
)
