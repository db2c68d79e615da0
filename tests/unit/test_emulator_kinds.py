"""One name per kind: the emulator and the store call the records of a list operation the same."""

from __future__ import annotations

from ashby_connector.emulator.records.kinds import KINDS
from ashby_connector.store.kinds import KIND_OPERATIONS


def test_every_emulator_kind_read_by_a_stored_list_has_the_stores_name() -> None:
    store_kind_of = {operation: kind for kind, operation in KIND_OPERATIONS.items()}
    mismatched = {
        kd.list_op: (kd.name, store_kind_of[kd.list_op])
        for kd in KINDS.values()
        if kd.list_op in store_kind_of and store_kind_of[kd.list_op] != kd.name
    }
    assert mismatched == {}


def test_candidate_notes_are_candidate_note_records() -> None:
    assert KINDS["candidateNote"].list_op == "candidate.listNotes"
    assert "note" not in KINDS
