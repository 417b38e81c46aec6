"""The words and prompts a phase run reads (spec 001 §実験1's inputs).

prompts        Word, Prompt, Suite, check_word
builtin        the built-in words bank, bat and crane
prompt_file    load_prompts / parse_prompts: a user's YAML or JSON file, errors with line and key
wordnet_words  wordnet_suite, named_suite: sense pairs from WordNet
sources        build_suite: the words of a run from names, a prompts file or WordNet
"""
