import Foundation
import Synchronization

/// A thread of its own for SQLite write transactions (a task executor). A transaction's code runs
/// here from BEGIN to COMMIT, calling SQLite synchronously, so it never waits for a thread-pool
/// slot per statement and never blocks the cooperative threads that serve HTTP while SQLite
/// writes and fsyncs. One thread for the process: SQLite has one writer per file anyway.
final class WriterThread: TaskExecutor, @unchecked Sendable {
    static let shared = WriterThread()

    private let queue = Mutex<[UnownedJob]>([])
    private let ready = DispatchSemaphore(value: 0)

    private init() {
        let thread = Thread { [unowned self] in
            // Named from inside: on Linux, Foundation passes a name set before start() to
            // nothing, and profiles showed the writer under the thread pool's name. (Linux
            // keeps at most 15 characters.) `top -H`, perf and `BY_THREAD=1 bench/ingest-ab`
            // find it by this one.
            Thread.current.name = "chorus-writer"
            self.loop()
        }
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.withLock { $0.append(job) }
        ready.signal()
    }

    private func loop() {
        while true {
            ready.wait()
            let job = queue.withLock { $0.removeFirst() }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
