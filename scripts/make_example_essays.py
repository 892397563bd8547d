"""Write the demo's sample essays (examples/essays/{en,sv}) as .txt, .docx and .pdf.

The texts were written for this project and contain deliberate, typical student misspellings.
Run again after editing a text: `pdm run python -m scripts.make_example_essays`.
"""

from __future__ import annotations

from pathlib import Path

import docx
from fpdf import FPDF

OUT = Path(__file__).resolve().parents[1] / "examples" / "essays"

ESSAYS: dict[str, list[tuple[str, str]]] = {
    "en": [
        (
            "anna_summer.txt",
            "Name: Anna Lindqvist\nanna.lindqvist@example.org\n\n"
            "My Summer Holiday\n\n"
            "This summer I went to the mountains with my familly. We stayed in a small cabin "
            "near a lake, and every morning I woke up early becuase the birds were so loud. "
            "My brother and I went swiming almost every day, even when the water was cold.\n\n"
            "One day we climbed the highest mountain in the area. It was a long walk and I was "
            "realy tired when we reached the top, but the view was beautifull. We could see "
            "three lakes and a small village far below us. I think it was the best day of the "
            "holiday, and I hope we can go back next year.\n",
        ),
        (
            "erik_technology.txt",
            "Name: Erik Johansson\n\n"
            "Technology in School\n\n"
            "Today almost every student has a computer or a tablet in school. I beleive that "
            "technology can help us learn faster, but it can also be a distraction. When I "
            "write an essay on my laptop it is easy to check facts on the internet, and I can "
            "correct my mistakes quickly.\n\n"
            "On the other hand, it is tempting to watch videos insted of doing homework. Some "
            "of my freinds spend hours on their phones every evening. I think schools should "
            "teach us how to use technology in a responsable way, so that it becomes a tool "
            "and not a problem.\n",
        ),
        (
            "sara_friendship.docx",
            "Name: Sara Berg\nsara.berg@example.org\n\n"
            "What Makes a Good Friend\n\n"
            "A good friend is someone who listens to you and tells you the truth, even when it "
            "is dificult. My best friend and I have known each other since we were six years "
            "old. We dont always agree, but we allways respect each other.\n\n"
            "Last winter I was sick for two weeks and she came to my house every day with my "
            "homework. That is somthing I will never forget. I think friendship is one of the "
            "most importent things in life.\n",
        ),
        (
            "omar_city.pdf",
            "Name: Omar Hassan\n\n"
            "Living in a Big City\n\n"
            "I have lived in Stockholm my whole life. There are many advantages to living in a "
            "big city, for exemple good public transport and many diffrent restaurants. In the "
            "evenings there is always something to do.\n\n"
            "However, the city can also be noisy and expensive. Many families cannot aford a "
            "big apartment, and the air is not as clean as in the countryside. In the future I "
            "would like to live somewhere quieter, but not to far from the city.\n",
        ),
    ],
    "sv": [
        (
            "lina_sommarlov.txt",
            "Namn: Lina Karlsson\nlina.karlsson@example.se\n\n"
            "Mitt sommarlov\n\n"
            "I somras åkte jag och min familj till Gotland. Vi bodde i ett litet hus nära "
            "havet och varje dag badade vi på stranden. Vattnet var kallt men det var ändå "
            "rolight att simma.\n\n"
            "En dag cyklade vi till Visby och tittade på ringmuren. Den är väldigt gammal och "
            "jag tyckte att det var intresant att höra om historien. På kvällarna spelade vi "
            "kort och åt glass. Det var det bästa sommarlovet jag har haft.\n",
        ),
        (
            "johan_skolan.docx",
            "Namn: Johan Nilsson\n\n"
            "Skolan i framtiden\n\n"
            "Jag tror att skolan kommer att förändras mycket i framtiden. Eleverna kommer "
            "kanske att använda datorer ännu mer än idag, och lärarna kan hjälpa varje elev på "
            "ett mer personligt sät.\n\n"
            "Samtidigt är det viktigt att vi fortfarande träffas och pratar med varandra. "
            "Skolan är inte bara en plats där man lär sig fakta, utan också en plats där man "
            "får vänner. Därför tycker jag att skolan alltid kommer att behövas, även om "
            "tekniken blir bättre och bättre.\n",
        ),
        (
            "maja_djur.pdf",
            "Namn: Maja Ek\n\n"
            "Mitt favoritdjur\n\n"
            "Mitt favoritdjur är hunden. Hundar är lojala och glada, och de tycker om att leka. "
            "Vi har en hund som heter Sixten och han är tre år gammal. Varje morgon går jag "
            "ut med honom innan jag går till skolan.\n\n"
            "Att ha en hund är ett stort ansvar. Man måste ge den mat, borsta pälsen och gå "
            "långa promenader även när det regnar. Men jag tycker att det är värt det, efersom "
            "Sixten alltid blir så glad när jag kommer hem.\n",
        ),
    ],
}


def write_docx(path: Path, text: str) -> None:
    document = docx.Document()
    for paragraph in text.split("\n"):
        document.add_paragraph(paragraph)
    document.save(str(path))


def write_pdf(path: Path, text: str) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 7, text)
    pdf.output(str(path))


def main() -> None:
    for lang, essays in ESSAYS.items():
        folder = OUT / lang
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in essays:
            path = folder / name
            if path.suffix == ".txt":
                path.write_text(text, encoding="utf-8")
            elif path.suffix == ".docx":
                write_docx(path, text)
            else:
                write_pdf(path, text)
            print(path.relative_to(OUT.parent.parent))


if __name__ == "__main__":
    main()
