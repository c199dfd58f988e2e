"""The documents reports/ keeps of its own (none yet): it reads every app below it and writes only these."""
