"""Operations: the use cases over the store. Recording, inspection (``summaries/``), verify, datasets and
lifecycle; nothing here imports flytekit."""
