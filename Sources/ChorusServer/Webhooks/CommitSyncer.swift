import ChorusStore
import Foundation
import Synchronization

/// Makes committed webhook groups durable beside the writer, and answers each group's requests
/// once its sync is done (SQLite with `synchronous` FULL; see `WALSync` in ChorusStore). The
/// writer goes on with the next group meanwhile; groups committed during one sync share the
/// next one. Why a thread of its own: an fsync blocks its thread, and on the cooperative pool or
/// an event loop it would hold up other work.
final class CommitSyncer: Sendable {
    typealias Answer = (pending: GroupCommitter.Pending, outcome: IngestRepository.Outcome)

    private let sync: @Sendable () throws -> Void
    /// Committed groups not yet synced; `stopping` once the thread is to end when they are done.
    private let state = Mutex<(waiting: [Answer], syncing: [Answer], stopping: Bool)>(([], [], false))
    private let ready = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)

    init(sync: @escaping @Sendable () throws -> Void) {
        self.sync = sync
        let thread = Thread { [self] in
            // Named from inside (see WriterThread); Linux keeps 15 characters.
            Thread.current.name = "chorus-wal-sync"
            loop()
        }
        thread.start()
    }

    /// Answers `group` after a sync that begins after this call.
    func submit(_ group: [Answer]) {
        state.withLock { $0.waiting += group }
        ready.signal()
    }

    /// Requests waiting for a sync, for the watchdog (a disk that does not answer).
    var unanswered: [GroupCommitter.Pending] {
        state.withLock { ($0.waiting + $0.syncing).map(\.pending) }.filter { !$0.answered }
    }

    /// Syncs and answers what was submitted, then ends the thread; returns when it has ended.
    func stop() async {
        state.withLock { $0.stopping = true }
        ready.signal()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            // Waited for on a thread of Dispatch's, not the cooperative pool.
            DispatchQueue.global().async { [stopped] in
                stopped.wait()
                done.resume()
            }
        }
    }

    private func loop() {
        while true {
            ready.wait()
            let (group, stopping) = state.withLock { state in
                state.syncing = state.waiting
                state.waiting = []
                return (state.syncing, state.stopping)
            }
            if !group.isEmpty {
                do {
                    try sync()
                    for answer in group { answer.pending.answer(.success(answer.outcome)) }
                } catch {
                    // Committed, but not known to be on disk: refused, so Meta delivers again
                    // (and the redelivery is deduplicated).
                    for answer in group { answer.pending.answer(.failure(error)) }
                }
                state.withLock { $0.syncing = [] }
            }
            if stopping {
                stopped.signal()
                return
            }
        }
    }
}
