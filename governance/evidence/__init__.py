"""Evidence documents legal hands to others: the audit evidence bundle (with its
standalone verifier) and the record of processing activities (Art. 30)."""
