"""Importing customer spreadsheets: nothing enters the base without a verdict (issue 6).

1. **Preview** (:meth:`ImportService.preview`): the file is read (``zhengming.spreadsheets``),
   its headers mapped, every row checked by the naming rules and judged — ``new``; ``update``
   of customer N (its customer number or credit code); ``duplicate`` of N (the real-time
   check says ``same``) or ``uncertain`` (``likely``); ``duplicate_in_file`` of an earlier row
   (the batch dedupe); ``invalid`` (problem codes, the suggested standard name). The verdicts
   are stored as an ``import_batch`` with one ``import_row`` per data row; no customer changes.
2. **Run** (:meth:`ImportService.run`): a job applies the stored rows in chunks, each chunk one
   transaction that also records every row's action, so a run that stops resumes where it
   stopped and never applies a row twice. ``on_duplicate`` decides what matching rows do:

   ============  =================================================================
   ``skip``      new rows are created; every matching row is skipped
   ``update``    ``update`` and ``duplicate`` rows fill the stored customer's empty
                 fields and add their names, contact and tags; ``uncertain`` skipped
   ``review``    ``uncertain`` rows are created and queued for duplicate review
                 with the customers they may duplicate; ``duplicate`` rows skipped
   ``create``    ``uncertain`` rows are created anyway, with the required reason
   ============  =================================================================

   A ``duplicate`` (``same``) row is never created: one customer, one record. A
   ``duplicate_in_file`` row follows its representative: when that row created (or, in update
   mode, updated) a customer, the duplicate adds its names and values to it (``merged``).
3. **Revert** (:meth:`ImportService.revert`): archives what the run created and restores what
   it changed, reporting values changed since as conflicts.
"""

from zhengming.services.importing.applying import ACTIONS, MODES
from zhengming.services.importing.running import ImportResult, check_run_options
from zhengming.services.importing.service import ImportPreview, ImportService, RevertResult
from zhengming.services.importing.verdicts import VERDICTS

__all__ = [
    "ACTIONS",
    "MODES",
    "VERDICTS",
    "ImportPreview",
    "ImportResult",
    "ImportService",
    "RevertResult",
    "check_run_options",
]
