"""The organisation's records: kinds, per-kind storage, the ``State`` handlers write through, and
the JSON Schema subset that validates and fills them."""
