"""What the emulator sends or serves besides API answers: webhooks, file URLs, reports, calls to
an assessment partner, and the per-organisation services that hold them."""
