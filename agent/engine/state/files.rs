//! Which file a path is: the comparison of a path a command was given with
//! the path a migration recorded, and the inode the old database's marker
//! records so that a copy of the file (which carries the marker along) can
//! be told from the file itself.

use std::path::Path;

/// How a path given to a command relates to the path a migration recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sameness {
    /// The same path, or another name of the same file (a symlink, a hard
    /// link, `..` in the path).
    Same,
    /// Nothing is at the recorded path any more and the given file exists:
    /// the file was moved or renamed.
    Moved,
    /// Another file, or a path where nothing is while the recorded file
    /// exists.
    Other,
    /// Neither path holds a file, and they differ.
    BothMissing,
}

/// Compares `given` with `recorded` (an absolute path from the migration
/// tables): by path first, then by device and inode.
pub fn compare(given: &Path, recorded: &str) -> Sameness {
    let recorded = Path::new(recorded);
    if std::path::absolute(given).is_ok_and(|g| g == recorded) {
        return Sameness::Same;
    }
    match (std::fs::metadata(given), std::fs::metadata(recorded)) {
        (Ok(g), Ok(r)) if same_inode(&g, &r) => Sameness::Same,
        (Ok(_), Err(e)) if e.kind() == std::io::ErrorKind::NotFound => Sameness::Moved,
        (Err(_), Err(_)) => Sameness::BothMissing,
        _ => Sameness::Other,
    }
}

/// The inode of a file, recorded in the old database's marker when
/// recording starts. Only the inode: the device number of the same
/// filesystem can change across reboots (device-mapper, network mounts),
/// while an inode stays with its file until it is deleted. `None` where the
/// platform has no inodes.
pub fn inode(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().and_then(|m| inode_of(&m))
}

#[cfg(unix)]
fn inode_of(m: &std::fs::Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    Some(m.ino())
}

#[cfg(not(unix))]
fn inode_of(_: &std::fs::Metadata) -> Option<u64> {
    None
}

#[cfg(unix)]
fn same_inode(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

#[cfg(not(unix))]
fn same_inode(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_is_the_same_file_and_a_copy_is_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.db");
        std::fs::write(&a, b"x").expect("write");
        let recorded = a.to_string_lossy().into_owned();
        assert_eq!(compare(&a, &recorded), Sameness::Same);
        let copy = dir.path().join("copy.db");
        std::fs::copy(&a, &copy).expect("copy");
        assert_eq!(compare(&copy, &recorded), Sameness::Other);
        #[cfg(unix)]
        {
            let link = dir.path().join("link.db");
            std::os::unix::fs::symlink(&a, &link).expect("symlink");
            assert_eq!(compare(&link, &recorded), Sameness::Same);
            assert_ne!(inode(&copy), inode(&a));
        }
        std::fs::rename(&a, dir.path().join("moved.db")).expect("rename");
        assert_eq!(
            compare(&dir.path().join("moved.db"), &recorded),
            Sameness::Moved
        );
        assert_eq!(
            compare(&dir.path().join("none.db"), &recorded),
            Sameness::BothMissing
        );
    }
}
