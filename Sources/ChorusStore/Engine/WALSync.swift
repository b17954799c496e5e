import Foundation
import Synchronization

/// Makes SQLite's committed transactions durable by syncing the write-ahead log ourselves.
///
/// With `synchronous=FULL` SQLite fsyncs the WAL inside every COMMIT, on the writer thread: the
/// writer stood still for the length of each fsync, and so did every webhook queued behind it
/// (30 % more webhooks per second with no sync at all; BENCHMARKS.md, session 17). So when FULL is
/// configured the writer connection runs with `synchronous=NORMAL` — commits write the WAL's
/// frames but do not sync them; checkpoints still sync — and this syncs the WAL: right after the
/// commit for ordinary transactions (as durable as FULL, at the same moment), or, for webhook
/// group commits, on a thread of its own while the writer goes on with the next group; a group is
/// answered only after a sync that began after its commit. On Linux an fsync of a file flushes
/// what any descriptor wrote to it, so a descriptor of our own serves.
final class WALSync: Sendable {
    let logPath: String
    let directory: String
    /// The WAL's directory entry is synced once (SQLite does so at its first sync of a new WAL,
    /// which with NORMAL comes only at the first checkpoint): the WAL lives as long as the
    /// database is open, and is created when it opens.
    private let directorySynced = Atomic<Bool>(false)
    /// Syncs done so far (the tests check which transactions sync).
    let completed = Atomic<Int>(0)

    init(databasePath: String) {
        logPath = databasePath + "-wal"
        let directory = (databasePath as NSString).deletingLastPathComponent
        self.directory = directory.isEmpty ? "." : directory
    }

    /// Every transaction committed before this call is on disk when it returns.
    func sync() throws {
        // Opened each time (three system calls per group, not per webhook): a descriptor kept
        // open would outlive the file if the WAL were ever deleted and made anew.
        let fd = open(logPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.unavailable("cannot open the write-ahead log to sync it (errno \(errno))") }
        defer { close(fd) }
        guard fdatasync(fd) == 0 else { throw StoreError.unavailable("syncing the write-ahead log failed (errno \(errno))") }
        if !directorySynced.load(ordering: .acquiring) {
            let dir = open(directory, O_RDONLY | O_CLOEXEC)
            guard dir >= 0 else { throw StoreError.unavailable("cannot open the database's directory to sync it (errno \(errno))") }
            defer { close(dir) }
            guard fsync(dir) == 0 else { throw StoreError.unavailable("syncing the database's directory failed (errno \(errno))") }
            directorySynced.store(true, ordering: .releasing)
        }
        completed.add(1, ordering: .relaxed)
    }
}
