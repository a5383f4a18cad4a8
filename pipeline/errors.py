"""Every exception of the package, in one place, under one base (`BalanceError`, as papermill
has `PapermillException`): the CLI turns them into Spanish messages and exit codes (no heavy
imports here). Where a caller already catches a built-in kind (a bad value, a missing file),
the exception is that kind too."""
from __future__ import annotations

from pathlib import Path


class BalanceError(Exception):
    """Base of every error the pipeline raises on purpose; its message is Spanish and says what to do."""


class StageFailed(BalanceError):
    """A stage's notebook failed; the message says which stage, notebook and cell."""

    def __init__(self, stage: str, notebook: str, detail: str, executed_copy: Path | None):
        self.stage, self.notebook, self.detail, self.executed_copy = stage, notebook, detail, executed_copy
        msg = f"Falló la etapa «{stage}» (notebook {notebook}): {detail}"
        if executed_copy is not None:
            msg += f"\nLa copia ejecutada queda para revisión en: {executed_copy}"
        super().__init__(msg)


class RunInProgress(BalanceError):
    """Another run of the same year and output tree holds the lock."""


class LockBusy(BalanceError):
    """A lock asked for without waiting is held by another process."""


class InvalidPlan(BalanceError, ValueError):
    """A plan file that cannot be used; the message names the file and the line."""


class ExportError(BalanceError):
    """An export could not be produced (message in Spanish)."""


class NoDataError(BalanceError):
    """No usable log in the year's folder."""


class AccountingError(BalanceError):
    """Rows read ≠ valid + duplicates + quarantined: a bug of the cleaning, never of the data."""


class KeyFileError(BalanceError):
    """The pseudonymisation key cannot be read, created or trusted."""


class UnknownRegion(BalanceError, ValueError):
    """A region name or code that is not one of Chile's 16 regions."""


class OutputNotWritable(BalanceError):
    """A folder the pipeline writes to is full, read-only or not ours: one Spanish line naming
    the folder and what to do; the previous outputs stay as they were."""

    def __init__(self, folder: Path, cause: str):
        self.folder, self.cause = Path(folder), cause
        super().__init__(f"No se pudo escribir en la carpeta {folder}: {cause}. "
                         "Los resultados anteriores quedan como estaban.")


class InvalidTexts(BalanceError, ValueError):
    """A textos.yml that cannot be used; the message names the file and the line."""


class StaleProcessed(BalanceError, FileNotFoundError):
    """data/processed/<year>/ is missing or was built from other inputs: clean the year first."""


class SheetRejected(BalanceError):
    """A file or sheet that cannot be read as a log: `code` is the quarantine reason
    (schema.REJECTION_REASONS), `detail` what is wrong, in Spanish; the rest of the year goes on."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code, self.detail = code, detail
