import Synchronization

/// Awaits `operation` for at most `limit`: its result, or nil when time ran out. On time-out the
/// operation is cancelled and left to end on its own — a query on a connection the database
/// dropped can stay unanswered for good, and the caller must not stay stuck with it.
public func awaitAtMost<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T? {
    let work = Task { try await operation() }
    let outcome: Result<T, any Error>? = await withCheckedContinuation { continuation in
        let once = ResumeOnce(continuation)
        let timer = Task {
            try? await Task.sleep(for: limit)
            guard !Task.isCancelled else { return }
            once.resume(nil)
            work.cancel()
        }
        Task {
            let result = await work.result
            timer.cancel()
            once.resume(result)
        }
    }
    return try outcome?.get()
}

/// A continuation two racers may try to resume; only the first does.
public final class ResumeOnce<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, Never>?>

    public init(_ continuation: CheckedContinuation<Value, Never>) { self.continuation = Mutex(continuation) }

    public func resume(_ value: Value) {
        continuation.withLock { stored in
            stored?.resume(returning: value)
            stored = nil
        }
    }
}
