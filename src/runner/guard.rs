//! A step's process group outlives nothing (Linux): when sdetkit dies, even by SIGKILL, which
//! no handler sees, its running steps die with it.
//!
//! Two things see to it. The step's shell gets `PR_SET_PDEATHSIG` (SIGKILL when the thread
//! that started it ends), which covers the shell and the program it `exec`s. And a guard, a
//! tiny process forked into the step's group, holds the read end of a pipe whose only write
//! end is sdetkit's: when sdetkit dies the kernel closes it, the guard reads end of file and
//! kills the whole group, the step's children and grandchildren with it. What leaves the
//! group (`setsid`, a daemon that double-forks into a group of its own) is out of reach.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The guard of one step's group; dropping it stops and reaps the guard.
pub struct Guard {
    pid: libc::pid_t,
    /// sdetkit's end of the pipe: the guard sees end of file once it is closed.
    _alive: OwnedFd,
}

impl Guard {
    /// Forks a guard into group `pgid`; `None` when the system refuses (the step then runs
    /// guarded by `PR_SET_PDEATHSIG` alone).
    pub fn start(pgid: libc::pid_t) -> Option<Guard> {
        let mut fds = [0; 2];
        // SAFETY: pipe2 fills the two descriptors it returns, which we then own.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return None;
        }
        // SAFETY: both descriptors are fresh and owned by nobody else.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // SAFETY: after fork the child only makes async-signal-safe calls (`watch`) and never
        // returns; the parent just keeps the pid.
        match unsafe { libc::fork() } {
            -1 => None,
            0 => unsafe { watch(pgid, read.as_raw_fd()) },
            pid => Some(Guard { pid, _alive: write }),
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // SAFETY: kill and waitpid on our own child; no memory is involved.
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
            libc::waitpid(self.pid, std::ptr::null_mut(), 0);
        }
    }
}

/// The guard's whole life, in the forked child: join the step's group, let go of every
/// descriptor but the pipe (it must hold no other step's output open), wait for end of file,
/// kill the group.
///
/// # Safety
///
/// Only in the child of a fork: it makes async-signal-safe calls only, and never returns.
unsafe fn watch(pgid: libc::pid_t, pipe: libc::c_int) -> ! {
    unsafe {
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGPIPE] {
            libc::signal(signal, libc::SIG_IGN);
        }
        if libc::setpgid(0, pgid) != 0 || libc::dup2(pipe, 0) != 0 {
            // The step already ended (its group is gone): nothing to guard.
            libc::_exit(0);
        }
        if libc::syscall(libc::SYS_close_range, 1u32, u32::MAX, 0u32) != 0 {
            // Before Linux 5.9: the usual range, one by one.
            for fd in 1..1024 {
                libc::close(fd);
            }
        }
        let mut byte = 0u8;
        loop {
            let n = libc::read(0, (&raw mut byte).cast(), 1);
            if n == 0 || (n < 0 && *libc::__errno_location() != libc::EINTR) {
                break;
            }
        }
        libc::kill(-pgid, libc::SIGKILL);
        libc::_exit(0)
    }
}

/// Makes the calling child (between fork and exec) die when the thread that started it ends.
///
/// # Safety
///
/// Only between fork and exec: prctl is async-signal-safe.
pub unsafe fn die_with_parent() -> std::io::Result<()> {
    // SAFETY: prctl with PR_SET_PDEATHSIG takes a signal number; no memory is involved.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
    Ok(())
}
