import ChorusCore
import ChorusStore
import Logging
import ServiceLifecycle
import Synchronization

/// Group commit for webhook ingest (ARCHITECTURE.md): concurrent webhook requests share one
/// transaction, and each is answered only after the commit that holds it. On SQLite this turns
/// one fsync per request into one fsync per group.
public final class GroupCommitter: Service, Sendable {
    /// One waiting request. Answered exactly once: by its commit, or — when the database does
    /// not answer within `answerWithin` — by a 503, so Meta retries instead of waiting on a dead
    /// connection. A batch answered 503 may still commit later; its redelivery is then deduplicated.
    final class Pending: Sendable {
        let batch: InboundBatch
        let enqueuedAt: ContinuousClock.Instant
        private let reply: Mutex<(@Sendable (Result<IngestRepository.Outcome, any Error>) -> Void)?>

        init(_ batch: InboundBatch, _ reply: @escaping @Sendable (Result<IngestRepository.Outcome, any Error>) -> Void) {
            self.batch = batch
            self.enqueuedAt = .now
            self.reply = Mutex(reply)
        }

        func answer(_ result: Result<IngestRepository.Outcome, any Error>) {
            // Taken out under the lock, called outside it: a reply may do real work.
            let reply = self.reply.withLock { reply in
                defer { reply = nil }
                return reply
            }
            reply?(result)
        }

        var answered: Bool { reply.withLock { $0 == nil } }
    }

    private let ingest: IngestRepository
    /// Waiting batches and the group being committed; `closed` once shutdown has drained the
    /// last of them, so a late request is refused at once (Meta retries) instead of waiting for
    /// a commit that will never come.
    private let queue = Mutex<(items: [Pending], inFlight: [Pending], closed: Bool)>(([], [], false))
    /// The group being stored, since when, and how to give up on it (`watchOverdue`).
    private let storing = Mutex<(since: ContinuousClock.Instant, reply: ResumeOnce<Result<IngestRepository.Committed, any Error>>)?>(nil)
    private let wakeup: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let maximumGroup: Int
    private let answerWithin: Duration
    /// How long a group's transaction may take before the drain gives up on it.
    private let storeWithin: Duration
    private let logger: Logger
    /// Counts groups and the batches in them (their ratio is the mean group size: how many
    /// webhooks share one transaction and one fsync).
    private let metrics: Metrics?
    /// Told of each commit that wrote events, after its webhooks are answered: with the events
    /// when the commit lists them, nil when they must be read from the log (wakes the event pump).
    private let onCommitted: @Sendable ([FeedEvent]?) -> Void

    public init(ingest: IngestRepository, maximumGroup: Int = 256, answerWithin: Duration = .seconds(5),
                storeWithin: Duration = .seconds(10), metrics: Metrics? = nil, logger: Logger = Logger(label: "chorus.group-commit"),
                onCommitted: @escaping @Sendable ([FeedEvent]?) -> Void = { _ in }) {
        self.ingest = ingest
        self.onCommitted = onCommitted
        self.metrics = metrics
        self.storeWithin = storeWithin
        self.logger = logger
        self.maximumGroup = maximumGroup
        self.answerWithin = answerWithin
        (wakeup, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Stores `batch` durably; returns once it is committed.
    public func commit(_ batch: InboundBatch) async throws -> IngestRepository.Outcome {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(batch) { continuation.resume(with: $0) }
        }
    }

    /// Stores `batch` durably and calls `reply` once: after its commit, or with the error that
    /// ended it. For callers that are not async tasks (`WebhookFastPath`, on an event loop).
    public func enqueue(_ batch: InboundBatch, reply: @escaping @Sendable (Result<IngestRepository.Outcome, any Error>) -> Void) {
        let pending = Pending(batch, reply)
        let accepted = queue.withLock { state -> Bool in
            if state.closed { return false }
            state.items.append(pending)
            return true
        }
        if accepted {
            wake.yield()
        } else {
            pending.answer(.failure(ChorusError(status: 503, code: "shutting_down",
                                                message: "Chorus is shutting down; deliver again shortly.")))
        }
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.watchOverdue() }
            await withGracefulShutdownHandler {
                for await _ in wakeup {
                    await drain()
                }
                // Shutting down: nothing accepted is left unanswered.
                await drain(closing: true)
            } onGracefulShutdown: {
                self.wake.finish()
            }
            group.cancelAll()
        }
    }

    /// Answers 503 to every request waiting longer than `answerWithin` (the database is down or
    /// stuck). Waiting ones are dropped from the queue; in-flight ones finish, unanswered. Gives
    /// up on a group whose transaction has taken longer than `storeWithin`.
    private func watchOverdue() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            if let stuck = storing.withLock({ $0 }), stuck.since.duration(to: .now) > storeWithin {
                logger.error("a webhook group commit did not finish within \(storeWithin); moving on")
                stuck.reply.resume(.failure(StoreError.unavailable("commit timed out")))
            }
            let overdue: [Pending] = queue.withLock { state in
                let now = ContinuousClock.now
                let isLate = { (pending: Pending) in pending.enqueuedAt.duration(to: now) > self.answerWithin }
                let waiting = state.items.filter(isLate)
                state.items.removeAll(where: isLate)
                return waiting + state.inFlight.filter { isLate($0) && !$0.answered }
            }
            for pending in overdue {
                pending.answer(.failure(StoreError.unavailable("no commit within \(answerWithin)")))
            }
        }
    }

    /// One transaction for `batches`, given up after `storeWithin` (by `watchOverdue`): a
    /// commit stuck on a connection the database dropped is left behind (it commits or fails on
    /// its own). The watchdog's tick, not a timer per group: a timer task per group (with
    /// `awaitAtMost`) cost three tasks and a dispatch timer for every commit.
    private func store(_ batches: [InboundBatch]) async throws -> IngestRepository.Committed {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<IngestRepository.Committed, any Error>, Never>) in
            let reply = ResumeOnce(continuation)
            storing.withLock { $0 = (.now, reply) }
            Task {
                do { reply.resume(.success(try await self.ingest.storeGroup(batches))) }
                catch { reply.resume(.failure(error)) }
            }
        }
        storing.withLock { $0 = nil }
        return try result.get()
    }

    /// Wakes the event pump for a commit — called after its webhooks are answered, so that the
    /// answers are queued on their event loops ahead of the frames the pump writes for it.
    private func announce(_ committed: IngestRepository.Committed) {
        if committed.wroteEvents { onCommitted(committed.events) }
    }

    private func drain(closing: Bool = false) async {
        while true {
            let group: [Pending] = queue.withLock { state in
                let taken = Array(state.items.prefix(maximumGroup))
                state.items.removeFirst(taken.count)
                state.inFlight = taken
                if taken.isEmpty && closing { state.closed = true }
                return taken
            }
            if group.isEmpty { return }
            metrics?.increment("chorus_webhook_group_commits_total")
            metrics?.increment("chorus_webhook_group_batches_total", by: Double(group.count))
            do {
                let committed = try await store(group.map(\.batch))
                for (pending, outcome) in zip(group, committed.outcomes) { pending.answer(.success(outcome)) }
                announce(committed)
            } catch {
                // One bad batch must not fail its companions: retry each alone (those still
                // waiting; after a stuck commit the watchdog has answered them all).
                for pending in group where !pending.answered {
                    do {
                        let committed = try await store([pending.batch])
                        pending.answer(.success(committed.outcomes[0]))
                        announce(committed)
                    } catch {
                        pending.answer(.failure(error))
                    }
                }
            }
            queue.withLock { $0.inFlight = [] }
        }
    }
}
