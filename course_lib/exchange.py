"""nbgrader's exchange with each student's work private to that student and the instructors.

nbgrader's default exchange hides a submission by its name: the inbound folder
cannot be listed, but a submission's files are readable and its folder
writable by anyone who knows that name, and feedback pages are readable by
anyone who knows their file name. Collect trusts the name a submission
claims, so a student can hand in work under a classmate's name (nbgrader only
warns). These classes keep nbgrader's layout and protocol, so plain
``nbgrader submit``, ``collect``, ``release_feedback`` and ``fetch_feedback``
work unchanged, and close those gaps with file permissions:

- :class:`PrivateSubmit` (a student's server): the submission belongs to the
  student alone (folders ``0700``, files ``0600``), plus an access control
  list entry for the inbound folder's group, which ``make classroom`` makes
  the course's instructors (``classroom/provision.py``); other students get
  nothing, even with the full path.
- :class:`OwnerCheckedCollect` (the instructor): only submissions owned by
  the account they are named after are collected; one handed in under another
  student's name is left out, with an error naming both.
- :class:`PrivateReleaseFeedback` (the instructor): each feedback page is
  readable by the instructors' group and, through an access control list
  entry, by its own student alone.

Where the set-up cannot support this (an inbound folder that does not carry
the instructors' group, a file system without ACLs), nbgrader's own
permissions are kept and a warning says so: grading never depends on it.
:func:`use_course_exchange` names them in a configuration: the course's
``nbgrader_config.py`` (the instructor's commands) and the site-wide one a
classroom gives every server (the students' submit) both call it.
"""

from __future__ import annotations

import glob
import grp
import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

from nbgrader.exchange.default import ExchangeCollect, ExchangeReleaseFeedback, ExchangeSubmit

__all__ = [
    "FEEDBACK_FILE_MODE",
    "SUBMISSION_DIR_MODE",
    "SUBMISSION_FILE_MODE",
    "OwnerCheckedCollect",
    "PrivateReleaseFeedback",
    "PrivateSubmit",
    "grant",
    "owner_name",
    "use_course_exchange",
]

SUBMISSION_DIR_MODE = 0o700
"""A submission's folders: the student's; the instructors' group is added by an ACL entry."""

SUBMISSION_FILE_MODE = 0o600
"""A submission's files: the student's; the instructors' group is added by an ACL entry."""

FEEDBACK_FILE_MODE = 0o640
"""A released feedback page: the instructor, the instructors' group, plus its student's ACL."""


def owner_name(path: str | os.PathLike) -> str | None:
    """The account that owns ``path``, or None when its uid has no name."""
    try:
        return pwd.getpwuid(os.stat(path).st_uid).pw_name
    except KeyError:
        return None


def grant(path: str | os.PathLike, entry: str, *, recursive: bool = False) -> None:
    """Add a POSIX access control list entry (``u:ann:r``, ``g:staff:rwX``) with ``setfacl``.

    The owner of a file may do this without being in the group it names.

    Raises
    ------
    OSError
        If ``setfacl`` is missing, the user or group unknown, or the file system has
        no ACLs.
    """
    setfacl = shutil.which("setfacl")
    if setfacl is None:
        raise OSError("setfacl is not installed (Debian package acl)")
    command = [setfacl, *(["-R"] if recursive else []), "-m", entry, os.fspath(path)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise OSError(done.stderr.strip() or f"setfacl exited with {done.returncode}")


def _chmod_keeping_acl(path: str | os.PathLike, mode: int) -> None:
    """Set the owner's and others' bits of ``path``; leave the ACL's mask (the group bits of
    a file with an ACL) as ``setfacl`` computed it."""
    current = stat.S_IMODE(os.stat(path).st_mode)
    os.chmod(path, (mode & ~0o070) | (current & 0o070))


class PrivateSubmit(ExchangeSubmit):
    """``nbgrader submit`` whose submission only the student and the instructors can open."""

    def copy_files(self):
        super().copy_files()
        submission = Path(self.inbound_path, self.assignment_filename)
        inbound = os.stat(self.inbound_path)
        try:
            group = grp.getgrgid(inbound.st_gid).gr_name
        except KeyError:
            group = None
        if group is None or not inbound.st_mode & stat.S_ISGID or inbound.st_gid == os.getgid():
            self.log.warning(
                "The inbound folder %s does not carry the instructors' group: the submission "
                "keeps nbgrader's permissions (hidden by its name only).", self.inbound_path)
            return
        try:
            grant(submission, f"g:{group}:rwX", recursive=True)
        except OSError as error:
            self.log.warning("The submission keeps nbgrader's permissions (hidden by its "
                             "name only): %s", error)
            return
        for folder, _, files in os.walk(submission):
            for name in files:
                _chmod_keeping_acl(os.path.join(folder, name), SUBMISSION_FILE_MODE)
            _chmod_keeping_acl(folder, SUBMISSION_DIR_MODE)


class OwnerCheckedCollect(ExchangeCollect):
    """``nbgrader collect`` that takes a submission only from the account it is named after.

    nbgrader reads the student from the submission's folder name, which the
    submitter chooses (``nbgrader submit --student``); a submission owned by
    another account is left in the exchange and reported, and the named
    student's latest own submission is collected instead.
    """

    def init_src(self):
        super().init_src()
        trusted = []
        for record in self.src_records:
            chosen = self._genuine(record)
            if chosen is not None:
                trusted.append(chosen)
        self.src_records = trusted

    def _genuine(self, record: dict) -> dict | None:
        student = record["username"]
        pattern = os.path.join(self.inbound_path, f"{student}+{self.coursedir.assignment_id}+*")
        candidates = self._sort_by_timestamp([self._path_to_record(p) for p in glob.glob(pattern)])
        if self.duedate is not None and self.before_duedate:
            on_time = [c for c in candidates if c["timestamp"] <= self.duedate]
            candidates = on_time or candidates
        for candidate in candidates:
            owner = owner_name(os.path.join(self.inbound_path, candidate["filename"]))
            if owner == student:
                return candidate
            self.log.error(
                "Not collecting %s: it is named after %s but was handed in by %s.",
                candidate["filename"], student, owner or "an unknown account")
        return None


class PrivateReleaseFeedback(ExchangeReleaseFeedback):
    """``nbgrader release_feedback`` whose pages only their own student can read."""

    def copy_files(self):
        super().copy_files()
        from nbgrader.utils import notebook_hash

        for name in sorted(glob.glob(os.path.join(self.src_path, "*.html"))):
            page = Path(name)
            student = page.parent.parent.name
            secret_file = page.parent / "submission_secret.txt"
            if not secret_file.is_file():
                continue
            released = Path(self.dest_path,
                            notebook_hash(secret=secret_file.read_text(),
                                          notebook_id=page.stem) + ".html")
            if not released.is_file():
                continue
            try:
                os.chmod(released, FEEDBACK_FILE_MODE)
                grant(released, f"u:{student}:r")
            except OSError as error:
                os.chmod(released, 0o644)
                self.log.warning(
                    "Feedback %s for %s stays readable by name only: %s", released, student, error)


def use_course_exchange(c):
    """Make nbgrader in config ``c`` submit, collect and release feedback with these classes.

    Parameters
    ----------
    c : traitlets.config.Config
        An nbgrader configuration (``get_config()`` in an ``nbgrader_config.py``).

    Returns
    -------
    traitlets.config.Config
        ``c``, for chaining.
    """
    c.ExchangeFactory.submit = f"{__name__}.{PrivateSubmit.__name__}"
    c.ExchangeFactory.collect = f"{__name__}.{OwnerCheckedCollect.__name__}"
    c.ExchangeFactory.release_feedback = f"{__name__}.{PrivateReleaseFeedback.__name__}"
    return c
