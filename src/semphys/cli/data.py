"""`semphys data ...`: the offline real data semphys reads (WordNet 3.0 from Debian)."""

import json
from pathlib import Path

import typer

app = typer.Typer(
    help="Real data from Debian packages: WordNet senses, the WordNet corpus, its tokenizer.", no_args_is_help=True
)

WORDNET_DIR_HELP = "Directory of the Debian WordNet files."
POS_NAMES = {"n": "noun", "v": "verb", "a": "adjective", "r": "adverb"}


@app.command()
def senses(
    lemma: str = typer.Argument(..., help="A lemma, e.g. bank."),
    pos: str = typer.Option("n", help="Part of speech: n, v, a or r."),
    wordnet_dir: Path = typer.Option(Path("/usr/share/wordnet"), help=WORDNET_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout."),
) -> None:
    """List a lemma's WordNet senses in frequency order, with lexicographer file, gloss and examples."""
    from dataclasses import asdict

    from semphys.core.errors import UserError
    from semphys.core.validate import require_choice
    from semphys.data import load_wordnet

    require_choice("--pos", pos, ("n", "v", "a", "r"))
    found = load_wordnet(wordnet_dir).senses(lemma, pos)
    if not found:
        raise UserError(
            f"WordNet has no {POS_NAMES[pos]} senses of {lemma!r}; check the spelling, or try another --pos "
            "(n, v, a, r)"
        )
    if as_json:
        print(json.dumps([asdict(sense) for sense in found], indent=2))
        return
    for sense in found:
        print(f"{sense.sense_number:>2}. {sense.synset_id:<40} {sense.lexname:<20} {sense.gloss}")
        for example in sense.examples:
            print(f'{"":>44}"{example}"')


@app.command()
def info(
    wordnet_dir: Path = typer.Option(Path("/usr/share/wordnet"), help=WORDNET_DIR_HELP),
    vocab_size: int = typer.Option(4096, help="Vocabulary size of the BPE tokenizer to report (trained if new)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout."),
) -> None:
    """Sizes of the WordNet corpus splits and its tokenizer (built and cached on first use)."""
    from semphys.core.validate import require_at_least
    from semphys.data import load_corpus, token_stream, train_tokenizer
    from semphys.data.tokenizer import MIN_VOCAB

    require_at_least("--vocab-size", vocab_size, MIN_VOCAB)
    corpus = load_corpus(source=wordnet_dir)
    tokenizer = train_tokenizer(corpus, vocab_size)
    facts = {
        "wordnet_dir": str(wordnet_dir),
        "train_documents": len(corpus.train),
        "valid_documents": len(corpus.valid),
        "train_characters": sum(len(doc.text) for doc in corpus.train),
        "valid_characters": sum(len(doc.text) for doc in corpus.valid),
        "vocab_size": tokenizer.get_vocab_size(),
        "valid_tokens": int(token_stream(tokenizer, corpus.valid).size),
    }
    if as_json:
        print(json.dumps(facts, indent=2))
        return
    for key, value in facts.items():
        print(f"{key:<18}  {value}")
