"""Copying recorded files between backends: into a dataset's storage, many at once, each verified against its
record's sha256. Each backend does the work for its own kind (``local_copy.place_files``, ``s3_import``):

* into a local folder: a reflink of a local source where the filesystem can, else a real copy, read once, hashed
  and written in the same pass, by a pool of threads; a hard link only on explicit request (see ``local_copy``);
* into S3 from a local file: s3transfer uploads (multipart and concurrent above 16 MiB, many files at once)
  from a reader that hashes the bytes as they are sent and aborts the upload if they are not the recorded ones;
* into S3 from S3 (a pod's task output, an S3 store): a server-side ``CopyObject`` with ``ChecksumAlgorithm=SHA256``;
  S3 hashes the copy itself, which is compared with the record's sha256.

Every file lands under its own key (its path in the snapshot), so two files with the same bytes are two copies:
nothing a user can edit in a dataset is shared with the store or with another snapshot.
"""

from __future__ import annotations

import time
import typing

from ..errors import ArtifactError, ArtifactNotFoundError, ReadBrokeOff
from . import open_backend, read_uri_stream
from .base import AttemptProgress, Progress, Transfer, is_local

#: Reads from object storage that break off or come back wrong are tried this many times before one is reported.
FETCH_ATTEMPTS = 3


def land(
    dataset_uri: str, placements: typing.Sequence[typing.Tuple[Transfer, str]], progress: Progress = None,
    link: bool = False,
) -> None:
    """Put every transfer's bytes at its key under the dataset's location, verified. Raises on the first failure."""
    open_backend(dataset_uri).import_files(list(placements), read_uri_stream, progress, link=link)


def fetch_verified(uri: str, dest: str, size: int, sha256: str, what: str, progress: Progress = None) -> None:
    """Write the bytes at ``uri`` to the local path ``dest`` atomically, only if they are ``size`` bytes with
    ``sha256``; a mismatch leaves ``dest`` as it was. A remote read that fails or comes back wrong is tried again
    (a damaged object then fails every attempt and is reported)."""
    from .local.files import write_local_file

    attempts = 1 if is_local(uri) else FETCH_ATTEMPTS
    counted = AttemptProgress(progress)
    for attempt in range(attempts):
        try:
            write_local_file(read_uri_stream(uri), dest, counted, expect=(size, sha256), what=what)
            return
        except ArtifactNotFoundError:
            raise
        except ReadBrokeOff as e:
            # The stream asked for the rest each time it broke off: those were the attempts.
            raise ArtifactError(
                f"could not read {what} whole: {e.attempts} attempts broke off ({e.last}); nothing was written to "
                f"{dest!r}. Is the storage reachable? Try again later"
            ) from e
        except Exception as e:  # noqa: BLE001 - a read that broke off (urllib3, botocore, OSError) is tried again
            if attempt < attempts - 1:
                counted.undo()
                time.sleep(0.2 * 2**attempt)
                continue
            if isinstance(e, (ArtifactError, OSError)):
                raise  # the bytes are there but wrong, or the local side failed: their messages say so
            raise ArtifactError(
                f"could not read {what} whole: {attempts} attempt{'s' if attempts > 1 else ''} broke off "
                f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else 'no detail'}); nothing was written to "
                f"{dest!r}. Is the storage reachable? Try again later"
            ) from e
