"""One module per chapter: validated parameters in, a tidy table out (cached in the store)."""
