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
    private let queue = Mutex<[Pending]>([])
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
            queue.withLock { $0.append((batch, reply)) }
            wake.yield()
        }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in wakeup {
                await drain()
            }
            // Shutting down: nothing accepted is left unanswered.
            await drain()
        } onGracefulShutdown: {
            self.wake.finish()
        }
    }

    private func drain() async {
        while true {
            let group: [Pending] = queue.withLock { pending in
                let taken = Array(pending.prefix(maximumGroup))
                pending.removeFirst(taken.count)
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
