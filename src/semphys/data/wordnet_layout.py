"""Lay out Debian's WordNet 3.0 files as an nltk `corpora/wordnet` directory, built once.

Debian's `wordnet-base` puts the database in `/usr/share/wordnet` (`data.noun`, `index.noun`, ...)
and `wordnet-sense-index` adds `index.sense` there; neither ships the `lexnames` file that nltk's
`WordNetCorpusReader` reads first. `nltk_wordnet_dir` copies the files nltk reads into
`<cache>/data/nltk_data/corpora/wordnet/` and writes `lexnames` from `LEXNAMES`, the table of the
lexnames(5WN) man page.

The files are copied, not symlinked: nltk 3.10 resolves every path it opens and refuses one that
leaves the reader's root ("Security Violation ... escapes root"), which a symlink into
`/usr/share/wordnet` does. The layout is built in a temporary directory beside the final one and
renamed into place, so an interrupted build is never taken for a complete one; a stamp file records
the sizes and modification times of the sources, and a changed source triggers a rebuild.
"""

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from semphys.core.errors import UserError
from semphys.core.paths import cache_dir

DEBIAN_WORDNET_DIR = Path("/usr/share/wordnet")
"""Where Debian's `wordnet-base` and `wordnet-sense-index` install the WordNet 3.0 database."""

INSTALL_COMMAND = "sudo apt-get install wordnet-base wordnet-sense-index"
"""The command that installs the data (also run by `make install`)."""

LEXNAMES: tuple[tuple[str, int], ...] = (
    ("adj.all", 3),
    ("adj.pert", 3),
    ("adv.all", 4),
    ("noun.Tops", 1),
    ("noun.act", 1),
    ("noun.animal", 1),
    ("noun.artifact", 1),
    ("noun.attribute", 1),
    ("noun.body", 1),
    ("noun.cognition", 1),
    ("noun.communication", 1),
    ("noun.event", 1),
    ("noun.feeling", 1),
    ("noun.food", 1),
    ("noun.group", 1),
    ("noun.location", 1),
    ("noun.motive", 1),
    ("noun.object", 1),
    ("noun.person", 1),
    ("noun.phenomenon", 1),
    ("noun.plant", 1),
    ("noun.possession", 1),
    ("noun.process", 1),
    ("noun.quantity", 1),
    ("noun.relation", 1),
    ("noun.shape", 1),
    ("noun.state", 1),
    ("noun.substance", 1),
    ("noun.time", 1),
    ("verb.body", 2),
    ("verb.change", 2),
    ("verb.cognition", 2),
    ("verb.communication", 2),
    ("verb.competition", 2),
    ("verb.consumption", 2),
    ("verb.contact", 2),
    ("verb.creation", 2),
    ("verb.emotion", 2),
    ("verb.motion", 2),
    ("verb.perception", 2),
    ("verb.possession", 2),
    ("verb.social", 2),
    ("verb.stative", 2),
    ("verb.weather", 2),
    ("adj.ppl", 3),
)
"""The 45 lexicographer files of WordNet 3.0 as (name, syntactic category), indexed by file number.

From the lexnames(5WN) man page (WordNet 3.0, Dec 2006). The file number is the `lex_filenum` field
(field 2) of every line of `data.*`; the syntactic category is 1 noun, 2 verb, 3 adjective,
4 adverb. The man page's row 18 reads `noun.person  ` with trailing spaces; the name has none.
"""

SOURCE_FILES: tuple[str, ...] = (
    "data.noun",
    "data.verb",
    "data.adj",
    "data.adv",
    "index.noun",
    "index.verb",
    "index.adj",
    "index.adv",
    "noun.exc",
    "verb.exc",
    "adj.exc",
    "adv.exc",
    "cntlist.rev",
    "index.sense",
)
"""The Debian files nltk's `WordNetCorpusReader` reads (its `_FILES`, less `lexnames`)."""

_STAMP = "semphys-source.json"


def lexnames_file_text() -> str:
    """The `lexnames` file: 45 lines `NN<TAB>name<TAB>category`, as lexnames(5WN) specifies."""
    return "".join(f"{i:02d}\t{name}\t{cat}\n" for i, (name, cat) in enumerate(LEXNAMES))


def check_installed(source: Path = DEBIAN_WORDNET_DIR) -> None:
    """Raise `UserError` naming the install command if a file nltk needs is missing in `source`."""
    for name in SOURCE_FILES:
        if not (source / name).is_file():
            raise UserError(
                f"WordNet 3.0 is not installed ({source / name} missing): run `{INSTALL_COMMAND}` (or `make install`)"
            )


def _source_stamp(source: Path) -> dict[str, object]:
    """What the layout was built from: the source directory and each file's size and mtime."""
    files = {}
    for name in SOURCE_FILES:
        st = (source / name).stat()
        files[name] = [st.st_size, st.st_mtime_ns]
    return {"source": str(source.resolve()), "files": files, "lexnames": lexnames_file_text()}


def _read_stamp(layout: Path) -> dict[str, object] | None:
    try:
        return json.loads((layout / _STAMP).read_text())
    except (OSError, ValueError):
        return None


def layout_fingerprint(layout: Path) -> str:
    """A hex digest naming what the layout at `layout` was built from (source files, lexnames)."""
    return hashlib.sha256((layout / _STAMP).read_bytes()).hexdigest()


def nltk_wordnet_dir(source: Path = DEBIAN_WORDNET_DIR) -> Path:
    """The nltk layout of the WordNet in `source`, built on first use: `<root>/corpora/wordnet`.

    Returns the `corpora/wordnet` directory; its grandparent (`<cache>/data/nltk_data`) is the
    directory nltk must trust (see `semphys.data.wordnet`). Raises `UserError` when the data is not
    installed.
    """
    source = Path(source)
    check_installed(source)
    stamp = _source_stamp(source)
    corpora = cache_dir("data", "nltk_data", "corpora")
    layout = corpora / "wordnet"
    if _read_stamp(layout) == stamp:
        return layout

    tmp = Path(tempfile.mkdtemp(prefix=".wordnet-build-", dir=corpora))
    try:
        for name in SOURCE_FILES:
            shutil.copyfile(source / name, tmp / name)
        (tmp / "lexnames").write_text(lexnames_file_text())
        (tmp / _STAMP).write_text(json.dumps(stamp))
        if layout.exists():  # stale: built from another source or an older install
            old = Path(tempfile.mkdtemp(prefix=".wordnet-old-", dir=corpora))
            os.replace(layout, old / "wordnet")
            shutil.rmtree(old, ignore_errors=True)
        try:
            os.replace(tmp, layout)
        except OSError:
            # Another process renamed its build in first; use it if it matches.
            if _read_stamp(layout) != stamp:
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return layout
