"""The company directory: who is registered, the office's duplicate review (`dedupe`) and the
lists each user may see (`directory`)."""
