"""Stage 1, cleaning: values, comunas and RUTs normalised, activities and persons
resolved, duplicates and quarantine counted, pseudonyms made, data/processed/ written."""
