"""The Debian -> nltk layout: the lexnames table, the install check, an atomic, cached build."""

import gzip
import re
import shutil
from pathlib import Path

import pytest

from semphys.core.errors import UserError
from semphys.data import wordnet_layout
from semphys.data.wordnet_layout import (
    DEBIAN_WORDNET_DIR,
    INSTALL_COMMAND,
    LEXNAMES,
    SOURCE_FILES,
    check_installed,
    lexnames_file_text,
    nltk_wordnet_dir,
)

MAN_PAGE = Path("/usr/share/man/man5/lexnames.5WN.gz")
POS_CATEGORY = {"n": 1, "v": 2, "a": 3, "s": 3, "r": 4}
CATEGORY_PREFIX = {1: "noun.", 2: "verb.", 3: "adj.", 4: "adv."}


def test_lexnames_has_45_files_with_known_numbers():
    names = [name for name, _ in LEXNAMES]
    assert len(LEXNAMES) == 45 and len(set(names)) == 45
    assert names[0] == "adj.all"
    assert names[3] == "noun.Tops"
    assert names[5] == "noun.animal"
    assert names[17] == "noun.object"
    assert names[18] == "noun.person"
    assert names[29] == "verb.body"
    assert names[44] == "adj.ppl"


def test_lexname_category_matches_its_prefix():
    for name, category in LEXNAMES:
        assert name.startswith(CATEGORY_PREFIX[category]), name


@pytest.mark.skipif(not MAN_PAGE.exists(), reason="lexnames(5WN) man page not installed")
def test_lexnames_match_the_man_page():
    text = gzip.open(MAN_PAGE, "rt").read()
    rows = re.findall(r"^(\d\d)\t([^\t]+)\t", text, flags=re.MULTILINE)
    assert [(int(number), name.strip()) for number, name in rows] == [(i, name) for i, (name, _) in enumerate(LEXNAMES)]


def test_every_synset_lex_filenum_has_the_synsets_category():
    """Field 2 of every data line names a lexicographer file of the synset's part of speech."""
    used = set()
    for pos in ("noun", "verb", "adj", "adv"):
        with open(DEBIAN_WORDNET_DIR / f"data.{pos}", encoding="utf-8") as lines:
            for line in lines:
                if line.startswith("  "):  # licence header
                    continue
                _, lex_filenum, ss_type, _ = line.split(" ", 3)
                name, category = LEXNAMES[int(lex_filenum)]
                assert category == POS_CATEGORY[ss_type], line[:40]
                used.add(name)
    assert used == {name for name, _ in LEXNAMES}


def test_lexnames_file_is_what_nltk_parses():
    lines = lexnames_file_text().splitlines()
    assert len(lines) == 45
    assert lines[18] == "18\tnoun.person\t1"  # no trailing spaces, unlike the man page
    for i, line in enumerate(lines):
        number, name, category = line.split()
        assert int(number) == i and (name, int(category)) == LEXNAMES[i]


def test_missing_data_names_the_install_command(tmp_path: Path):
    with pytest.raises(UserError, match=re.escape(INSTALL_COMMAND)) as caught:
        check_installed(tmp_path)
    assert "data.noun missing" in str(caught.value)
    assert INSTALL_COMMAND == "sudo apt-get install wordnet-base wordnet-sense-index"


def test_missing_sense_index_is_named(tmp_path: Path):
    for name in SOURCE_FILES:
        if name != "index.sense":
            (tmp_path / name).symlink_to(DEBIAN_WORDNET_DIR / name)
    with pytest.raises(UserError, match="index.sense missing"):
        check_installed(tmp_path)


def test_layout_holds_copies_of_the_sources_and_lexnames(private_cache: Path):
    layout = nltk_wordnet_dir()
    assert layout == private_cache / "data" / "nltk_data" / "corpora" / "wordnet"
    for name in SOURCE_FILES:
        copy = layout / name
        assert copy.is_file() and not copy.is_symlink()  # nltk refuses links out of its root
        assert copy.stat().st_size == (DEBIAN_WORDNET_DIR / name).stat().st_size
    assert (layout / "lexnames").read_text() == lexnames_file_text()


def test_layout_is_built_once(private_cache: Path):
    first = nltk_wordnet_dir()
    inode = (first / "data.noun").stat().st_ino
    second = nltk_wordnet_dir()
    assert second == first and (second / "data.noun").stat().st_ino == inode


def test_stale_layout_is_rebuilt(private_cache: Path):
    layout = nltk_wordnet_dir()
    (layout / "lexnames").write_text("00\tbroken\t1\n")
    (layout / "semphys-source.json").write_text("{}")  # as if built from another source
    rebuilt = nltk_wordnet_dir()
    assert (rebuilt / "lexnames").read_text() == lexnames_file_text()
    assert [p.name for p in rebuilt.parent.iterdir()] == ["wordnet"]  # no leftovers


def test_interrupted_build_leaves_no_layout(private_cache: Path, monkeypatch: pytest.MonkeyPatch):
    real_copyfile = shutil.copyfile
    copied = []

    def copy_then_interrupt(src, dst):
        if len(copied) == 3:
            raise KeyboardInterrupt
        copied.append(real_copyfile(src, dst))

    monkeypatch.setattr(wordnet_layout.shutil, "copyfile", copy_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        nltk_wordnet_dir()
    corpora = private_cache / "data" / "nltk_data" / "corpora"
    assert list(corpora.iterdir()) == []  # neither a layout nor a half-built directory

    monkeypatch.setattr(wordnet_layout.shutil, "copyfile", real_copyfile)
    assert (nltk_wordnet_dir() / "index.sense").is_file()
