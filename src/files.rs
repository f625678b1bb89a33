//! Opening files for reading without trusting what is at the path: only regular files are
//! read (a FIFO would block forever, `/dev/zero` never ends, a directory is not a file), reads
//! are capped, and in the out-dir a symbolic link is refused, never followed.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// Whether a symbolic link at the path itself is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Follow it: a file the user names (`--log`, `--config`, a repository file).
    Follow,
    /// Refuse it: a file in the out-dir, where a link would lead reads, writes and packs
    /// outside.
    Refuse,
}

/// Opens `path` for reading without ever blocking: `Ok(None)` when it does not exist, an
/// error naming it when it is not a regular file (or, with [`Links::Refuse`], is a link).
pub fn open(path: &Path, links: Links) -> Result<Option<File>> {
    match open_regular(path, links) {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) && links == Links::Refuse => {
            Err(link_refused(path))
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            Err(Error::input(path, e.to_string()))
        }
        Err(e) => Err(Error::io(path, "cannot open", e)),
    }
}

/// [`open`] for readers that speak `std::io`: a path that is not a regular file is an
/// `InvalidInput` error saying what it is (`is a FIFO, not a regular file…`).
pub fn open_regular(path: &Path, links: Links) -> std::io::Result<File> {
    let mut flags = libc::O_NONBLOCK;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)?;
    let kind = file.metadata()?.file_type();
    let what = if kind.is_file() {
        return Ok(file);
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a device"
    };
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("is {what}, not a regular file; sdetkit reads only regular files"),
    ))
}

/// Whether `path` is a regular file of at most `cap` bytes: `Ok(false)` when it does not
/// exist, an error naming it when it is something else or larger.
pub fn regular(path: &Path, cap: u64) -> Result<bool> {
    Ok(open_capped(path, cap, Links::Follow)?.is_some())
}

/// [`open`], and the file's length, which must be at most `cap`.
fn open_capped(path: &Path, cap: u64, links: Links) -> Result<Option<(File, u64)>> {
    let Some(file) = open(path, links)? else {
        return Ok(None);
    };
    let len = file
        .metadata()
        .map_err(|e| Error::io(path, "cannot read", e))?
        .len();
    if len > cap {
        return Err(too_big(path, cap));
    }
    Ok(Some((file, len)))
}

fn too_big(path: &Path, cap: u64) -> Error {
    Error::input(
        path,
        format!(
            "is larger than {}; sdetkit reads at most that much of it",
            size(cap)
        ),
    )
}

/// The content of `path` (see [`open`]), at most `cap` bytes: a larger file is an error
/// naming it rather than a read that exhausts memory.
pub fn read(path: &Path, cap: u64, links: Links) -> Result<Option<Vec<u8>>> {
    let Some((file, len)) = open_capped(path, cap, links)? else {
        return Ok(None);
    };
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, "cannot read", e))?;
    if bytes.len() as u64 > cap {
        return Err(too_big(path, cap));
    }
    Ok(Some(bytes))
}

/// [`read`] as UTF-8 text; invalid sequences are replaced.
pub fn read_text(path: &Path, cap: u64, links: Links) -> Result<Option<String>> {
    Ok(
        read(path, cap, links)?.map(|bytes| match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }),
    )
}

/// The error for a symbolic link where sdetkit keeps its own files.
pub fn link_refused(path: &Path) -> Error {
    Error::input(
        path,
        "is a symbolic link; sdetkit never reads, writes or packs through a link in its out-dir (remove it)",
    )
}

/// `bytes` for people: `16 MiB`, `512 KiB`.
fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, "abc").unwrap();
        assert_eq!(read(&file, 3, Links::Follow).unwrap().unwrap(), b"abc");
        assert!(read(&file, 2, Links::Follow).is_err());
        assert!(
            read(&dir.path().join("none"), 2, Links::Follow)
                .unwrap()
                .is_none()
        );
        let err = read(dir.path(), 10, Links::Follow).unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
        let err = read(Path::new("/dev/zero"), 10, Links::Follow)
            .unwrap_err()
            .to_string();
        assert!(err.contains("is a device"), "{err}");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(read(&link, 10, Links::Follow).is_ok());
        let err = read(&link, 10, Links::Refuse).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
    }
}
