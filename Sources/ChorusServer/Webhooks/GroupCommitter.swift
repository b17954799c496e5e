import ChorusCore
import ChorusStore
import Logging
import ServiceLifecycle
import Synchronization

/// Group commit for webhook ingest (ARCHITECTURE.md): concurrent webhook requests share one
/// transaction, and each is answered only after the commit that holds it. On SQLite this turns
/// one fsync per request into one fsync per group.
public final class GroupCommitter: Service, Sendable {
    typealias Pending = (batch: InboundBatch, reply: CheckedContinuation<IngestRepository.Outcome, any Error>)

    private let ingest: IngestRepository
    /// Waiting batches; `closed` once shutdown has drained the last of them, so a late request
    /// is refused at once (Meta retries) instead of waiting for a commit that will never come.
    private let queue = Mutex<(items: [Pending], closed: Bool)>(([], false))
    private let wakeup: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let maximumGroup: Int

    public init(ingest: IngestRepository, maximumGroup: Int = 256) {
        self.ingest = ingest
        self.maximumGroup = maximumGroup
        (wakeup, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Stores `batch` durably; returns once it is committed.
    public func commit(_ batch: InboundBatch) async throws -> IngestRepository.Outcome {
        try await withCheckedThrowingContinuation { reply in
            let accepted = queue.withLock { state -> Bool in
                if state.closed { return false }
                state.items.append((batch, reply))
                return true
            }
            if accepted {
                wake.yield()
            } else {
                reply.resume(throwing: ChorusError(status: 503, code: "shutting_down",
                                                   message: "Chorus is shutting down; deliver again shortly."))
            }
        }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in wakeup {
                await drain()
            }
            // Shutting down: nothing accepted is left unanswered.
            await drain(closing: true)
        } onGracefulShutdown: {
            self.wake.finish()
        }
    }

    private func drain(closing: Bool = false) async {
        while true {
            let group: [Pending] = queue.withLock { state in
                let taken = Array(state.items.prefix(maximumGroup))
                state.items.removeFirst(taken.count)
                if taken.isEmpty && closing { state.closed = true }
                return taken
            }
            if group.isEmpty { return }
            do {
                let outcomes = try await ingest.store(group.map(\.batch))
                for (pending, outcome) in zip(group, outcomes) { pending.reply.resume(returning: outcome) }
            } catch {
                // One bad batch must not fail its companions: retry each alone.
                for pending in group {
                    do { pending.reply.resume(returning: try await ingest.store(pending.batch)) }
                    catch { pending.reply.resume(throwing: error) }
                }
            }
        }
    }
}
