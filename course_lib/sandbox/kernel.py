"""A Jupyter kernel that runs inside the sandbox, for executing submitted notebooks.

:class:`SandboxedKernelManager` starts ``python -m ipykernel_launcher`` through
bubblewrap with its own network namespace. The kernel and its client talk over
ZeroMQ's ``ipc`` transport: the sockets are files in a private folder that is
bound read-write into the sandbox, so no network is needed at all.

Use it wherever a ``kernel_manager_class`` is accepted, e.g. in a config::

    c.ExecutePreprocessor.kernel_manager_class = (
        "course_lib.sandbox.kernel.SandboxedKernelManager"
    )
    c.SandboxedKernelManager.readable = ["/srv/course/extra-data"]

Its sandbox takes every ``c.Sandbox`` option (processes, file size, uids,
bubblewrap, unsafe) except the CPU time and memory, which are budgets for a
whole notebook: ``c.SandboxedKernelManager.notebook_cpu_seconds`` and
``notebook_memory_bytes``.

or directly with nbclient::

    NotebookClient(nb, kernel_manager_class=SandboxedKernelManager).execute()

The kernel's working directory (nbclient passes the notebook's folder) is
bound read-only; the kernel writes into its private scratch folder (HOME), a
size-limited file system that disappears with the kernel.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, List, Unicode, default

from .environment import scrubbed_environment
from .identity import hand_over, lease_uid, wait_until_gone
from .sandbox import Sandbox
from .seccomp import filter_fd

__all__ = ["SandboxedKernelManager"]

class SandboxedKernelManager(AsyncKernelManager):
    """Kernel manager whose kernels run in the course sandbox (see :class:`Sandbox`).

    The sandbox is configured like every other (``c.Sandbox.<option>``); a
    kernel runs a whole notebook, so its CPU time and memory are options of
    their own, and its wall clock is left to the executor's cell timeout.

    Examples
    --------
    >>> manager = SandboxedKernelManager()
    >>> manager.transport, manager.notebook_cpu_seconds
    ('ipc', 600)
    """

    readable = List(Unicode(), help="Extra paths the kernel may read.").tag(config=True)
    notebook_cpu_seconds = Integer(
        600, help="CPU seconds for the whole notebook (RLIMIT_CPU of the kernel)."
    ).tag(config=True)
    notebook_memory_bytes = Integer(
        8 * 1024**3,
        help="Address space of the kernel (RLIMIT_AS). TensorFlow reserves several GiB of "
        "virtual memory when it loads, far more than it touches.",
    ).tag(config=True)

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @property
    def kernel_spec(self) -> KernelSpec:
        """Always this environment's Python kernel; interrupts go by message.

        A signal to bubblewrap's process group would not reach the kernel,
        which runs in its own session and pid namespace.
        """
        if self._kernel_spec is None:
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python (course sandbox)",
                language="python",
                interrupt_mode="message",
                metadata={"debugger": False},
            )
        return self._kernel_spec

    def _sandbox(self, **paths) -> Sandbox:
        """The configured sandbox, with the notebook-wide CPU and memory budgets."""
        return Sandbox(
            parent=self,
            cpu_seconds=self.notebook_cpu_seconds,
            memory_bytes=self.notebook_memory_bytes,
            wall_seconds=24 * 3600.0,
            **paths,
        )

    _sandbox_private: Path | None = None
    _sandbox_unsafe = False

    async def _async_pre_start_kernel(self, **kw):
        """Create the private folder for sockets and scratch before ports are chosen.

        A restart keeps the folder, the uid and the socket paths, so the
        client stays connected.
        """
        if self._sandbox_private is not None:
            return await super()._async_pre_start_kernel(**kw)
        self._sandbox_private = Path(tempfile.mkdtemp(prefix="course-kernel-"))
        os.chmod(self._sandbox_private, 0o755)
        self._sandbox_sockets = self._sandbox_private / "sockets"
        self._sandbox_scratch = self._sandbox_private / "scratch"
        self._sandbox_ids = self._sandbox_private / "ids"
        for folder in (self._sandbox_sockets, self._sandbox_scratch, self._sandbox_ids):
            folder.mkdir()
        identity = self._sandbox()
        self._sandbox_lease = lease_uid(first=identity.uid, count=identity.uid_pool)
        self.transport = "ipc"
        self.connection_file = str(self._sandbox_sockets / "kernel.json")
        self.ip = str(self._sandbox_sockets / "k")
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        """Wrap the kernel command in the sandbox and give it a scrubbed environment."""
        cwd = kw.get("cwd")
        readable = list(self.readable)
        inside_cwd = None
        if cwd and Path(cwd).is_dir():
            readable.append(cwd)
            inside_cwd = Path(cwd).absolute()
        sandbox = self._sandbox(
            readable=readable, writable=[self._sandbox_sockets], scratch=self._sandbox_scratch
        )
        self._sandbox_unsafe = sandbox.unsafe
        if not sandbox.unsafe:
            hand_over(self._sandbox_sockets, self._sandbox_lease.uid)
            # Inside its pid namespace the kernel's parent is pid 1, which ipykernel would
            # take for "my parent died" if told the manager's pid; ipykernel knows pid 1
            # never goes away, and --die-with-parent ends the kernel with its manager.
            kernel_cmd = ["/usr/bin/env", "JPY_PARENT_PID=1", *kernel_cmd]
        seccomp_fd = None if sandbox.unsafe else filter_fd()
        command = sandbox.command(
            kernel_cmd,
            uid=self._sandbox_lease.uid,
            scratch=self._sandbox_scratch,
            identity_files=self._sandbox_ids,
            cwd=inside_cwd,
            seccomp_fd=seccomp_fd,
            scratch_on_host=sandbox.unsafe,
        )
        kw["env"] = scrubbed_environment(
            home=str(self._sandbox_scratch), extra={"JUPYTER_PLATFORM_DIRS": "1"}
        )
        kw["cwd"] = str(inside_cwd if sandbox.unsafe and inside_cwd else self._sandbox_scratch)
        kw["pass_fds"] = () if seccomp_fd is None else (seccomp_fd,)
        try:
            return await super()._async_launch_kernel(command, **kw)
        finally:
            if seccomp_fd is not None:
                os.close(seccomp_fd)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        """Remove the private folder and free the uid once the kernel is gone."""
        await super()._async_cleanup_resources(restart=restart)
        if restart:
            return
        if self._sandbox_private is None:
            return
        if not self._sandbox_unsafe and os.geteuid() == 0:
            wait_until_gone(self._sandbox_lease.uid)
        self._sandbox_lease.release()
        shutil.rmtree(self._sandbox_private, ignore_errors=True)
        self._sandbox_private = None
